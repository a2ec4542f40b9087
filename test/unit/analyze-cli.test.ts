import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { main } from '../../src/cli/main';
import type { CliIO } from '../../src/cli/io';
import { formatMessage, type Locale } from '../../src/core/i18n';
import { readModelFolder } from '../../src/core/modelDir';
import { supportFor, TARGETS } from '../../src/core/generate/support';
import { nodeFileReader } from '../../src/node/fileReader';
import '../../src/node/families';

const FIXTURES = path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'models-src');
const MIXTRAL = '/work/shared/data/models/Mixtral-8x7B-v0.1';

interface Run {
  code: number;
  out: string;
  err: string;
}

let tmp: string;

async function run(argv: string[], locale: Locale = 'en'): Promise<Run> {
  let out = '';
  let err = '';
  const io: CliIO = { out: (t) => void (out += t + '\n'), err: (t) => void (err += t + '\n'), cwd: tmp, locale };
  const code = await main(['analyze', ...argv], io);
  return { code, out, err };
}

function summaryClass(out: string): string {
  return JSON.parse(out).modelClass;
}

function listFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true }).map(String).sort();
}

describe('cli: atb-migrate analyze', function () {
  this.timeout(20000);
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'atb-analyze-cli-'));
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('writes both msit-format reports for a model folder and prints the summary', async () => {
    const r = await run([path.join(FIXTURES, 'llama'), '--out', 'reports']);
    assert.strictEqual(r.code, 0, r.err);
    assert.deepStrictEqual(listFiles(path.join(tmp, 'reports')), ['LlamaForCausalLM', 'LlamaForCausalLM/LlamaForCausalLM.json', 'LlamaForCausalLM/LlamaForCausalLM_operators.csv']);
    assert.match(r.out, /Model class: LlamaForCausalLM/);
    assert.match(r.out, /60 operation uses: 20 native, 20 fused, 6 view, 14 host, 0 unsupported/);
    assert.doesNotMatch(r.out, /Unsupported \(/);
    assert.match(r.out, /ATB building blocks: attention ATB \(SelfAttention[^;]*\); MLP ATB \(Linear, Activation[^;]*\); norms ATB \(RmsNorm\); position encoding ATB \(Rope\); embedding ATB \(Gather\); head ATB \(Linear/);
    assert.match(r.out, /Generators: torch-like v3 unknown \(no config\.json beside/);

    const tree = JSON.parse(fs.readFileSync(path.join(tmp, 'reports/LlamaForCausalLM/LlamaForCausalLM.json'), 'utf8'));
    assert.strictEqual(tree.name, 'LlamaForCausalLM');
    // msit's tree keeps its shape; the summary is one added key.
    assert.deepStrictEqual(Object.keys(tree), ['name', 'summary', 'children']);
    assert.deepStrictEqual(tree.summary.counts, { native: 20, fused: 20, view: 6, host: 14, unsupported: 0 });
    assert.deepStrictEqual(tree.summary.parts.map((p: { part: string; status: string }) => `${p.part}:${p.status}`), ['attention:atb', 'mlp:atb', 'norm:atb', 'position:atb', 'embedding:atb', 'head:atb']);
    assert.deepStrictEqual(tree.summary.targets.map((t: { target: string; status: string }) => `${t.target}:${t.status}`), ['torch-like:unknown', 'cpp:unknown', 'onnx:unknown']);
    const model = tree.children.find((c: { name: string }) => c.name === 'model');
    assert.deepStrictEqual(Object.keys(model).slice(0, 4), ['name', 'kind', 'children', 'input_node']);
    const layers = model.children.find((c: { kind: string }) => c.kind === 'Layers');
    assert.strictEqual(layers.name, 'layers');
    assert.strictEqual(layers.repeat_count, 1, 'no config.json: msit needs a number, 1 is written');
    const attn = layers.repeat_block.find((c: { name: string }) => c.name === 'self_attn');
    assert.deepStrictEqual(
      attn.children.filter((c: { kind: string }) => c.kind === 'Linear').map((c: { name: string }) => c.name),
      ['q_proj', 'k_proj', 'v_proj', 'o_proj'],
    );
    const softmax = attn.children.find((c: { name: string }) => c.name === 'F.softmax');
    assert.deepStrictEqual(softmax.input_param, { dim: '-1', dtype: 'torch.float32' });
    assert.deepStrictEqual(softmax.input_node, ['attn_weights']);

    const csv = fs.readFileSync(path.join(tmp, 'reports/LlamaForCausalLM/LlamaForCausalLM_operators.csv'), 'utf8').trim().split('\n');
    assert.strictEqual(csv[0], 'ori_op_name,ori_op_type,op_name,op_type,soc_type,engine,is_supported,verdict,file,line');
    const file = path.join(FIXTURES, 'llama', 'modeling_llama.py');
    assert.ok(csv.includes(`model.layers.self_attn.q_proj,Linear,LinearOperation,Linear,Ascend910,AICORE,TRUE,native,${file},99`), csv.slice(0, 12).join('\n'));
    // Host work keeps msit's seven columns first: supported, on the HOST engine, no ATB op.
    assert.ok(csv.includes(`model/torch.arange,torch.arange,,,Ascend910,HOST,TRUE,host,${file},170`));
    assert.strictEqual(csv.length - 1, 60, 'one row per use');
  });

  it('--json prints a machine-readable summary, and -l warning keeps stdout for it', async () => {
    const r = await run([path.join(FIXTURES, 'mixtral', 'modeling_mixtral.py'), '--json', '-l', 'warning', '--format', 'csv']);
    assert.strictEqual(r.code, 0, r.err);
    const summary = JSON.parse(r.out);
    assert.strictEqual(summary.modelClass, 'MixtralForCausalLM');
    assert.deepStrictEqual(summary.unsupported, []);
    const mlp = summary.summary.parts.find((p: { part: string }) => p.part === 'mlp');
    assert.strictEqual(mlp.variant, 'moe');
    assert.strictEqual(mlp.status, 'atb');
    assert.ok(mlp.atb_ops.includes('GroupedMatmulWithRouting'));
    assert.deepStrictEqual(summary.files, [path.join(tmp, 'MixtralForCausalLM', 'MixtralForCausalLM_operators.csv')]);
    assert.deepStrictEqual(listFiles(tmp), ['MixtralForCausalLM', 'MixtralForCausalLM/MixtralForCausalLM_operators.csv']);
  });

  it('analyses a config-only folder and says so (real Mixtral metadata)', async function () {
    if (!fs.existsSync(MIXTRAL)) return this.skip();
    const text = await run([MIXTRAL, '--out', 'first']);
    assert.match(text.out, /config\.json: MixtralForCausalLM, 32 layers, GQA attention \(32 heads, 8 KV heads\), RMSNorm, activation silu/);
    assert.match(text.out, /MoE: 8 experts, top-2, 0 shared/);
    const r = await run([MIXTRAL, '--json']);
    assert.strictEqual(r.code, 0, r.err);
    const summary = JSON.parse(r.out);
    assert.strictEqual(summary.configOnly, true);
    assert.deepStrictEqual(summary.facts.moe, { experts: 8, topK: 2 });
    assert.ok(summary.notes.some((n: string) => /config\.json alone/.test(n)));
    const tree = JSON.parse(fs.readFileSync(path.join(tmp, 'MixtralForCausalLM', 'MixtralForCausalLM.json'), 'utf8'));
    assert.strictEqual(tree.children[0].children[1].repeat_count, 32);
  });

  it('says per target what the generators\' capability tables say about the model folder', async () => {
    const dir = path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'workspace', 'hf_models', 'tiny_qwen2');
    const r = await run([dir, '--json', '--format', 'json']);
    assert.strictEqual(r.code, 0, r.err);
    const { summary } = JSON.parse(r.out);
    const spec = (await readModelFolder(nodeFileReader, dir)).spec!;
    assert.strictEqual(summary.family.modelType, spec.modelType);
    for (const target of TARGETS) {
      const got = summary.targets.find((t: { target: string }) => t.target === target);
      const refused = supportFor(spec, target).filter((s) => s.status === 'refused');
      if (got.reason) {
        // No generator registered for the target yet: said once, not per quirk.
        assert.strictEqual(got.status, 'refused');
        assert.match(got.reason, new RegExp(`no ${target} generator`));
      } else {
        assert.strictEqual(got.status, refused.length ? 'refused' : 'supported', target);
        assert.deepStrictEqual(got.refused.map((x: { reason: string }) => x.reason), refused.map((x) => (x.status === 'refused' ? formatMessage(x.reason, 'en') : '')));
      }
    }
    const tree = JSON.parse(fs.readFileSync(path.join(tmp, summaryClass(r.out), summaryClass(r.out) + '.json'), 'utf8'));
    assert.deepStrictEqual(tree.summary, summary);
  });

  it('speaks Chinese when the locale is zh-CN', async () => {
    const r = await run([path.join(FIXTURES, 'qwen2')], 'zh-cn');
    assert.strictEqual(r.code, 0, r.err);
    assert.match(r.out, /模型类：Qwen2ForCausalLM/);
    assert.doesNotMatch(r.out, /不支持（/);
    assert.match(r.out, /带 eager 回退的可选 CUDA 内核导入，未计入（昇腾上运行的是回退路径）：flash_attn \(14\)/);
    // This fixture's config.json is lenient JSON: the analysis reads it, the model reader refuses it and the summary says why.
    assert.match(r.out, /生成器：torch-like v3 图 未知 \(config\.json 不是合法的 JSON/);
  });

  it('usage errors exit 2 and write nothing', async () => {
    for (const argv of [[], ['--format', 'xml', 'x'], ['--bogus', 'x'], ['a', 'b'], ['-l', 'loud', 'x']]) {
      const r = await run(argv);
      assert.strictEqual(r.code, 2, argv.join(' '));
      assert.match(r.err, /Usage: atb-migrate analyze/);
    }
    assert.deepStrictEqual(listFiles(tmp), []);
    assert.strictEqual((await run(['--help'])).code, 0);
  });

  it('unusable input exits 1 with a clear message and writes nothing', async () => {
    const missing = await run(['no/such/dir']);
    assert.strictEqual(missing.code, 1);
    assert.match(missing.err, /neither a model folder nor a Python file/);

    fs.writeFileSync(path.join(tmp, 'tool.py'), 'import os\nprint(os.getcwd())\n');
    const notModel = await run(['tool.py']);
    assert.strictEqual(notModel.code, 1);
    assert.match(notModel.err, /defines no nn\.Module/);

    fs.mkdirSync(path.join(tmp, 'empty'));
    const empty = await run(['empty']);
    assert.strictEqual(empty.code, 1);
    assert.match(empty.err, /No config\.json/);

    fs.mkdirSync(path.join(tmp, 'broken'));
    fs.writeFileSync(path.join(tmp, 'broken', 'config.json'), '{"architectures": ["LlamaForCausalLM"],\n "num_hidden_layers": }\n');
    const broken = await run(['broken']);
    assert.strictEqual(broken.code, 1);
    assert.match(broken.err, /config\.json:2: config\.json is not valid JSON/);
    assert.deepStrictEqual(listFiles(tmp).filter((f) => !/^(tool\.py|empty|broken)/.test(f)), []);
  });

  it('refuses to overwrite a different existing report without --force', async () => {
    const dir = path.join(tmp, 'LlamaForCausalLM');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'LlamaForCausalLM.json'), '{"edited": true}\n');
    const refused = await run([path.join(FIXTURES, 'llama')]);
    assert.strictEqual(refused.code, 1);
    assert.match(refused.err, /exists with different contents; pass --force/);
    assert.strictEqual(fs.readFileSync(path.join(dir, 'LlamaForCausalLM.json'), 'utf8'), '{"edited": true}\n');
    assert.ok(!fs.existsSync(path.join(dir, 'LlamaForCausalLM_operators.csv')), 'nothing half-written');
    const forced = await run([path.join(FIXTURES, 'llama'), '--force']);
    assert.strictEqual(forced.code, 0);
    assert.strictEqual(JSON.parse(fs.readFileSync(path.join(dir, 'LlamaForCausalLM.json'), 'utf8')).name, 'LlamaForCausalLM');
    // Identical content is not a clash: a re-run succeeds without --force.
    assert.strictEqual((await run([path.join(FIXTURES, 'llama')])).code, 0);
  });
});

import * as assert from 'assert';
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { generateOnnx, ONNX_CAPABILITIES, type GeneratedOnnxFile } from '../../src/core/generate/onnx';
import { formatMessage } from '../../src/core/i18n';
import '../../src/core/messages';
import { readModelFolder, type ModelSpec } from '../../src/core/modelDir';
import { nodeFileReader } from '../../src/node/fileReader';
import { builtinFamilies } from '../../src/core/families';
import type { FileReader } from '../../src/core/common';
import '../../src/node/families';
import { nodeSyntax } from '../../src/node/syntax';
import type { Node, Syntax } from '../../src/core/syntax';
import { FIXTURES, tempDir } from './modelDirHelpers';
import { requireTorch, SYSTEM_PYTHON } from './onnxTorch';

const ONNX_FIXTURES = path.resolve(__dirname, '../../../test/fixtures/onnx');
const REWRITE_FIXTURES = path.resolve(__dirname, '../../../test/fixtures/rewrite');
let syntax: Syntax;

async function specOf(dir: string): Promise<ModelSpec> {
  const r = await readModelFolder(nodeFileReader, dir);
  assert.ok(r.spec, `${dir}: ${JSON.stringify(r.problems)}`);
  return r.spec!;
}

function script(files: GeneratedOnnxFile[]): string {
  const f = files.find((x) => x.name === 'export_onnx.py');
  assert.ok(f, 'export_onnx.py generated');
  return f!.contents;
}

function walk(node: Node, visit: (n: Node) => void): void {
  visit(node);
  for (const child of node.namedChildren) if (child) walk(child, visit);
}

/** The structure of a generated script, read with tree-sitter rather than regexes. */
function structure(source: string) {
  const tree = syntax.parser('python').parse(source)!;
  assert.ok(!tree.rootNode.hasError, 'generated script parses without errors');
  const classes: string[] = [];
  const constants: Record<string, string> = {};
  const exportCalls: { names: string[][]; file: string; dynamic?: string }[] = [];
  const keywords: string[] = [];
  walk(tree.rootNode, (n) => {
    if (n.type === 'class_definition') classes.push(n.childForFieldName('name')!.text);
    if (n.type === 'expression_statement' && n.parent?.type === 'module') {
      const a = n.namedChild(0);
      if (a?.type === 'assignment' && a.childForFieldName('left')?.type === 'identifier') constants[a.childForFieldName('left')!.text] = a.childForFieldName('right')!.text;
    }
    if (n.type === 'keyword_argument') keywords.push(n.text.replace(/\s+/g, ''));
    if (n.type === 'call' && n.childForFieldName('function')?.text === 'onnx_export') {
      const args = n.childForFieldName('arguments')!.namedChildren.filter((c): c is Node => !!c);
      const lists = args.filter((a) => a.type === 'list').map((l) => l.namedChildren.map((s) => s!.text.slice(1, -1)));
      const dynamic = args.find((a) => a.type === 'keyword_argument' && a.childForFieldName('name')?.text === 'dynamic_axes');
      exportCalls.push({ names: lists, file: args[2].text, dynamic: dynamic?.childForFieldName('value')?.text });
    }
  });
  tree.delete();
  return { classes, constants, exportCalls, keywords };
}

describe('generate --target onnx: per-block export script for TPU-MLIR', () => {
  before(async () => {
    syntax = await nodeSyntax();
  });

  it('writes export_onnx.py with the four pieces, the seed names, static shapes, opset 15 and dynamo=False', async () => {
    const spec = await specOf(path.join(FIXTURES, 'llama3'));
    const { files, problems } = generateOnnx(spec, { outDir: '/out/llama3-onnx', seqLength: 1024 });
    assert.deepStrictEqual(problems.filter((p) => p.severity === 'error'), []);
    assert.deepStrictEqual(files.map((f) => f.path), ['/out/llama3-onnx/export_onnx.py', '/out/llama3-onnx/README.md']);
    const s = structure(script(files));
    for (const piece of ['Embedding', 'LmHead', 'Block', 'BlockCache']) assert.ok(s.classes.includes(piece), piece);
    assert.strictEqual(s.constants.OPSET, '15');
    assert.strictEqual(s.constants.NUM_LAYERS, String(spec.numLayers));
    assert.strictEqual(s.constants.NUM_KV_HEADS, String(spec.numKvHeads));
    assert.strictEqual(s.constants.HEAD_DIM, String(spec.headDim));
    assert.strictEqual(s.constants.DEFAULT_SEQ_LENGTH, '1024');
    assert.strictEqual(s.constants.EMBED_SCALE, 'None');
    assert.ok(s.keywords.includes('dynamo=False'), 'dynamo=False passed where torch has it');
    assert.ok(s.keywords.includes('opset_version=OPSET'));
    assert.ok(s.keywords.includes('do_constant_folding=True'));
    const byFile = Object.fromEntries(s.exportCalls.map((c) => [c.file, c]));
    assert.deepStrictEqual(byFile['path("block_%d.onnx" % i)'].names, [['input_states', 'position_ids', 'attention_mask'], ['hidden_states', 'past_k', 'past_v']]);
    assert.deepStrictEqual(byFile['path("block_cache_%d.onnx" % i)'].names, [['input_states', 'position_ids', 'attention_mask', 'history_k', 'history_v'], ['hidden_states', 'past_k', 'past_v']]);
    assert.deepStrictEqual(byFile['path("embedding.onnx")'].names, [['input_ids'], ['input_embed']]);
    assert.strictEqual(byFile['path("embedding.onnx")'].dynamic, '{"input_ids": {0: "length"}}');
    assert.deepStrictEqual(byFile['path("lm_head.onnx")'].names, [['hidden_states'], ['token']]);
    for (const c of s.exportCalls) if (c.file !== 'path("embedding.onnx")') assert.strictEqual(c.dynamic, undefined, `${c.file} has static shapes`);
    const readme = files[1].contents;
    assert.match(readme, /python export_onnx\.py -m \S+ -s 1024 -o tmp/);
    assert.match(readme, /\.\/compile\.sh --mode int4 --name llama --seq_length 1024/);
    assert.match(readme, new RegExp(`\\[1, 1024, ${spec.numKvHeads}, ${spec.headDim}\\]`));
  });

  it('every model-folder fixture gives a script that py_compiles, or a refusal with the reason', async function () {
    this.timeout(60000);
    const dirs = [
      ...fs.readdirSync(FIXTURES).filter((d) => !d.startsWith('_')).map((d) => path.join(FIXTURES, d)),
      ...fs.readdirSync(ONNX_FIXTURES).filter((d) => fs.existsSync(path.join(ONNX_FIXTURES, d, 'config.json'))).map((d) => path.join(ONNX_FIXTURES, d)),
    ];
    const out = tempDir('onnx-compile');
    const compiled: string[] = [];
    let refused = 0;
    for (const dir of dirs) {
      const r = await readModelFolder(nodeFileReader, dir);
      if (!r.spec || r.problems.some((p) => p.severity === 'error')) continue;
      const { files, problems } = generateOnnx(r.spec, { outDir: path.join(out, path.basename(dir)) });
      if (!files.length) {
        refused++;
        const errors = problems.filter((p) => p.severity === 'error');
        assert.ok(errors.length >= 2, `${dir}: a refusal names its reason`);
        for (const e of errors) assert.doesNotMatch(formatMessage(e.message), /^onnx\./, 'formatted, not a bare code');
        continue;
      }
      fs.mkdirSync(path.dirname(files[0].path), { recursive: true });
      fs.writeFileSync(files[0].path, files[0].contents);
      compiled.push(files[0].path);
      assert.ok(structure(files[0].contents).classes.includes('Unsupported'), 'clear messages for what it cannot do');
    }
    assert.ok(compiled.length >= 4, `compiled ${compiled.length}`);
    assert.ok(refused >= 1, 'the moe fixture is refused');
    execFileSync('python3', ['-m', 'py_compile', ...compiled]);
  });

  it('every catalogue family gets a script that py_compiles or a refusal naming a refused quirk', async function () {
    this.timeout(60000);
    const catalogue = builtinFamilies();
    const out = tempDir('onnx-families');
    const compiled: string[] = [];
    const refusedFamilies: string[] = [];
    for (const id of catalogue.ids()) {
      const facts = catalogue.entry(id)!.facts;
      const dims = { hidden_size: 64, num_attention_heads: 4, num_key_value_heads: 2, num_hidden_layers: 2, intermediate_size: 128, vocab_size: 100 };
      const config: Record<string, unknown> = { model_type: id.split('/')[0], ...dims };
      if (facts.multimodal) config[facts.multimodal.textConfigKey] = { model_type: facts.multimodal.textModelType, ...dims };
      const files = new Map([['/m/config.json', JSON.stringify(config)]]);
      const reader: FileReader = {
        readText: async (p) => files.get(p),
        readBytes: async () => undefined,
        size: async (p) => (files.has(p) ? Buffer.byteLength(files.get(p)!) : undefined),
        list: async (d) => (d === '/m' ? [{ name: 'config.json', isDirectory: false }] : undefined),
      };
      const r = await readModelFolder(reader, '/m');
      if (!r.spec) continue;
      const g = generateOnnx(r.spec, { outDir: path.join(out, id.replace(/\W/g, '_')) });
      if (!g.files.length) {
        refusedFamilies.push(id);
        const refusedQuirks = r.spec.quirks.filter((q) => ONNX_CAPABILITIES[q.id] !== 'implemented');
        assert.ok(refusedQuirks.length || g.problems.some((p) => p.code.startsWith('onnx.') && p.severity === 'error'), `${id}: refused without a reason`);
        continue;
      }
      for (const q of r.spec.quirks) assert.strictEqual(ONNX_CAPABILITIES[q.id], 'implemented', `${id}: ${q.id} generated although refused`);
      fs.mkdirSync(path.dirname(g.files[0].path), { recursive: true });
      fs.writeFileSync(g.files[0].path, g.files[0].contents);
      compiled.push(g.files[0].path);
    }
    assert.ok(compiled.length >= 20, `compiled ${compiled.length}`);
    assert.ok(refusedFamilies.includes('deepseek_v3') && refusedFamilies.includes('chatglm'), refusedFamilies.join(', '));
    execFileSync('python3', ['-m', 'py_compile', ...compiled]);
  });

  it('refuses a mixture-of-experts model: a traced graph would keep only the experts the example input hit', async () => {
    const spec = await specOf(path.join(FIXTURES, 'moe'));
    const { files, problems } = generateOnnx(spec, { outDir: '/out/moe' });
    assert.deepStrictEqual(files, []);
    const moe = problems.find((p) => p.code === 'onnx.refused.moe');
    assert.ok(moe, JSON.stringify(problems));
    assert.match(formatMessage(moe!.message), /experts/);
    assert.match(formatMessage(moe!.message, 'zh-cn'), /专家/);
  });

  it('refuses a bad sequence length and writes nothing', async () => {
    const spec = await specOf(path.join(ONNX_FIXTURES, 'tiny-llama'));
    for (const bad of [0, -1, 1.5, 1e9]) {
      const r = generateOnnx(spec, { outDir: '/o', seqLength: bad });
      assert.deepStrictEqual(r.files, []);
      assert.strictEqual(r.problems[0].code, 'onnx.bad-seq-length');
    }
  });

  it('Qwen-1 switches (use_logn_attn, use_dynamic_ntk): a note, and the script refuses -s past seq_length, only when a switch is on', async () => {
    const dir = tempDir('qwen1-logn');
    const config = { model_type: 'qwen', architectures: ['QWenLMHeadModel'], hidden_size: 64, num_attention_heads: 4, num_hidden_layers: 2, intermediate_size: 256, vocab_size: 100, seq_length: 32, use_dynamic_ntk: false, use_logn_attn: true };
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
    const { files, problems } = generateOnnx(await specOf(dir), { outDir: dir, seqLength: 16 });
    assert.ok(files.length, JSON.stringify(problems));
    const readmeText = files.find((f) => f.name === 'README.md')!.contents;
    assert.match(readmeText, /Log-n query scaling \(use_logn_attn \(seq_length = 32\)\)/);
    fs.writeFileSync(path.join(dir, 'export_onnx.py'), script(files));
    // check_parts needs no torch: run it on the config as transformers would load it.
    const probe = (switches: Record<string, boolean>) => {
      const cfg = { ...config, ...switches, num_key_value_heads: null, head_dim: null, rope_scaling: null };
      const code = [
        'import importlib.util, json, sys, types',
        `spec = importlib.util.spec_from_file_location("exp", ${JSON.stringify(path.join(dir, 'export_onnx.py'))})`,
        'm = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)',
        `parts = m.Parts(types.SimpleNamespace(**json.loads(${JSON.stringify(JSON.stringify(cfg))})), None, [0, 0], None, None)`,
        'for s in (31, 32):',
        '    try:',
        '        m.check_parts(parts, s); print(s, "ok")',
        '    except m.Unsupported as e:',
        '        print(s, "refused:", e)',
      ].join('\n');
      return execFileSync('python3', ['-c', code], { encoding: 'utf8' });
    };
    const logn = probe({});
    assert.match(logn, /^31 ok$/m);
    assert.match(logn, /^32 refused: use_logn_attn change the model once the sequence passes seq_length = 32.*Use -s 31 or less/m);
    assert.match(probe({ use_logn_attn: false, use_dynamic_ntk: true }), /^32 refused: use_dynamic_ntk change/m);
    assert.match(probe({ use_logn_attn: false }), /^32 ok$/m);
  });

  it('puts the Gemma embedding scale into embedding.onnx and keeps the model\'s one KV head', async () => {
    const spec = await specOf(path.join(ONNX_FIXTURES, 'tiny-gemma'));
    const { files } = generateOnnx(spec, { outDir: '/o' });
    const s = structure(script(files));
    assert.strictEqual(s.constants.EMBED_SCALE, 'math.sqrt(HIDDEN_SIZE)');
    assert.strictEqual(s.constants.NUM_KV_HEADS, '1');
    assert.strictEqual(s.constants.HEAD_DIM, '8');
  });

  it('has a capability for every quirk it can meet, refusals with messages in both languages', () => {
    for (const [quirk, c] of Object.entries(ONNX_CAPABILITIES)) {
      if (c === 'implemented') continue;
      const en = formatMessage({ code: c.refused, args: { detail: 'x', target: 'onnx', quirk } });
      assert.notStrictEqual(en, c.refused, `${quirk}: ${c.refused} has an English message`);
      assert.notStrictEqual(formatMessage({ code: c.refused, args: { detail: 'x' } }, 'zh-cn'), en, `${quirk}: zh-cn`);
    }
  });

  describe('running the generated script on a tiny hand-written model (Debian python3-torch + python3-onnx)', () => {
    const SEQ = 8;
    interface HarnessResult {
      exit: number;
      files: Record<string, { opset: number[]; inputs: [string, (number | string)[], number][]; outputs: [string, (number | string)[], number][] }>;
      errors: Record<string, number>;
      lm_head_token: number;
      argmax: number;
    }
    async function run(fixtureDir: string, modeling: string, patch?: (s: string) => string): Promise<HarnessResult> {
      const spec = await specOf(path.join(ONNX_FIXTURES, fixtureDir));
      const dir = tempDir(`onnx-run-${fixtureDir}`);
      const { files } = generateOnnx(spec, { outDir: dir, seqLength: SEQ });
      const text = patch ? patch(script(files)) : script(files);
      fs.writeFileSync(path.join(dir, 'export_onnx.py'), text);
      const r = spawnSync(SYSTEM_PYTHON, [path.join(ONNX_FIXTURES, 'harness.py'), path.join(dir, 'export_onnx.py'), path.join(REWRITE_FIXTURES, modeling), path.join(ONNX_FIXTURES, fixtureDir), path.join(dir, 'onnx'), String(SEQ)], { encoding: 'utf8', timeout: 120000 });
      const line = r.stdout.split('\n').find((l) => l.startsWith('HARNESS-RESULT '));
      assert.ok(line, `harness failed (${r.status}): ${r.stderr.slice(-3000)}`);
      return JSON.parse(line!.slice('HARNESS-RESULT '.length)) as HarnessResult;
    }

    function assertContract(r: HarnessResult, hidden: number, kv: number, headDim: number, layers: number): void {
      assert.strictEqual(r.exit, 0);
      const names = Object.keys(r.files).sort();
      const expected = ['embedding.onnx', 'lm_head.onnx', ...Array.from({ length: layers }, (_, i) => [`block_${i}.onnx`, `block_cache_${i}.onnx`]).flat()].sort();
      assert.deepStrictEqual(names, expected);
      for (const f of Object.values(r.files)) assert.deepStrictEqual(f.opset, [15]);
      const F = 1; // onnx TensorProto.FLOAT
      const I64 = 7;
      assert.deepStrictEqual(r.files['embedding.onnx'].inputs, [['input_ids', ['length'], I64]]);
      assert.deepStrictEqual(r.files['embedding.onnx'].outputs, [['input_embed', ['length', hidden], F]]);
      assert.deepStrictEqual(r.files['lm_head.onnx'].inputs, [['hidden_states', [1, hidden], F]]);
      assert.deepStrictEqual(r.files['lm_head.onnx'].outputs, [['token', [1, 1], I64]]);
      for (let i = 0; i < layers; i++) {
        assert.deepStrictEqual(r.files[`block_${i}.onnx`].inputs, [['input_states', [1, SEQ, hidden], F], ['position_ids', [1, SEQ], I64], ['attention_mask', [1, 1, SEQ, SEQ], F]]);
        assert.deepStrictEqual(r.files[`block_${i}.onnx`].outputs, [['hidden_states', [1, SEQ, hidden], F], ['past_k', [1, SEQ, kv, headDim], F], ['past_v', [1, SEQ, kv, headDim], F]]);
        assert.deepStrictEqual(r.files[`block_cache_${i}.onnx`].inputs, [
          ['input_states', [1, 1, hidden], F],
          ['position_ids', [1, 1], I64],
          ['attention_mask', [1, 1, 1, SEQ + 1], F],
          ['history_k', [1, SEQ, kv, headDim], F],
          ['history_v', [1, SEQ, kv, headDim], F],
        ]);
        assert.deepStrictEqual(r.files[`block_cache_${i}.onnx`].outputs, [['hidden_states', [1, 1, hidden], F], ['past_k', [1, 1, kv, headDim], F], ['past_v', [1, 1, kv, headDim], F]]);
      }
      for (const key of ['embedding', 'embedding_vs_model', 'prefill', 'decode']) assert.ok(r.errors[key] < 1e-4, `${key}: max error ${r.errors[key]}`);
      assert.strictEqual(r.lm_head_token, r.argmax, 'lm_head = argmax of the logits');
    }

    it('4.38-4.47-shaped layers (Cache.update, rotary inside attention, tuple outputs, GQA 4/2)', async function () {
      requireTorch(this);
      this.timeout(120000);
      assertContract(await run('tiny-llama', 'modeling_tiny_v444.py'), 32, 2, 8, 2);
    });

    it('4.48+/5.x-shaped layers (position_embeddings, past_key_values, tensor output, MQA, Gemma scale)', async function () {
      requireTorch(this);
      this.timeout(120000);
      assertContract(await run('tiny-gemma', 'modeling_tiny_v5.py'), 32, 1, 8, 2);
    });

    it('the comparison catches a wrong export (the embedding scale left out)', async function () {
      requireTorch(this);
      this.timeout(120000);
      const r = await run('tiny-gemma', 'modeling_tiny_v5.py', (s) => s.replace('EMBED_SCALE = math.sqrt(HIDDEN_SIZE)', 'EMBED_SCALE = None'));
      assert.ok(r.errors.embedding > 0.1, `embedding error ${r.errors.embedding}`);
    });
  });
});

/**
 * Opt-in: with ATB_MIGRATE_TRANSFORMERS_PYTHON pointing at a Python that has torch, transformers,
 * onnx and onnxruntime (none of them Debian packages, so CI cannot install them), export tiny
 * randomly initialised real transformers models and compare every piece with onnxruntime.
 */
describe('generate --target onnx against a real transformers install (opt-in)', function () {
  this.timeout(600000);
  const PY = process.env.ATB_MIGRATE_TRANSFORMERS_PYTHON;
  const FAMILIES: [string, object][] = [
    ['llama', {}],
    ['qwen2', {}],
    ['qwen3', { head_dim: 16 }],
    ['gemma', { head_dim: 16, num_key_value_heads: 1 }],
    ['gemma2', { head_dim: 16, sliding_window: 64, query_pre_attn_scalar: 16 }],
    ['mistral', { sliding_window: null }],
    ['phi3', { pad_token_id: 0 }],
    ['phi', { partial_rotary_factor: 0.5, num_key_value_heads: 4 }],
  ];
  for (const [modelType, overrides] of FAMILIES) {
    it(`${modelType}: every piece equals the transformers model`, async function () {
      if (!PY) {
        console.log('      skipped: set ATB_MIGRATE_TRANSFORMERS_PYTHON to a Python with torch, transformers, onnx, onnxruntime');
        return this.skip();
      }
      const check = path.join(ONNX_FIXTURES, 'transformers_check.py');
      const modelDir = tempDir(`hf-${modelType}`);
      execFileSync(PY, [check, 'make', modelDir, modelType, JSON.stringify(overrides)], { stdio: 'ignore' });
      const spec = await specOf(modelDir);
      const { files, problems } = generateOnnx(spec, { outDir: modelDir, seqLength: 16 });
      assert.ok(files.length, JSON.stringify(problems));
      fs.writeFileSync(path.join(modelDir, 'export_onnx.py'), files[0].contents);
      execFileSync(PY, [path.join(modelDir, 'export_onnx.py'), '-m', modelDir, '-s', '16', '-o', path.join(modelDir, 'onnx')], { stdio: 'ignore' });
      const out = execFileSync(PY, [check, 'verify', modelDir, path.join(modelDir, 'onnx'), '16'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      const line = out.split('\n').find((l) => l.startsWith('TRANSFORMERS-CHECK '))!;
      const r = JSON.parse(line.slice('TRANSFORMERS-CHECK '.length));
      for (const key of ['embedding', 'prefill', 'decode']) assert.ok(r.errors[key] < 1e-4, `${modelType} (transformers ${r.version}) ${key}: ${r.errors[key]}`);
      assert.strictEqual(r.token, r.argmax);
    });
  }
});

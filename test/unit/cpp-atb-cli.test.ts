/**
 * `-atb` (the static reader on hand-written C++ models in MindIE's layout, and the Python it writes
 * for them) and the CLI's model-folder branch: msit's flag rules, folder rules, all-or-nothing writes.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { main } from '../../src/cli/main';
import type { CliIO } from '../../src/cli/io';
import '../../src/core/messages';
import { generateCallerForAtb, readAtbModel, resolveAtbPair } from '../../src/core/generate/cpp';
import { formatMessage } from '../../src/core/i18n';
import { readModelFolder } from '../../src/core/modelDir';
import { nodeFileReader } from '../../src/node/fileReader';
import { nodeSyntax } from '../../src/node/syntax';
import { readPythonSide } from '../compile/cpp-keys';

const ROOT = path.join(__dirname, '..', '..', '..');
const ATB = path.join(ROOT, 'test', 'fixtures', 'atb-models', 'models');
const MODELS = path.join(ROOT, 'test', 'fixtures', 'model-folders');

async function cli(args: string[], cwd: string): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIO = { out: (t) => (out += t + '\n'), err: (t) => (err += t + '\n'), cwd, locale: 'en' };
  const code = await main(args, io);
  return { code, out, err };
}

function tree(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) (e.isDirectory() ? walk : (p: string) => out.push(path.relative(dir, p)))(path.join(d, e.name));
  };
  walk(dir);
  return out.sort();
}

describe('-atb: reading an existing C++ model', function () {
  this.timeout(30000);

  it('msit folder rules: a folder needs exactly one .cpp and one .h; a file its same-named partner', async () => {
    const two = await resolveAtbPair(nodeFileReader, path.join(ATB, 'twopairs', 'model'));
    assert.ok('error' in two && formatMessage(two.error).includes('found 2 .cpp, 2 .h'));
    const file = await resolveAtbPair(nodeFileReader, path.join(ATB, 'twopairs', 'model', 'a.cpp'));
    assert.ok(!('error' in file) && file.header.endsWith('a.h'));
    const missing = await resolveAtbPair(nodeFileReader, path.join(ATB, 'twopairs', 'model', 'c.h'));
    assert.ok('error' in missing && formatMessage(missing.error).includes('no such file'));
  });

  it('plain DecoderModel: name, base chain keys from the checkout (required vs optional, types), base inputs and weights', async () => {
    const syntax = await nodeSyntax();
    const pair = await resolveAtbPair(nodeFileReader, path.join(ATB, 'plain', 'model'));
    assert.ok(!('error' in pair));
    const facts = await readAtbModel(syntax, nodeFileReader, pair, 'v3.0.0');
    assert.deepStrictEqual(facts.missing, []);
    assert.strictEqual(facts.registeredName, 'plain_fixture_DecoderModel');
    assert.strictEqual(facts.baseKeysFrom, 'checkout');
    const key = (k: string) => facts.keys.find((x) => x.key === k);
    assert.deepStrictEqual(key('normEps'), { key: 'normEps', type: 'number', required: true });
    assert.deepStrictEqual(key('normType'), { key: 'normType', type: 'integer', required: true });
    assert.deepStrictEqual(key('useQKNorm'), { key: 'useQKNorm', type: 'boolean', required: false });
    assert.strictEqual(key('positionEmbeddingType')!.required, false);
    assert.strictEqual(key('pattern_mask')!.required, false, 'a read under a feature-flag if is optional');
    assert.deepStrictEqual(key('linearTransposeType'), { key: 'linearTransposeType', type: 'array', required: true }, 'indexed per layer unchecked');
    assert.strictEqual(facts.inputs!.length, 12);
    assert.strictEqual(facts.weights!.perLayer, 50);
  });

  it('own ParseParam keys and execute keys; a required key with no Python source refuses, naming it', async () => {
    const syntax = await nodeSyntax();
    const pair = await resolveAtbPair(nodeFileReader, path.join(ATB, 'withkeys', 'model', 'model.cpp'));
    assert.ok(!('error' in pair));
    const facts = await readAtbModel(syntax, nodeFileReader, pair, 'v3.0.0');
    assert.strictEqual(facts.registeredName, 'withkeys_WithKeysModel');
    assert.deepStrictEqual(facts.keys.find((k) => k.key === 'splitWithStride'), { key: 'splitWithStride', type: 'boolean', required: true });
    assert.strictEqual(facts.keys.find((k) => k.key === 'mscale')!.required, false);
    assert.deepStrictEqual(facts.executeKeys.find((k) => k.key === 'blockNumsList'), { key: 'blockNumsList', type: 'array', required: true });
    const spec = (await readModelFolder(nodeFileReader, path.join(MODELS, 'qwen2'))).spec!;
    const r = generateCallerForAtb(spec, facts, { outRoot: '/out' });
    assert.deepStrictEqual(r.files, []);
    const texts = r.problems.filter((p) => p.severity === 'error').map((p) => formatMessage(p.message));
    assert.ok(texts.some((t) => t.includes('"splitWithStride"')), texts.join('\n'));
    assert.ok(texts.some((t) => t.includes('"blockNumsList"')), texts.join('\n'));
  });

  it('edited inputs / weight counts and atb_speed::Model models: says which fact is missing', async () => {
    const syntax = await nodeSyntax();
    const edits = await readAtbModel(syntax, nodeFileReader, (await resolveAtbPair(nodeFileReader, path.join(ATB, 'edits', 'model'))) as { cpp: string; header: string }, 'v3.0.0');
    const texts = edits.missing.map((m) => formatMessage(m));
    assert.ok(texts.some((t) => t.includes('the in-tensor list') && t.includes('ConstructInTensorMap')), texts.join('\n'));
    assert.ok(texts.some((t) => t.includes('the weight count')), texts.join('\n'));
    const genb = await readAtbModel(syntax, nodeFileReader, (await resolveAtbPair(nodeFileReader, path.join(ATB, 'genb', 'model'))) as { cpp: string; header: string }, 'v3.0.0');
    assert.strictEqual(genb.generation, 'model');
    assert.ok(formatMessage(genb.missing[0]).includes('atb_speed::Model'));
    assert.ok(formatMessage(genb.missing[0], 'zh-cn').includes('atb_speed::Model'));
  });

  it('ConstructInTensorMap: groups behind flags that default to false stay off; an unproven flag is named', async () => {
    const syntax = await nodeSyntax();
    const pair = (await resolveAtbPair(nodeFileReader, path.join(ATB, 'flagged', 'model'))) as { cpp: string; header: string };
    const facts = await readAtbModel(syntax, nodeFileReader, pair, 'v3.0.0');
    // isLongSeq is declared `= false`; withSlopes has no default: the reader cannot show it is off.
    const texts = facts.missing.map((m) => formatMessage(m));
    assert.strictEqual(texts.length, 1, texts.join('\n'));
    assert.ok(texts[0].includes('withSlopes') && !texts[0].includes('isLongSeq'), texts[0]);
    const fixed = memory(pair, (t) => t.replace('bool withSlopes;', 'bool withSlopes = false;'));
    const facts2 = await readAtbModel(syntax, fixed, pair, 'v3.0.0');
    assert.deepStrictEqual(facts2.missing.map((m) => formatMessage(m)), []);
    assert.strictEqual(facts2.inputs!.length, 12);
    assert.strictEqual(facts2.keys.find((k) => k.key === 'isLongSeq')!.required, false);
  });

  it('Python for the plain model sends exactly the keys it reads, its name, its inputs and weight count', async () => {
    const syntax = await nodeSyntax();
    const facts = await readAtbModel(syntax, nodeFileReader, (await resolveAtbPair(nodeFileReader, path.join(ATB, 'plain', 'model'))) as { cpp: string; header: string }, 'v3.0.0');
    const spec = (await readModelFolder(nodeFileReader, path.join(MODELS, 'qwen2'))).spec!;
    const r = generateCallerForAtb(spec, facts, { outRoot: '/out' });
    assert.ok(r.files.length === 5 && r.files.every((f) => f.rel.startsWith('atb_llm/models/qwen2/')), r.problems.map((p) => formatMessage(p.message)).join('\n'));
    const py = readPythonSide(syntax, r.files.find((f) => f.rel.endsWith('flash_causal_qwen2.py'))!.contents);
    assert.strictEqual(py.modelName, 'plain_fixture_DecoderModel');
    const reads = new Map(facts.keys.map((k) => [k.key, k]));
    for (const [key, type] of py.keys) assert.strictEqual(reads.get(key)?.type, type, `"${key}" is not read as ${type}`);
    for (const k of facts.keys.filter((x) => x.required)) assert.ok(py.keys.has(k.key), `required ${k.key}`);
    // The hand-written base reads no isBF16-free subset: keys it does not read (e.g. enableSwiGLU) are not sent.
    assert.ok(!py.keys.has('enableSwiGLU'));
    assert.deepStrictEqual(py.inputNames, facts.inputs);
    assert.strictEqual(py.inputCount, facts.inputs!.length);
  });

  it('a KV-grouped wqkv with -atb writes nothing: the given layer may split it itself', async () => {
    const syntax = await nodeSyntax();
    const facts = await readAtbModel(syntax, nodeFileReader, (await resolveAtbPair(nodeFileReader, path.join(ATB, 'plain', 'model'))) as { cpp: string; header: string }, 'v3.0.0');
    const spec = (await readModelFolder(nodeFileReader, path.join(MODELS, 'internlm2'))).spec!;
    const r = generateCallerForAtb(spec, facts, { outRoot: '/out' });
    assert.strictEqual(r.files.length, 0);
    const text = r.problems.map((p) => formatMessage(p.message)).join('\n');
    assert.ok(text.includes('splitWithStride') && text.includes('wqkv'), text);
  });
});

/** The node reader, with one file's text changed (to vary a fixture without another copy). */
function memory(pair: { header: string }, change: (text: string) => string) {
  return {
    ...nodeFileReader,
    readText: async (p: string) => {
      const text = await nodeFileReader.readText(p);
      return p === pair.header && text !== undefined ? change(text) : text;
    },
  };
}

describe('atb-migrate transform -s <model dir> and generate --target cpp (CLI)', function () {
  this.timeout(60000);
  let tmp: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'atb-cpp-cli-'));
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('a model folder selects the C++ target: writes the model and the Python in MindIE layout, prints next steps', async () => {
    const r = await cli(['transform', '-s', path.join(MODELS, 'qwen2'), '--out', tmp], tmp);
    assert.strictEqual(r.code, 0, r.err);
    assert.deepStrictEqual(tree(tmp), [
      'atb_framework/models/atbm_qwen2/model/decoder_model.cpp',
      'atb_framework/models/atbm_qwen2/model/decoder_model.h',
      'atb_llm/models/qwen2/__init__.py',
      'atb_llm/models/qwen2/config_qwen2.py',
      'atb_llm/models/qwen2/flash_causal_qwen2.py',
      'atb_llm/models/qwen2/modeling_qwen2.py',
      'atb_llm/models/qwen2/router_qwen2.py',
    ]);
    assert.ok(r.out.includes('bash scripts/build.sh') && r.out.includes('examples.run_pa --model_path'), r.out);
  });

  it('generate --target cpp --mindie-version v3.0.0.beta.1 writes the same tree; --dry-run writes nothing', async () => {
    const dry = await cli(['generate', path.join(MODELS, 'qwen2'), '--target', 'cpp', '--out', tmp, '--dry-run'], tmp);
    assert.strictEqual(dry.code, 0, dry.err);
    assert.deepStrictEqual(tree(tmp), []);
    const r = await cli(['generate', path.join(MODELS, 'qwen2'), '--target', 'cpp', '--mindie-version', 'v3.0.0.beta.1', '--out', tmp], tmp);
    assert.strictEqual(r.code, 0, r.err);
    assert.ok(fs.readFileSync(path.join(tmp, 'atb_framework/models/atbm_qwen2/model/decoder_model.h'), 'utf8').includes('MindIE-LLM v3.0.0.beta.1'));
    const again = await cli(['generate', path.join(MODELS, 'qwen2'), '--target', 'cpp', '--out', tmp], tmp);
    assert.strictEqual(again.code, 1, 'existing files need --force');
  });

  it('a refused model writes nothing and names each reason', async () => {
    const r = await cli(['transform', '-s', path.join(MODELS, 'moe'), '--out', tmp], tmp);
    assert.strictEqual(r.code, 1);
    assert.ok(r.err.includes('MoE layers') && r.err.includes('cpp.refused.moe'), r.err);
    assert.deepStrictEqual(tree(tmp), []);
  });

  it("msit's flag rules: rejected combinations exit 2 with the rule and write nothing", async () => {
    const src = path.join(MODELS, 'qwen2');
    for (const [args, rule] of [
      [['-quant'], '-quant/--to-quant must be used with -py'],
      [['-py', '--quant-disable-names', 'lm_head'], '--quant-disable-names must be used with -py/--to-python and -quant'],
      [['-py', '-atb', ATB], 'cannot be combined with -py'],
      [['-a', '-py'], '-a/--analyze writes the operator report only'],
      [['--enable-sparse'], '--enable-sparse applies to a layer'],
    ] as const) {
      const r = await cli(['transform', '-s', src, '--out', tmp, ...args], tmp);
      assert.strictEqual(r.code, 2, `${args.join(' ')}: ${r.err}`);
      assert.ok(r.err.includes(rule), `${args.join(' ')}: ${r.err}`);
    }
    assert.deepStrictEqual(tree(tmp), []);
  });

  it('-py maps to the torch-like target; -py -quant keeps the fallback names', async () => {
    const r = await cli(['transform', '-s', path.join(MODELS, 'qwen2'), '-py', '--out', tmp], tmp);
    assert.strictEqual(r.code, 0, r.err);
    assert.ok(tree(tmp).includes('qwen2/flash_causal_qwen2_v3.py'), tree(tmp).join('\n'));
  });

  it('-atb writes only the Python for the given C++ model; a bad -atb path is a usage error', async () => {
    const r = await cli(['transform', '-s', path.join(MODELS, 'qwen2'), '-atb', path.join(ATB, 'plain', 'model', 'decoder_model.h'), '--out', tmp], tmp);
    assert.strictEqual(r.code, 0, r.err);
    assert.ok(tree(tmp).every((f) => f.startsWith('atb_llm/models/qwen2/')) && tree(tmp).length === 5, tree(tmp).join('\n'));
    assert.ok(fs.readFileSync(path.join(tmp, 'atb_llm/models/qwen2/flash_causal_qwen2.py'), 'utf8').includes('"plain_fixture_DecoderModel"'));
    const bad = await cli(['transform', '-s', path.join(MODELS, 'qwen2'), '-atb', path.join(ATB, 'twopairs', 'model'), '--out', path.join(tmp, 'x')], tmp);
    assert.strictEqual(bad.code, 2);
    assert.ok(bad.err.includes('exactly one .cpp and one .h'), bad.err);
    assert.deepStrictEqual(tree(path.join(tmp, 'x')), []);
  });

  it('a layer folder still gets the quantize rewrite; model-only flags on it are rejected', async () => {
    const layer = path.join(ROOT, 'test', 'fixtures', 'workspace', 'atb_models', 'models', 'tinyllama', 'layer');
    const r = await cli(['transform', '-s', layer, '--dry-run'], tmp);
    assert.strictEqual(r.code, 0, r.err);
    assert.ok(r.out.includes('converted'), r.out);
    const py = await cli(['transform', '-s', layer, '-py'], tmp);
    assert.strictEqual(py.code, 2);
    assert.ok(py.err.includes('apply to a model folder'), py.err);
  });
});

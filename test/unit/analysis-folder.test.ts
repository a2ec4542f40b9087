import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { analyzeModelFolder, modelFacts, parseConfigJson, summarize, toMsitJson, toOperatorsCsv, type FolderAnalysis, type ModuleNode } from '../../src/core/analysis';
import { loadCatalog, type Catalog } from '../../src/core/catalog';
import { formatMessage } from '../../src/core/i18n';
import type { Syntax } from '../../src/core/syntax';
import { readBuiltinCatalog } from '../../src/node/catalogFile';
import { nodeFileReader } from '../../src/node/fileReader';
import { nodeSyntax } from '../../src/node/syntax';
import '../../src/core/messages';

const MODELS = '/work/shared/data/models';
const FIXTURES = path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'models-src');

let syntax: Syntax;
let catalog: Catalog;
let tmp: string;

before(async () => {
  syntax = await nodeSyntax();
  catalog = loadCatalog(readBuiltinCatalog().text).catalog;
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'atb-analysis-'));
});

after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function find(node: ModuleNode, name: string): ModuleNode | undefined {
  if (node.name === name) return node;
  for (const c of node.children) {
    const hit = find(c, name);
    if (hit) return hit;
  }
  return undefined;
}

function folder(name: string, files: Record<string, string>): string {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir, { recursive: true });
  for (const [file, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, file), text);
  return dir;
}

describe('analysis: model folder with source and config.json', () => {
  it('analyses qwen2 with its (hand-written, trailing-comma) config: repeat counts and activation resolved', async () => {
    const result = await analyzeModelFolder(syntax, catalog, nodeFileReader, path.join(FIXTURES, 'qwen2'));
    assert.deepStrictEqual(result.problems, []);
    assert.strictEqual(result.configOnly, false);
    assert.strictEqual(result.modelClass, 'Qwen2ForCausalLM');
    assert.strictEqual(find(result.result.root!, 'layers')!.repeat, 24);
    assert.strictEqual(find(result.result.root!, 'act_fn')!.uses[0].name, 'ACT2FN[silu]');
    assert.strictEqual(result.facts.attention, 'GQA');
    assert.ok(result.notes.some((n) => n.code === 'analysis.note.sourceFound'));
  });

  it('roots the tree at the class config.json names, even when another class ranks first', async () => {
    const src = fs.readFileSync(path.join(FIXTURES, 'llama', 'modeling_llama.py'), 'utf8');
    const dir = folder('rooted', { 'modeling_llama.py': src, 'config.json': JSON.stringify({ architectures: ['LlamaModel'], num_hidden_layers: 4 }) });
    const result = await analyzeModelFolder(syntax, catalog, nodeFileReader, dir);
    assert.strictEqual(result.modelClass, 'LlamaModel');
    assert.strictEqual(result.result.root!.className, 'LlamaModel');
    assert.strictEqual(JSON.parse(toMsitJson(result).contents).name, 'LlamaModel');
  });
});

describe('analysis: config-only folders (real metadata from /work/shared/data/models)', () => {
  const available = fs.existsSync(MODELS) ? fs.readdirSync(MODELS).filter((d) => fs.existsSync(path.join(MODELS, d, 'config.json'))) : [];
  const results = new Map<string, FolderAnalysis>();
  before(async function () {
    if (!available.length) this.skip();
    for (const d of available) results.set(d, await analyzeModelFolder(syntax, catalog, nodeFileReader, path.join(MODELS, d)));
  });

  it('analyses every config without error and says the source was not available', () => {
    for (const [name, r] of results) {
      assert.deepStrictEqual(r.problems, [], name);
      assert.strictEqual(r.configOnly, true, name);
      assert.ok(r.result.root, name);
      const note = r.notes.find((n) => n.code === 'analysis.note.configOnly');
      assert.ok(note, name);
      assert.match(formatMessage(note, 'zh-cn'), /没有源码/);
      // The reports are produced too.
      assert.ok(JSON.parse(toMsitJson(r).contents).children.length > 0, name);
      assert.ok(toOperatorsCsv(r).contents.split('\n').length > 10, name);
    }
  });

  function facts(name: string) {
    const r = results.get(name);
    if (!r) return undefined;
    return r;
  }

  it('Mixtral-8x7B is MoE with 8 experts (top-2), GQA, 32 folded layers', function () {
    const r = facts('Mixtral-8x7B-v0.1');
    if (!r) return this.skip();
    assert.deepStrictEqual(r.facts.moe, { experts: 8, topK: 2 });
    assert.strictEqual(r.facts.attention, 'GQA');
    assert.strictEqual(find(r.result.root!, 'layers')!.repeat, 32);
    assert.strictEqual(find(r.result.root!, 'experts')!.repeat, 8);
    assert.strictEqual(r.facts.weightTensors, 995);
    const json = JSON.parse(toMsitJson(r).contents);
    const layers = json.children[0].children.find((c: { kind: string }) => c.kind === 'Layers');
    assert.strictEqual(layers.repeat_count, 32);
  });

  it('Llama-3 is GQA (32 heads, 8 KV heads) and Llama-2 is MHA', function () {
    const l3 = facts('Meta-Llama-3-8B-Instruct');
    const l2 = facts('Llama-2-7b-chat-hf');
    if (!l3 || !l2) return this.skip();
    assert.strictEqual(l3.facts.attention, 'GQA');
    assert.strictEqual(l3.facts.numKvHeads, 8);
    assert.strictEqual(l3.facts.ropeTheta, 500000);
    assert.strictEqual(l2.facts.attention, 'MHA');
    assert.ok(find(l3.result.root!, 'repeat_kv'), 'GQA shows the fused repeat_kv');
    assert.strictEqual(find(l2.result.root!, 'repeat_kv'), undefined);
  });

  it('knows the family quirks: ChatGLM num_layers and query groups, Gemma MQA, DeepSeek-V3 MLA + MoE, Phi-2 LayerNorm, Llama-3.1 rope scaling', function () {
    const glm = facts('chatglm3-6b');
    if (glm) {
      assert.strictEqual(glm.facts.numLayers, 28);
      assert.strictEqual(glm.facts.numKvHeads, 2);
      assert.strictEqual(glm.facts.norm, 'RMSNorm');
    }
    const gemma = facts('gemma-2b-it');
    if (gemma) assert.strictEqual(gemma.facts.attention, 'MQA');
    const ds = facts('DeepSeek-V3');
    if (ds) {
      assert.strictEqual(ds.facts.attention, 'MLA');
      assert.deepStrictEqual(ds.facts.moe, { experts: 256, topK: 8, sharedExperts: 1 });
      assert.strictEqual(ds.facts.ropeScaling, 'yarn');
      assert.strictEqual(find(ds.result.root!, 'attention')!.uses[0].atbOp, 'MultiLatentAttention');
    }
    const phi = facts('phi-2');
    if (phi) {
      assert.strictEqual(phi.facts.norm, 'LayerNorm');
      assert.strictEqual(find(phi.result.root!, 'input_layernorm')!.uses[0].atbOp, 'LayerNorm');
    }
    const l31 = facts('Meta-Llama-3.1-8B-Instruct');
    if (l31) assert.strictEqual(l31.facts.ropeScaling, 'llama3');
    if (!glm && !gemma && !ds && !phi && !l31) this.skip();
  });

  it('a folder without config.json says so and produces no tree', async function () {
    const dir = path.join(MODELS, 'Baichuan2-13B-Chat');
    if (!fs.existsSync(dir)) return this.skip();
    const r = await analyzeModelFolder(syntax, catalog, nodeFileReader, dir);
    assert.strictEqual(r.result.root, undefined);
    assert.deepStrictEqual(r.problems.map((p) => p.code), ['atb.config.missing']);
  });
});

describe('analysis: config.json parsing', () => {
  it('tolerates a BOM, trailing commas and NaN', () => {
    const { config, problem } = parseConfigJson('\uFEFF{"num_hidden_layers": 2, "x": NaN,}\n');
    assert.strictEqual(problem, undefined);
    assert.deepStrictEqual(config, { num_hidden_layers: 2, x: null });
  });

  it('reports broken JSON with its line, and non-objects clearly', () => {
    const broken = parseConfigJson('{\n  "a": 1,\n  "b": ]\n}\n');
    assert.strictEqual(broken.config, undefined);
    assert.strictEqual(broken.problem!.code, 'atb.config.invalid-json');
    assert.strictEqual(broken.problem!.range.start.line, 2);
    assert.match(formatMessage(broken.problem!.message, 'zh-cn'), /config\.json 不是合法的 JSON/);
    assert.strictEqual(parseConfigJson('[1, 2]').problem!.code, 'atb.config.not-object');
  });

  it('a folder with a broken config.json gives a problem, not a crash', async () => {
    const dir = folder('broken', { 'config.json': '{"architectures": ["LlamaForCausalLM"], "num_hidden_layers": 32', 'model.safetensors.index.json': '{not json' });
    const r = await analyzeModelFolder(syntax, catalog, nodeFileReader, dir);
    assert.deepStrictEqual(r.problems.map((p) => p.code), ['atb.config.invalid-json', 'atb.config.bad-index']);
    assert.strictEqual(r.result.root, undefined);
    assert.deepStrictEqual(summarize(r).counts, { native: 0, fused: 0, view: 0, host: 0, unsupported: 0 });
  });

  it('reads the number of layers from the weight index when the config lacks it', () => {
    const f = modelFacts({ model_type: 'llama', num_attention_heads: 8, num_key_value_heads: 8 }, ['model.layers.0.mlp.up_proj.weight', 'model.layers.1.mlp.up_proj.weight', 'lm_head.weight']);
    assert.strictEqual(f.numLayers, 2);
    assert.strictEqual(f.attention, 'MHA');
    assert.strictEqual(f.weightTensors, 3);
  });
});

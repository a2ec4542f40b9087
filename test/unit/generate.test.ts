import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { generateV3, routerAllowListEdit, useSyntax, validateModelType, type GeneratedV3File } from '../../src/core/generate';
import { formatMessage } from '../../src/core/i18n';
import '../../src/core/messages';
import { readModelFolder, type ModelSpec } from '../../src/core/modelDir';
import { nodeFileReader } from '../../src/node/fileReader';
import { nodeSyntax } from '../../src/node/syntax';
import type { Syntax } from '../../src/core/syntax';
import { FIXTURES, tempDir } from './modelDirHelpers';

const SNAPSHOTS = path.join(FIXTURES, '_snapshots');
const OUT = '/out/atb_llm/models';
let syntax: Syntax;
const hasPython = (() => {
  try {
    execFileSync('python3', ['--version']);
    return true;
  } catch {
    return false;
  }
})();

async function specOf(fixture: string): Promise<ModelSpec> {
  const r = await readModelFolder(nodeFileReader, path.join(FIXTURES, fixture));
  assert.ok(r.spec, `${fixture}: ${JSON.stringify(r.problems)}`);
  return r.spec!;
}

/** Compares with test/fixtures/model-folders/_snapshots/<name>/ (UPDATE_SNAPSHOTS=1 rewrites them). */
function matchSnapshot(name: string, files: GeneratedV3File[]): void {
  const dir = path.join(SNAPSHOTS, name);
  if (process.env.UPDATE_SNAPSHOTS) {
    fs.mkdirSync(dir, { recursive: true });
    for (const f of files) fs.writeFileSync(path.join(dir, f.name), f.contents);
  }
  for (const f of files) {
    const expected = fs.readFileSync(path.join(dir, f.name), 'utf8');
    assert.strictEqual(f.contents, expected, `${name}/${f.name} differs from its snapshot`);
  }
}

/** Every file parses with tree-sitter without errors and passes python3 -m py_compile. */
function assertValidPython(files: GeneratedV3File[]): void {
  const parser = syntax.parser('python');
  for (const f of files) {
    const tree = parser.parse(f.contents)!;
    assert.ok(!tree.rootNode.hasError, `${f.name} has tree-sitter syntax errors`);
    tree.delete();
  }
  parser.delete();
  if (!hasPython) return;
  const dir = tempDir('compile');
  const paths = files.map((f) => path.join(dir, f.name));
  files.forEach((f, i) => fs.writeFileSync(paths[i], f.contents));
  // One interpreter for all files (py_compile exits non-zero on the first error, naming it).
  execFileSync('python3', ['-m', 'py_compile', ...paths]);
}

/** Class names with their bases, from the syntax tree. */
function classes(text: string): string[] {
  const parser = syntax.parser('python');
  const tree = parser.parse(text)!;
  const out: string[] = [];
  for (const node of tree.rootNode.descendantsOfType('class_definition')) {
    if (!node) continue;
    out.push(`${node.childForFieldName('name')!.text}(${node.childForFieldName('superclasses')?.text.slice(1, -1) ?? ''})`);
  }
  tree.delete();
  parser.delete();
  return out;
}

const byName = (files: GeneratedV3File[], prefix: string) => files.find((f) => f.name.startsWith(prefix))!.contents;

describe('generate: torch-like v3 files', function () {
  this.timeout(20000);
  before(async () => {
    syntax = await nodeSyntax();
    useSyntax(syntax);
  });

  it('qwen2: the same classes, building blocks and prefixes as MindIE\'s qwen2 v3 package', async () => {
    const { files, problems } = generateV3(await specOf('qwen2'), { outDir: OUT });
    assert.deepStrictEqual(files.map((f) => f.path), [
      `${OUT}/qwen2/flash_causal_qwen2_v3.py`,
      `${OUT}/qwen2/modeling_qwen2_python.py`,
      `${OUT}/qwen2/config_qwen2.py`,
      `${OUT}/qwen2/router_qwen2.py`,
      `${OUT}/qwen2/__init__.py`,
    ]);
    const modeling = byName(files, 'modeling_');
    assert.deepStrictEqual(classes(modeling), ['Qwen2Attention(Attention)', 'Qwen2Mlp(Mlp)', 'Qwen2Layer(BaseLayer)', 'Qwen2Model(BaseModel)']);
    assert.deepStrictEqual(classes(byName(files, 'flash_causal_')), ['Qwen2ModelStatus(ModelStatus)', 'FlashQwen2ForCausalLMV3(FlashCausalLMV3)']);
    assert.deepStrictEqual(classes(byName(files, 'config_')), ['Qwen2Config(BaseConfig)']);
    assert.deepStrictEqual(classes(byName(files, 'router_')), ['Qwen2Router(BaseRouter)']);
    assert.match(byName(files, 'flash_causal_'), /@torch_to_mindie_graph\(SingleLoraDecorator, MultiLoraDecorator\)\nclass FlashQwen2ForCausalLMV3/);
    assert.match(modeling, /qkv_linear_names = \[f"\{self\.prefix\}\.q_proj", f"\{self\.prefix\}\.k_proj", f"\{self\.prefix\}\.v_proj"\]/);
    assert.match(modeling, /gate_up_linear_names = \[f"\{self\.prefix\}\.gate_proj", f"\{self\.prefix\}\.up_proj"\]/);
    assert.match(modeling, /self\.embed_tokens = ParallelEmbedding\([\s\S]*?f"\{self\.prefix\}\.embed_tokens"/);
    assert.match(modeling, /self\.norm = RmsNorm\(config, file_loader, f"\{self\.prefix\}\.norm"/);
    assert.match(modeling, /QWEN2_EMBEDDING_PARALLEL_THRESHOLD = 152064/);
    assert.match(byName(files, 'flash_causal_'), /ColumnParallelLinear\(mindie_llm_config\.hf_config, weight_loader, \["lm_head"\]/);
    assert.match(byName(files, 'config_'), /attention_bias: bool = True/);
    assert.doesNotMatch(modeling, /NotImplementedError|TODO/);
    assert.ok(!problems.some((p) => p.severity !== 'info'), JSON.stringify(problems));
    assert.ok(!problems.some((p) => p.code === 'generate.allow-list'), 'qwen2 is already on the python-graph list');
    assertValidPython(files);
    matchSnapshot('qwen2', files);
  });

  it('llama-3: GQA, no bias, rope theta, llama prefixes', async () => {
    const spec = await specOf('llama3');
    const { files } = generateV3(spec, { outDir: OUT });
    const config = byName(files, 'config_');
    assert.match(config, /num_key_value_heads: int = 8/);
    assert.match(config, /rope_theta: float = 500000\.0/);
    assert.match(config, /rms_norm_eps: float = 0\.00001/);
    assert.match(config, /attention_bias: bool = False/);
    assert.match(config, /model_type = "llama"/);
    assert.deepStrictEqual(classes(byName(files, 'modeling_')), ['LlamaAttention(Attention)', 'LlamaMlp(Mlp)', 'LlamaLayer(BaseLayer)', 'LlamaModel(BaseModel)']);
    assert.match(byName(files, 'flash_causal_'), /from atb_llm\.models\.llama\.modeling_llama_python import LlamaModel/);
    assert.match(byName(files, '__init__'), /^# Generated by atb-migrate .* for model type "llama"\.\n# Source: llama3\/config\.json \(model_type "llama", LlamaForCausalLM\)/);
    assertValidPython(files);
    matchSnapshot('llama3', files);
  });

  it('qwen3: q/k norm on, head_dim kept, deterministic output', async () => {
    const spec = await specOf('qwen3');
    const a = generateV3(spec, { outDir: OUT });
    const b = generateV3(spec, { outDir: OUT });
    assert.deepStrictEqual(a.files, b.files);
    assert.match(byName(a.files, 'config_'), /use_qk_norm: bool = True/);
    assert.match(byName(a.files, 'config_'), /head_dim: int = 128/);
    assert.match(byName(a.files, 'modeling_'), /self\.q_norm = RmsNorm\(config, file_loader, f"\{self\.prefix\}\.q_norm"/);
    assertValidPython(a.files);
    matchSnapshot('qwen3', a.files);
  });

  it('tied embeddings without lm_head: the head loads the embedding prefix', async () => {
    const dir = tempDir('gqa-tied');
    fs.copyFileSync(path.join(FIXTURES, 'gqa-tied', 'config.json'), path.join(dir, 'config.json'));
    // No weights here: tie_word_embeddings alone does not drop the head; with an index lacking it, it does.
    const names = ['model.embed_tokens.weight', 'model.norm.weight'];
    for (let i = 0; i < 2; i++) for (const n of ['input_layernorm', 'post_attention_layernorm', 'self_attn.q_proj', 'self_attn.k_proj', 'self_attn.v_proj', 'self_attn.o_proj', 'mlp.gate_proj', 'mlp.up_proj', 'mlp.down_proj']) names.push(`model.layers.${i}.${n}.weight`);
    fs.writeFileSync(path.join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: {}, weight_map: Object.fromEntries(names.map((n) => [n, 'model.safetensors'])) }));
    const r = await readModelFolder(nodeFileReader, dir);
    const { files } = generateV3(r.spec!, { outDir: OUT });
    const flash = byName(files, 'flash_causal_');
    assert.match(flash, /# tie_word_embeddings: the weights have no lm_head, so the head reuses the embedding \(model\.embed_tokens\)\./);
    assert.match(flash, /ColumnParallelLinear\(mindie_llm_config\.hf_config, weight_loader, \["model\.embed_tokens"\]/);
    assertValidPython(files);
  });

  it('MoE: dense parts generated, the expert block raises NotImplementedError with the reason', async () => {
    const { files, problems } = generateV3(await specOf('moe'), { outDir: OUT });
    const modeling = byName(files, 'modeling_');
    assert.match(modeling, /# TODO\(atb-migrate\): moe: 4 experts, top-2 \(from config\.json: num_local_experts\)/);
    assert.match(modeling, /raise NotImplementedError\("atb-migrate: moe \(4 experts, top-2\) is not generated: Mixture of experts/);
    assert.match(modeling, /self\.mlp = MixtralMlp\(config, file_loader, f"\{self\.prefix\}\.block_sparse_moe"/);
    assert.match(modeling, /qkv_linear_names = \[f"\{self\.prefix\}\.q_proj"/);
    const todo = problems.find((p) => p.code === 'support.v3.moe')!;
    assert.strictEqual(todo.severity, 'warning');
    assert.match(formatMessage(todo.message), /Mixture of experts \(4 experts, top-2\)/);
    assert.match(formatMessage(todo.hint!), /modeling_mixtral_python\.py has `TODO\(atb-migrate\): moe`/);
    assert.ok(problems.some((p) => p.code === 'generate.allow-list'));
    assertValidPython(files);
    matchSnapshot('moe', files);
  });

  it('internlm2: mapped names, with the wqkv de-interleave TODO', async () => {
    const { files, problems } = generateV3(await specOf('internlm2'), { outDir: OUT });
    const modeling = byName(files, 'modeling_');
    assert.match(modeling, /qkv_linear_names = \[f"\{self\.prefix\}\.wqkv"\]/);
    assert.match(modeling, /o_linear_names = \[f"\{self\.prefix\}\.wo"\]/);
    assert.match(modeling, /gate_up_linear_names = \[f"\{self\.prefix\}\.w1", f"\{self\.prefix\}\.w3"\]/);
    assert.match(modeling, /down_linear_names = \[f"\{self\.prefix\}\.w2"\]/);
    assert.match(modeling, /f"\{self\.prefix\}\.attention", \*\*kwargs/);
    assert.match(modeling, /f"\{self\.prefix\}\.feed_forward"/);
    assert.match(modeling, /f"\{self\.prefix\}\.attention_norm"/);
    assert.match(modeling, /f"\{self\.prefix\}\.tok_embeddings"/);
    assert.match(modeling, /TODO\(atb-migrate\): grouped-qkv: wqkv/);
    assert.match(modeling, /raise NotImplementedError\("atb-migrate: grouped-qkv \(wqkv\) is not generated: `wqkv` interleaves q\/k\/v rows per KV group/);
    assert.match(byName(files, 'flash_causal_'), /weight_loader, \["output"\]/);
    assert.match(byName(files, 'flash_causal_'), /class FlashInternlm2ForCausalLMV3/);
    assert.ok(problems.some((p) => p.code === 'support.v3.grouped-qkv'));
    assertValidPython(files);
  });

  it('refuses bad model type names (path tricks, keywords, capitals) and generates nothing', async () => {
    const spec = await specOf('llama3');
    for (const bad of ['../evil', 'a/b', 'class', 'Llama', '1abc', '', 'x'.repeat(65), 'a b']) {
      const { files, problems } = generateV3(spec, { outDir: OUT, modelType: bad });
      assert.deepStrictEqual(files, [], bad);
      assert.ok(problems.some((p) => p.severity === 'error'), bad);
    }
    assert.strictEqual(validateModelType('my_llama2'), undefined);
    assert.match(formatMessage(validateModelType('My-Model')!.hint!), /my_model/);
  });

  it('options: model type, embedding threshold, lm_head, fallback layers re-checked', async () => {
    const spec = await specOf('quantized');
    const { files, problems } = generateV3(spec, { outDir: OUT, modelType: 'my_llama', embeddingParallelThreshold: 64000, fallbackLayers: ['lm_head', 'down_proj'] });
    assert.strictEqual(files[0].path, `${OUT}/my_llama/flash_causal_my_llama_v3.py`);
    assert.match(byName(files, 'modeling_'), /MY_LLAMA_EMBEDDING_PARALLEL_THRESHOLD = 64000/);
    assert.match(byName(files, 'flash_causal_'), /class FlashMy_llamaForCausalLMV3/);
    const differs = problems.find((x) => x.code === 'generate.model-type-differs')!;
    assert.match(formatMessage(differs.message), /set model_type to "my_llama"/);
    // layer 0's down_proj is W8A8 but now a fallback layer.
    const p = problems.find((x) => x.code === 'modelDir.quant.fallback-not-float')!;
    assert.match(formatMessage(p.message), /model\.layers\.0\.mlp\.down_proj is a fallback/);
  });

  describe('routerAllowListEdit (tree-sitter)', () => {
    const router = fs.readFileSync(path.join(FIXTURES, '_mindie', 'atb_llm', 'models', 'base', 'router.py'), 'utf8');
    it('adds the model type to the python-graph list only', () => {
      const result = routerAllowListEdit(router, 'internlm2');
      assert.ok('newText' in result);
      const text = (result as { newText: string }).newText;
      assert.match(text, /model_type not in \[LLAMA, QWEN2, QWEN3, "internlm2"\]:/);
      assert.match(text, /model_type not in \[QWEN2, QWEN3, DEEPSEEKV2\]:/);
      assert.match(text, /# The list below is not the python-graph allow list: \[LLAMA, QWEN2, QWEN3\]\n/);
      assert.strictEqual(text.length, router.length + ', "internlm2"'.length);
      assert.strictEqual((result as { problems?: unknown[] }).problems, undefined);
    });
    it('is idempotent and explains why nothing changes', () => {
      const once = (routerAllowListEdit(router, 'internlm2') as { newText: string }).newText;
      const twice = routerAllowListEdit(once, 'internlm2');
      assert.strictEqual('problem' in twice && twice.problem.code, 'generate.router.already');
      const builtin = routerAllowListEdit(router, 'qwen2');
      assert.strictEqual('problem' in builtin && builtin.problem.code, 'generate.router.already');
    });
    it('warns when the router forces the cpp graph (master v3.0.0)', () => {
      const master = fs.readFileSync(path.join(FIXTURES, '_mindie-master', 'atb_llm', 'models', 'base', 'router.py'), 'utf8');
      const result = routerAllowListEdit(master, 'internlm2') as { newText: string; problems?: { code: string }[] };
      assert.ok(result.newText.includes('[LLAMA, QWEN2, QWEN3, "internlm2"]'));
      assert.deepStrictEqual(result.problems?.map((p) => p.code), ['generate.router.forces-cpp']);
    });
    it('refuses broken Python and routers without the method', () => {
      const broken = routerAllowListEdit(router.replace('def _check_llm_config_model_type(self, model_type):', 'def _check_llm_config_model_type(self, model_type:'), 'x');
      assert.strictEqual('problem' in broken && broken.problem.code, 'generate.router.not-python');
      const none = routerAllowListEdit('class BaseRouter:\n    pass\n', 'x');
      assert.strictEqual('problem' in none && none.problem.code, 'generate.router.no-function');
    });
  });
});

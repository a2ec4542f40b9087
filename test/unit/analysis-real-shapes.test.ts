/**
 * Idioms met when the analysis was run on the real modeling files of the eleven target families
 * (DeepSeek-V2 MLA and routed MoE, Gemma's offset norm, InternLM2's packed wqkv): each fixture is a
 * short hand-written file in the same shape.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { analyzeSource, modelFacts, type AnalysisResult, type ModuleNode } from '../../src/core/analysis';
import { loadCatalog, type Catalog } from '../../src/core/catalog';
import { formatMessage } from '../../src/core/i18n';
import type { Syntax } from '../../src/core/syntax';
import { readBuiltinCatalog } from '../../src/node/catalogFile';
import { nodeSyntax } from '../../src/node/syntax';
import '../../src/core/messages';

const FIXTURES = path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'models-src');

function load(model: string): { file: string; text: string } {
  const file = path.join(FIXTURES, model, `modeling_${model}.py`);
  return { file, text: fs.readFileSync(file, 'utf8') };
}

function find(node: ModuleNode, ...names: string[]): ModuleNode {
  let current = node;
  for (const name of names) {
    const next = current.children.find((c) => c.name === name);
    assert.ok(next, `${current.name} has no child ${name} (has ${current.children.map((c) => c.name).join(', ')})`);
    current = next;
  }
  return current;
}

let syntax: Syntax;
let catalog: Catalog;

before(async () => {
  syntax = await nodeSyntax();
  catalog = loadCatalog(readBuiltinCatalog().text).catalog;
});

describe('analysis: deepseek-v2-shaped modeling file (MLA, group-limited router, parenthesised experts)', () => {
  let text: string;
  let result: AnalysisResult;
  before(() => {
    const f = load('deepseek_v2');
    text = f.text;
    result = analyzeSource(syntax, text, f.file, catalog, { config: { num_hidden_layers: 27, n_routed_experts: 64, hidden_act: 'silu' } });
  });

  it('folds the routed experts written as (DeepseekV2MLP(...)) inside the list comprehension', () => {
    const experts = find(result.root!, 'model', 'layers', 'layers', 'mlp', 'experts');
    assert.strictEqual(experts.kind, 'layers');
    assert.strictEqual(experts.repeat, 64);
    assert.deepStrictEqual(
      find(experts, 'experts').children.map((c) => c.name),
      ['gate_proj', 'up_proj', 'down_proj', 'act_fn'],
    );
    assert.strictEqual(find(result.root!, 'model', 'layers').repeat, 27);
  });

  it('reports the router class as one GroupTopk block, its topk/scatter/masked_fill fused into it', () => {
    const gate = find(result.root!, 'model', 'layers', 'layers', 'mlp', 'gate');
    assert.strictEqual(gate.kind, 'op');
    assert.strictEqual(gate.uses[0].verdict, 'fused');
    assert.strictEqual(gate.uses[0].atbOp, 'GroupTopk');
    const inner = gate.uses.slice(1);
    assert.ok(inner.some((u) => u.name === 'torch.topk') && inner.some((u) => u.name === 'Tensor.scatter_'));
    assert.deepStrictEqual([...new Set(inner.map((u) => `${u.verdict} ${u.atbOp}`))], ['fused GroupTopk']);
    assert.match(formatMessage(gate.uses[0].reason, 'zh-cn'), /GroupTopk/);
  });

  it('recognises the compressed-KV projection as multi-latent attention, not plain SelfAttention', () => {
    const attn = find(result.root!, 'model', 'layers', 'layers', 'self_attn');
    const mla = attn.uses.filter((u) => u.catalogId === 'idiom.mla');
    assert.strictEqual(mla.length, 1);
    assert.strictEqual(mla[0].verdict, 'fused');
    assert.strictEqual(mla[0].atbOp, 'MultiLatentAttention');
    assert.strictEqual(text.split('\n')[mla[0].range.start.line].trim(), 'latent = self.kv_a_proj_with_mqa(hidden_states)');
    assert.match(formatMessage(mla[0].reason, 'en'), /MlaPreprocess/);
  });

  it('leaves nothing unsupported in this file', () => {
    assert.deepStrictEqual(result.uses.filter((u) => u.verdict === 'unsupported').map((u) => u.name), []);
  });
});

describe('analysis: baichuan2-shaped modeling file (W_pack, NormHead, loss branch)', () => {
  let text: string;
  let result: AnalysisResult;
  before(() => {
    const f = load('baichuan2');
    text = f.text;
    result = analyzeSource(syntax, text, f.file, catalog, {});
  });

  it('does not report the loss computed under `if labels is not None:` (training only)', () => {
    const lossLine = text.split('\n').findIndex((l) => l.includes('z_loss = '));
    assert.ok(lossLine > 0);
    assert.deepStrictEqual(result.uses.filter((u) => u.range.start.line >= lossLine && u.range.start.line <= lossLine + 1).map((u) => u.name), []);
    assert.ok(!result.uses.some((u) => u.name === 'Tensor.mean' || u.name === '**'));
  });

  it('keeps the packed W_pack projection native and its unflatten/squeeze as free views', () => {
    const attn = find(result.root!, 'attn');
    assert.strictEqual(find(attn, 'W_pack').uses[0].atbOp, 'Linear');
    assert.deepStrictEqual(
      attn.uses.filter((u) => ['Tensor.unflatten', 'Tensor.unsqueeze', 'Tensor.squeeze'].includes(u.name)).map((u) => u.verdict),
      ['view', 'view', 'view'],
    );
  });

  it('reports NormHead weight normalisation as load-time host work, and nothing unsupported', () => {
    assert.deepStrictEqual(result.uses.filter((u) => u.verdict === 'unsupported').map((u) => u.name), []);
    const normalize = result.uses.filter((u) => u.name === 'F.normalize');
    assert.ok(normalize.length > 0 && normalize.every((u) => u.verdict === 'host' && u.catalogId === 'host.weight-transform'));
    assert.match(formatMessage(normalize[0].reason, 'zh-cn'), /加载/);
  });
});

describe('analysis: chatglm2-shaped modeling file (swiglu nested in __init__, torch version check)', () => {
  let result: AnalysisResult;
  before(() => {
    const f = load('chatglm2');
    result = analyzeSource(syntax, f.text, f.file, catalog, { config: { num_layers: 28 } });
  });

  it('follows self.activation_func to the swiglu defined inside MLP.__init__: chunk + SiLU (Activation SWISH)', () => {
    const mlp = find(result.root!, 'layers', 'layers', 'mlp');
    const silu = mlp.uses.find((u) => u.name === 'F.silu');
    assert.ok(silu, `mlp uses: ${mlp.uses.map((u) => u.name).join(', ')}`);
    assert.strictEqual(silu.verdict, 'native');
    assert.strictEqual(silu.atbOp, 'Activation');
    assert.ok(mlp.uses.some((u) => u.name === 'torch.chunk' && u.atbOp === 'Split'));
  });

  it('does not report the host-side torch.__version__ check as an operation', () => {
    assert.deepStrictEqual(result.uses.filter((u) => u.verdict === 'unsupported').map((u) => u.name), []);
    assert.ok(!result.uses.some((u) => u.name.includes('__version__')));
  });
});

describe('analysis: gemma-shaped modeling file ((1 + weight) RMSNorm)', () => {
  let result: AnalysisResult;
  before(() => {
    const f = load('gemma');
    result = analyzeSource(syntax, f.text, f.file, catalog, {});
  });

  it('recognises the offset norm as RmsNorm and says the weight needs +1 at load time', () => {
    const norm = find(result.root!, 'norm').uses[0];
    assert.strictEqual(norm.atbOp, 'RmsNorm');
    assert.strictEqual(norm.verdict, 'native');
    assert.strictEqual(norm.catalogId, 'class.rmsnorm-offset');
    assert.match(formatMessage(norm.reason, 'en'), /1 is added to the stored weight/);
    assert.match(formatMessage(norm.reason, 'zh-cn'), /加 1/);
  });

  it('keeps the plain norm on the ordinary RMSNorm entry', () => {
    assert.strictEqual(find(result.root!, 'other_norm').uses[0].catalogId, 'class.rmsnorm');
  });
});

describe('analysis: mistral-shaped flash-attention class (dtype check after a host-side .item())', () => {
  let result: AnalysisResult;
  before(() => {
    const f = load('mistral');
    result = analyzeSource(syntax, f.text, f.file, catalog, {});
  });

  it('treats the .item() size read-back as host work and `if input_dtype == torch.float32:` as no control flow', () => {
    assert.deepStrictEqual(result.uses.filter((u) => u.verdict === 'unsupported').map((u) => `${u.name}@${u.range.start.line + 1}`), []);
    assert.deepStrictEqual(result.uses.filter((u) => u.name === 'Tensor.item').map((u) => `${u.verdict}@${u.range.start.line + 1}`), ['host@16']);
  });
});

describe('analysis: internlm2-shaped modeling file (packed wqkv split with einops)', () => {
  let result: AnalysisResult;
  before(() => {
    const f = load('internlm2');
    result = analyzeSource(syntax, f.text, f.file, catalog, {});
  });

  it('treats the rearrange calls as free views and the eager attention as SelfAttention', () => {
    const attn = find(result.root!, 'attention');
    assert.deepStrictEqual(attn.uses.filter((u) => u.name === 'rearrange').map((u) => u.verdict), ['view', 'view']);
    assert.deepStrictEqual([...new Set(attn.uses.filter((u) => /matmul|softmax/.test(u.name)).map((u) => `${u.verdict} ${u.atbOp}`))], ['fused SelfAttention']);
    assert.strictEqual(find(attn, 'wqkv').uses[0].atbOp, 'Linear');
    assert.deepStrictEqual(result.uses.filter((u) => u.verdict === 'unsupported'), []);
  });
});

describe('analysis: facts of an MLA config (DeepSeek-V2/V3 shape)', () => {
  it('takes the head width from qk_nope_head_dim + qk_rope_head_dim, not hidden_size / heads', () => {
    const facts = modelFacts({ model_type: 'deepseek_v2', hidden_size: 5120, num_attention_heads: 128, kv_lora_rank: 512, qk_nope_head_dim: 128, qk_rope_head_dim: 64 });
    assert.strictEqual(facts.attention, 'MLA');
    assert.strictEqual(facts.headDim, 192);
  });
});

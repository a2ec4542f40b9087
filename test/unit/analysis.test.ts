import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { analyzeSource, analyzeTree, type AnalysisResult, type ModuleNode, type OpUse } from '../../src/core/analysis';
import { loadCatalog, type Catalog } from '../../src/core/catalog';
import type { Range } from '../../src/core/common';
import { formatMessage } from '../../src/core/i18n';
import type { Syntax } from '../../src/core/syntax';
import { readBuiltinCatalog } from '../../src/node/catalogFile';
import { nodeSyntax } from '../../src/node/syntax';
import '../../src/core/messages';

export const FIXTURES = path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'models-src');

export function fixture(model: string): { file: string; text: string } {
  const file = path.join(FIXTURES, model, `modeling_${model}.py`);
  return { file, text: fs.readFileSync(file, 'utf8') };
}

/** The source text a range covers (first line only, trimmed to 30 characters). */
export function snippet(text: string, range: Range): string {
  const lines = text.split('\n');
  const first = range.start.line === range.end.line ? lines[range.start.line].slice(range.start.character, range.end.character) : lines[range.start.line].slice(range.start.character);
  return first.slice(0, 30);
}

/** `name verdict atbOp @line: source` for each use of a node. */
export function describe_(uses: OpUse[], text: string): string[] {
  return uses.map((u) => `${u.name} ${u.verdict}${u.atbOp ? ' ' + u.atbOp : ''} @${u.range.start.line + 1}: ${snippet(text, u.range)}`);
}

/** `name(kind ClassName xN)[children]` */
export function shape(node: ModuleNode): unknown {
  const label = `${node.name}(${node.kind}${node.className && node.className !== node.name ? ' ' + node.className : ''}${node.repeat !== undefined ? ' x' + node.repeat : ''})`;
  return node.children.length ? { [label]: node.children.map(shape) } : label;
}

export function child(node: ModuleNode, ...names: string[]): ModuleNode {
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

describe('analysis: llama-shaped modeling file', () => {
  let text: string;
  let result: AnalysisResult;
  before(() => {
    const f = fixture('llama');
    text = f.text;
    result = analyzeSource(syntax, text, f.file, catalog, { config: { num_hidden_layers: 32, hidden_act: 'silu' } });
  });

  it('finds the model class and builds the module tree with the decoder layers folded', () => {
    assert.strictEqual(result.isModelCode, true);
    assert.deepStrictEqual(result.modelClasses, ['LlamaForCausalLM']);
    assert.deepStrictEqual(shape(result.root!), {
      'LlamaForCausalLM(model)': [
        {
          'model(module LlamaModel)': [
            'embed_tokens(op Embedding)',
            {
              'layers(layers ModuleList x32)': [
                {
                  'layers(module LlamaDecoderLayer)': [
                    { 'self_attn(module LlamaAttention)': ['q_proj(op Linear)', 'k_proj(op Linear)', 'v_proj(op Linear)', 'o_proj(op Linear)'] },
                    { 'mlp(module LlamaMLP)': ['gate_proj(op Linear)', 'up_proj(op Linear)', 'down_proj(op Linear)', 'act_fn(op ACT2FN[silu])'] },
                    'input_layernorm(op LlamaRMSNorm)',
                    'post_attention_layernorm(op LlamaRMSNorm)',
                  ],
                },
              ],
            },
            'norm(op LlamaRMSNorm)',
            'rotary_emb(op LlamaRotaryEmbedding)',
          ],
        },
        'lm_head(op Linear)',
      ],
    });
  });

  it('gives declared modules their verdict and the declaration range', () => {
    const attn = child(result.root!, 'model', 'layers', 'layers', 'self_attn');
    assert.deepStrictEqual(describe_(child(attn, 'q_proj').uses, text), ['Linear native Linear @99: self.q_proj = nn.Linear(config']);
    assert.deepStrictEqual(describe_(child(result.root!, 'model', 'embed_tokens').uses, text), ['Embedding native Gather @159: self.embed_tokens = nn.Embeddi']);
    assert.deepStrictEqual(describe_(child(attn, '..'.length ? 'o_proj' : '').uses, text), ['Linear native Linear @102: self.o_proj = nn.Linear(config']);
    const act = child(result.root!, 'model', 'layers', 'layers', 'mlp', 'act_fn');
    assert.deepStrictEqual(describe_(act.uses, text), ['ACT2FN[silu] native Activation @65: self.act_fn = ACT2FN[config.hi']);
  });

  it('classifies every operation of the attention (its forward and eager_attention_forward)', () => {
    const attn = child(result.root!, 'model', 'layers', 'layers', 'self_attn');
    assert.deepStrictEqual(describe_(attn.uses, text), [
      'repeat_kv fused PagedAttention @80: repeat_kv(key, module.num_key_',
      'repeat_kv fused PagedAttention @81: repeat_kv(value, module.num_ke',
      '* fused SelfAttention @82: torch.matmul(query, key_states',
      'torch.matmul fused SelfAttention @82: torch.matmul(query, key_states',
      'Tensor.transpose fused SelfAttention @82: key_states.transpose(2, 3)',
      '+ fused SelfAttention @84: attn_weights + attention_mask',
      'Tensor.to native Elewise @85: nn.functional.softmax(attn_wei',
      'F.softmax fused SelfAttention @85: nn.functional.softmax(attn_wei',
      'torch.matmul fused SelfAttention @86: torch.matmul(attn_weights, val',
      'Tensor.contiguous view @87: attn_output.transpose(1, 2).co',
      'Tensor.transpose fused SelfAttention @87: attn_output.transpose(1, 2)',
      'Tensor.transpose fused SelfAttention @108: self.q_proj(hidden_states).vie',
      'Tensor.view view @108: self.q_proj(hidden_states).vie',
      'Tensor.transpose fused SelfAttention @109: self.k_proj(hidden_states).vie',
      'Tensor.view view @109: self.k_proj(hidden_states).vie',
      'Tensor.transpose fused SelfAttention @110: self.v_proj(hidden_states).vie',
      'Tensor.view view @110: self.v_proj(hidden_states).vie',
      'apply_rotary_pos_emb native Rope @113: apply_rotary_pos_emb(query_sta',
      'ALL_ATTENTION_FUNCTIONS fused SelfAttention @120: ALL_ATTENTION_FUNCTIONS',
      'Tensor.contiguous view @123: attn_output.reshape(*input_sha',
      'Tensor.reshape view @123: attn_output.reshape(*input_sha',
    ]);
    assert.ok(attn.uses.every((u) => u.owner === 'LlamaAttention.forward' || u.owner === 'eager_attention_forward'));
  });

  it('recognises the RMSNorm class by its rsqrt body and folds its operations into RmsNorm', () => {
    const norm = child(result.root!, 'model', 'norm');
    assert.deepStrictEqual(describe_(norm.uses, text), [
      'LlamaRMSNorm native RmsNorm @163: self.norm = LlamaRMSNorm(confi',
      'Tensor.to fused RmsNorm @20: hidden_states.to(torch.float32',
      'Tensor.mean fused RmsNorm @21: hidden_states.pow(2).mean(-1, ',
      'Tensor.pow fused RmsNorm @21: hidden_states.pow(2)',
      'rsqrt-norm native RmsNorm @22: hidden_states * torch.rsqrt(va',
      'torch.rsqrt fused RmsNorm @22: torch.rsqrt(variance + self.va',
      '+ fused RmsNorm @22: variance + self.variance_epsil',
      '* fused RmsNorm @23: self.weight * hidden_states.to',
      'Tensor.to fused RmsNorm @23: hidden_states.to(input_dtype)',
    ]);
    // The same class under another name is still recognised (the body, not the name, decides).
    const renamed = text.replace(/LlamaRMSNorm/g, 'LlamaNormalizer');
    const again = analyzeSource(syntax, renamed, 'x.py', catalog);
    const n = child(again.root!, 'model', 'norm');
    assert.strictEqual(n.kind, 'op');
    assert.strictEqual(n.uses[0].atbOp, 'RmsNorm');
  });

  it('reports residual adds, slicing and host-side calls outside the layers', () => {
    const layer = child(result.root!, 'model', 'layers', 'layers');
    assert.deepStrictEqual(describe_(layer.uses, text), ['+ native Elewise @141: residual + hidden_states', '+ native Elewise @146: residual + hidden_states']);
    assert.deepStrictEqual(describe_(child(result.root!, 'model').uses, text), ['torch.arange host @170: torch.arange(inputs_embeds.sha']);
    assert.deepStrictEqual(describe_(result.root!.uses, text), ['[:] native Slice @192: hidden_states[:, slice_indices']);
  });

  it('gives host work (position ids, rotary tables, the causal mask) no diagnostic', () => {
    assert.deepStrictEqual(result.diagnostics.filter((d) => d.code === 'atb.unsupported-op'), []);
    const host = result.uses.filter((u) => u.verdict === 'host');
    assert.ok(host.some((u) => u.name === 'torch.arange' && u.range.start.line === 169));
    assert.match(formatMessage(host.find((u) => u.name === 'torch.arange')!.reason, 'en'), /input builder computes them on the host/);
  });

  it('reports unsupported uses as warnings linking to the catalogue, in both languages', () => {
    // An activation ATB has no type for, chosen by config.json.
    const warnings = analyzeSource(syntax, text, 'x.py', catalog, { config: { hidden_act: 'mish' } }).diagnostics.filter((d) => d.code === 'atb.unsupported-op');
    assert.strictEqual(warnings.length, 1);
    const [w] = warnings;
    assert.strictEqual(w.severity, 'warning');
    assert.strictEqual(w.range.start.line, 64);
    assert.strictEqual(w.href, 'command:atb-migrate.showCatalogEntry?' + encodeURIComponent('["act.unsupported"]'));
    assert.deepStrictEqual((w.data as { catalogId: string; name: string }).catalogId, 'act.unsupported');
    assert.match(formatMessage(w.message, 'en'), /^ACT2FN\[mish\]: This activation/);
    assert.match(formatMessage(w.message, 'zh-cn'), /^ACT2FN\[mish\]：该激活函数/);
    const fused = analyzeSource(syntax, text, 'x.py', catalog, { reportFused: true }).diagnostics.filter((d) => d.code === 'atb.fused-op');
    assert.ok(fused.length >= 15, String(fused.length));
    assert.ok(fused.every((d) => d.severity === 'information'));
  });

  it('counts verdicts per node (children included) and lists each use once', () => {
    const root = result.root!;
    const ids = new Set(result.uses.map((u) => u.id));
    assert.strictEqual(ids.size, result.uses.length);
    assert.deepStrictEqual(child(root, 'model', 'layers', 'layers', 'mlp').counts, { native: 5, fused: 0, view: 0, host: 0, unsupported: 0 });
    assert.strictEqual(root.counts.unsupported, 0);
    assert.strictEqual(root.counts.host, result.uses.filter((u) => u.verdict === 'host').length);
    // RMSNorm body uses appear under three instances in the tree but once in the flat list.
    assert.strictEqual(result.uses.filter((u) => u.name === 'rsqrt-norm').length, 1);
  });

  it('without config.json the repeat count is unknown and ACT2FN is an explained assumption', () => {
    const bare = analyzeSource(syntax, text, 'x.py', catalog);
    const layers = child(bare.root!, 'model', 'layers');
    assert.strictEqual(layers.repeat, undefined);
    assert.ok(bare.notes.some((n) => n.code === 'analysis.note.noConfig'));
    const act = child(bare.root!, 'model', 'layers', 'layers', 'mlp', 'act_fn').uses[0];
    assert.strictEqual(act.name, 'ACT2FN[config.hidden_act]');
    assert.strictEqual(act.reason.code, 'analysis.reason.activationFromConfig');
  });

  it('resolves an unsupported activation from the config', () => {
    const r = analyzeSource(syntax, text, 'x.py', catalog, { config: { hidden_act: 'mish' } });
    const act = child(r.root!, 'model', 'layers', 'layers', 'mlp', 'act_fn').uses[0];
    assert.strictEqual(act.verdict, 'unsupported');
    assert.ok(r.diagnostics.some((d) => d.code === 'atb.unsupported-op' && d.range.start.line === 64));
  });
});

describe('analysis: qwen2-shaped modeling file (older layout, flash-attn import, local rotary)', () => {
  let text: string;
  let result: AnalysisResult;
  before(() => {
    const f = fixture('qwen2');
    text = f.text;
    result = analyzeSource(syntax, text, f.file, catalog, { config: { num_hidden_layers: 24 } });
  });

  it('builds the tree with the rotary embedding inside the attention', () => {
    assert.deepStrictEqual(shape(child(result.root!, 'model', 'layers', 'layers', 'self_attn')), {
      'self_attn(module Qwen2Attention)': ['q_proj(op Linear)', 'k_proj(op Linear)', 'v_proj(op Linear)', 'o_proj(op Linear)', 'rotary_emb(op Qwen2RotaryEmbedding)'],
    });
    assert.strictEqual(child(result.root!, 'model', 'layers').repeat, 24);
  });

  it('notes the optional flash_attn import (eager fallback) without counting it, and the scalar division stays out of the report', () => {
    assert.deepStrictEqual(result.uses.filter((u) => u.name === 'flash_attn'), []);
    const note = result.notes.find((n) => n.code === 'analysis.note.optionalImports');
    assert.strictEqual(note?.args?.imports, 'flash_attn (14)');
    const attn = child(result.root!, 'model', 'layers', 'layers', 'self_attn');
    const described = describe_(attn.uses, text);
    assert.ok(described.includes('/ fused SelfAttention @106: torch.matmul(query_states, key'), described.join('\n'));
    assert.ok(described.includes('repeat_kv fused PagedAttention @103: repeat_kv(key_states, self.num'));
    // `bsz, q_len, _ = hidden_states.size()` makes q_len a scalar; head-size arithmetic is Python, not ATB.
    assert.ok(!described.some((d) => /^[*+/] .*@(8\d|9\d|10[0-5]):/.test(d)), described.join('\n'));
    assert.ok(!described.some((d) => d.startsWith('math.sqrt')));
  });

  it('ends with the Cast of the logits in the causal-LM head', () => {
    assert.deepStrictEqual(describe_(result.root!.uses, text), ['Tensor.float native Elewise @163: logits.float()']);
  });
});

describe('analysis: mixtral-shaped modeling file (sparse MoE)', () => {
  let text: string;
  let result: AnalysisResult;
  before(() => {
    const f = fixture('mixtral');
    text = f.text;
    result = analyzeSource(syntax, text, f.file, catalog, { config: { num_hidden_layers: 32, num_local_experts: 8, hidden_act: 'silu' } });
  });

  it('folds the experts with num_local_experts resolved through self.num_experts', () => {
    const moe = child(result.root!, 'model', 'layers', 'layers', 'block_sparse_moe');
    assert.deepStrictEqual(shape(moe), {
      'block_sparse_moe(module MixtralSparseMoeBlock)': [
        'gate(op Linear)',
        { 'experts(layers ModuleList x8)': [{ 'experts(module MixtralBlockSparseTop2MLP)': ['w1(op Linear)', 'w2(op Linear)', 'w3(op Linear)', 'act_fn(op ACT2FN[silu])'] }] },
      ],
    });
    assert.strictEqual(child(result.root!, 'model', 'layers').repeat, 32);
  });

  it('recognises routing + experts as one MoE unit: softmax, topk, one_hot, where, index_add_ and the expert loop are fused into it', () => {
    const moe = child(result.root!, 'model', 'layers', 'layers', 'block_sparse_moe');
    assert.deepStrictEqual(describe_(moe.uses, text), [
      'moe-block fused GroupedMatmulWithRouting @37: MixtralSparseMoeBlock',
      'Tensor.view view @48: hidden_states.view(-1, hidden_',
      'F.softmax fused Softmax @50: F.softmax(router_logits, dim=1',
      'torch.topk fused Sort @51: torch.topk(routing_weights, se',
      '/ fused Elewise @52: routing_weights /= routing_wei',
      'Tensor.sum fused Reduce @52: routing_weights.sum(dim=-1, ke',
      'Tensor.to fused Elewise @53: routing_weights.to(hidden_stat',
      'torch.zeros fused Fill @54: torch.zeros((batch_size * sequ',
      'Tensor.permute fused Transpose @55: torch.nn.functional.one_hot(se',
      'F.one_hot fused Onehot @55: torch.nn.functional.one_hot(se',
      'Tensor.nonzero fused Nonzero @56: torch.greater(expert_mask.sum(',
      'torch.greater fused Elewise @56: torch.greater(expert_mask.sum(',
      'Tensor.sum fused Reduce @56: expert_mask.sum(dim=(-1, -2))',
      'data-dependent-control-flow fused GroupedMatmulWithRouting @57: expert_hit',
      'torch.where fused Nonzero @59: torch.where(expert_mask[expert',
      'Tensor.squeeze view @59: expert_mask[expert_idx].squeez',
      'Tensor.reshape view @60: hidden_states[None, top_x].res',
      '[None] view @60: hidden_states[None, top_x]',
      '* fused Elewise @61: expert_layer(current_state) * ',
      '[None] view @61: routing_weights[top_x, idx, No',
      'Tensor.index_add_ fused IndexAdd @62: final_hidden_states.index_add_',
      'Tensor.to fused Elewise @62: current_hidden_states.to(hidde',
      'Tensor.reshape view @63: final_hidden_states.reshape(ba',
    ]);
  });

  it('reports nothing unsupported: the data-dependent expert loop is the unit\'s grouped matmul', () => {
    assert.deepStrictEqual(result.uses.filter((u) => u.verdict === 'unsupported'), []);
    assert.deepStrictEqual(result.diagnostics, []);
  });
});

describe('analysis: chatglm-shaped modeling file (builders, init_method, TorchScript)', () => {
  let text: string;
  let result: AnalysisResult;
  before(() => {
    const f = fixture('chatglm');
    text = f.text;
    result = analyzeSource(syntax, text, f.file, catalog, { config: { num_layers: 28, rmsnorm: true } });
  });

  it('follows init_method(...), nested build_layer and the LayerNormFunc alias', () => {
    assert.deepStrictEqual(result.modelClasses, ['ChatGLMForConditionalGeneration']);
    const glm = child(result.root!, 'transformer');
    assert.deepStrictEqual(shape(glm), {
      'transformer(module ChatGLMModel)': [
        { 'embedding(module Embedding)': ['word_embeddings(op Embedding)'] },
        'rotary_pos_emb(op RotaryEmbedding)',
        {
          'encoder(module GLMTransformer)': [
            {
              'layers(layers ModuleList x28)': [
                {
                  'layers(module GLMBlock)': [
                    'input_layernorm(op RMSNorm)',
                    { 'self_attention(module SelfAttention)': ['query_key_value(op Linear)', 'core_attention(module CoreAttention)', 'dense(op Linear)'] },
                    'post_attention_layernorm(op RMSNorm)',
                    { 'mlp(module MLP)': ['dense_h_to_4h(op Linear)', 'dense_4h_to_h(op Linear)'] },
                  ],
                },
              ],
            },
            'final_layernorm(op RMSNorm)',
          ],
        },
        'output_layer(op Linear)',
      ],
    });
  });

  it('analyses swiglu through the self.activation_func alias', () => {
    const mlp = child(result.root!, 'transformer', 'encoder', 'layers', 'layers', 'mlp');
    assert.deepStrictEqual(describe_(mlp.uses, text), [
      'torch.chunk native Split @117: torch.chunk(x, 2, dim=-1)',
      '* native Elewise @118: F.silu(x[0]) * x[1]',
      'F.silu native Activation @118: F.silu(x[0])',
    ]);
    assert.ok(mlp.uses.every((u) => u.owner === 'swiglu'));
  });

  it('fuses the core attention (baddbmm, masked_fill, softmax, bmm) into SelfAttention', () => {
    const core = child(result.root!, 'transformer', 'encoder', 'layers', 'layers', 'self_attention', 'core_attention');
    const fused = core.uses.filter((u) => u.verdict === 'fused').map((u) => u.name);
    assert.deepStrictEqual(fused, ['torch.baddbmm', 'Tensor.transpose', 'Tensor.transpose', 'Tensor.transpose', 'Tensor.masked_fill', 'F.softmax', 'torch.bmm', 'Tensor.transpose', 'Tensor.permute']);
    assert.ok(core.uses.every((u) => u.verdict !== 'unsupported'));
  });

  it('maps the TorchScript-decorated rotary helper onto Rope and the mask check onto the host', () => {
    assert.deepStrictEqual(result.uses.filter((u) => u.verdict === 'unsupported'), []);
    const describe = (u: OpUse) => `${u.name} ${u.verdict} ${u.atbOp ?? ''}@${u.range.start.line + 1}: ${snippet(text, u.range)}`;
    assert.strictEqual(describe(result.uses.find((u) => u.name === 'torch.jit.script')!), 'torch.jit.script fused Rope@31: @torch.jit.script');
    assert.strictEqual(describe(result.uses.find((u) => u.name === 'mask-decision')!), 'mask-decision host @205: attention_mask is not None and');
  });
});

describe('analysis: incremental use through analyzeTree', () => {
  it('gives the same result on an incrementally re-parsed tree as on a fresh parse', () => {
    const { text } = fixture('llama');
    const parser = syntax.parser('python');
    const tree = parser.parse(text)!;
    const first = analyzeTree(tree, text, 'm.py', catalog);
    // Insert a line inside LlamaMLP.forward: everything below shifts by one line.
    const at = text.indexOf('        return self.down_proj');
    const insert = '        x = x.float()\n';
    const edited = text.slice(0, at) + insert + text.slice(at);
    const row = text.slice(0, at).split('\n').length - 1;
    tree.edit({ startIndex: at, oldEndIndex: at, newEndIndex: at + insert.length, startPosition: { row, column: 0 }, oldEndPosition: { row, column: 0 }, newEndPosition: { row: row + 1, column: 0 } });
    const incremental = parser.parse(edited, tree)!;
    const again = analyzeTree(incremental, edited, 'm.py', catalog);
    const fresh = analyzeSource(syntax, edited, 'm.py', catalog);
    assert.deepStrictEqual(again.uses, fresh.uses);
    assert.strictEqual(again.uses.length, first.uses.length + 1);
    const arange = (r: AnalysisResult) => r.uses.find((u) => u.name === 'torch.arange')!.range.start.line;
    assert.strictEqual(arange(again), arange(first) + 1);
    tree.delete();
    incremental.delete();
    parser.delete();
  });
});

describe('analysis: idioms in small modules', () => {
  const analyze = (body: string) => {
    const text = ['import torch', 'import torch.nn.functional as F', 'from torch import nn', '', 'class Block(nn.Module):', '    def __init__(self, config):', '        super().__init__()', '        self.proj = nn.Linear(4, 4)', '        self.conv = nn.Conv1d(4, 4, 3)', '', body].join('\n');
    const result = analyzeSource(syntax, text, 'block.py', catalog);
    return { text, result, list: result.uses.map((u) => `${u.name} ${u.verdict} @${u.range.start.line + 1}`) };
  };

  it('skips training-only branches and follows conditional function aliases', () => {
    const { list } = analyze(
      [
        '    def forward(self, x, mask=None):',
        '        if self.training and self.jitter > 0:',
        '            x *= torch.empty_like(x).uniform_(0.9, 1.1)',
        '        mask_function = create_causal_mask if self.window is None else create_sliding_window_causal_mask',
        '        m = mask_function(x, mask)',
        '        return self.proj(x)',
      ].join('\n'),
    );
    assert.deepStrictEqual(list, ['Conv1d unsupported @9', 'Linear native @8', 'create_causal_mask host @15'].sort((a, b) => Number(a.split('@')[1]) - Number(b.split('@')[1])));
  });

  it('flags FFT, convolution, torch.compile on a method and custom CUDA ops', () => {
    const { list, result } = analyze(
      [
        '    @torch.compile',
        '    def forward(self, x):',
        '        y = torch.fft.rfft(x, dim=-1)',
        '        z = F.conv1d(x, self.conv.weight)',
        '        w = torch.ops.my_ext.fused_gelu(x)',
        '        return self.proj(y.real + z + w)',
      ].join('\n'),
    );
    assert.deepStrictEqual(list, [
      'Linear native @8',
      'Conv1d unsupported @9',
      'torch.compile unsupported @11',
      'torch.fft.rfft unsupported @13',
      'F.conv1d unsupported @14',
      'torch.ops.my_ext.fused_gelu unsupported @15',
      '+ native @16',
      '+ native @16',
    ]);
    assert.strictEqual(result.diagnostics.filter((d) => d.code === 'atb.unsupported-op').length, 5);
  });

  it('reports torch functions the catalogue does not know, without a catalogue link', () => {
    const { result } = analyze(['    def forward(self, x):', '        return torch.special.erfcx(self.proj(x))'].join('\n'));
    const use = result.uses.find((u) => u.name === 'torch.special.erfcx')!;
    assert.strictEqual(use.verdict, 'unsupported');
    assert.strictEqual(use.catalogId, undefined);
    const d = result.diagnostics.find((x) => x.range.start.line === use.range.start.line)!;
    assert.strictEqual(d.href, undefined);
    assert.match(formatMessage(d.message, 'en'), /not in the operator catalogue/);
  });

  it('a workspace override changes the verdict the analysis reports', () => {
    const override = 'entries:\n  - id: op.fft\n    verdict: native\n    atbOp: FftPlugin\n';
    const custom = loadCatalog(readBuiltinCatalog().text, { path: '.atb-migrate.yaml', text: override }).catalog;
    const text = ['import torch', 'from torch import nn', 'class M(nn.Module):', '    def forward(self, x):', '        return torch.fft.rfft(x)', ''].join('\n');
    const use = analyzeSource(syntax, text, 'm.py', custom).uses.find((u) => u.name === 'torch.fft.rfft')!;
    assert.strictEqual(use.verdict, 'native');
    assert.strictEqual(use.atbOp, 'FftPlugin');
  });
});

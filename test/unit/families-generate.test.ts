/**
 * Every catalogue family, from a hand-written config.json and a hand-written weight index in that
 * family's own tensor naming (written from the families' checkpoints, not from families.yaml): the
 * reader finds the names and the quirks, and the generated package computes each quirk or refuses it
 * with a named TODO that raises NotImplementedError and a problem. Nothing in between.
 */
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { builtinFamilies, type QuirkId } from '../../src/core/families';
import { generateV3 } from '../../src/core/generate';
import { capability, TARGETS } from '../../src/core/generate/support';
import { readModelFolder } from '../../src/core/modelDir';
import { nodeFileReader } from '../../src/node/fileReader';
import { REAL_MODELS, tempDir } from './modelDirHelpers';
import { main } from '../../src/cli/main';
import { modelFacts } from '../../src/core/analysis';

type Json = Record<string, unknown>;

interface Case {
  /** Catalogue ids this case covers (the first is the config's model_type unless `config` says). */
  ids: string[];
  config: Json;
  /** Layer-0 module names (`.bias` added for names ending in `+b`); `{L}` stacks are generated for 2 layers. */
  stack: string;
  layer: string;
  /** Tensors outside the layers (full names, `.weight` added; `+b` adds a bias). */
  top: string;
  quirks: QuirkId[];
  /** Lines the generated modeling (m:) or flash (f:) file must contain. */
  expect: string[];
}

const SIZES = { hidden_size: 64, num_attention_heads: 4, num_key_value_heads: 2, num_hidden_layers: 2, vocab_size: 128, intermediate_size: 128, max_position_embeddings: 256, torch_dtype: 'bfloat16' };
const LLAMA_LAYER = 'self_attn.q_proj self_attn.k_proj self_attn.v_proj self_attn.o_proj mlp.gate_proj mlp.up_proj mlp.down_proj input_layernorm post_attention_layernorm';
const LLAMA_TOP = 'model.embed_tokens model.norm lm_head';
const QWEN2_LAYER = 'self_attn.q_proj+b self_attn.k_proj+b self_attn.v_proj+b self_attn.o_proj mlp.gate_proj mlp.up_proj mlp.down_proj input_layernorm post_attention_layernorm';
const QKV = (names: string) => `qkv_linear_names = [${names.split(' ').map((n) => `f"{self.prefix}.${n}"`).join(', ')}]`;
const GATE_UP = (names: string) => `gate_up_linear_names = [${names.split(' ').map((n) => `f"{self.prefix}.${n}"`).join(', ')}]`;
const MOE_LAYER = (block: string, experts: string, gate: string) =>
  `self_attn.q_proj self_attn.k_proj self_attn.v_proj self_attn.o_proj ${block}.${gate} ${[0, 1, 2, 3].map((e) => experts.split(' ').map((w) => `${block}.experts.${e}.${w}`).join(' ')).join(' ')} input_layernorm post_attention_layernorm`;
const MLA_LAYER = 'self_attn.q_a_proj self_attn.q_a_layernorm self_attn.q_b_proj self_attn.kv_a_proj_with_mqa self_attn.kv_a_layernorm self_attn.kv_b_proj self_attn.o_proj';

const CASES: Case[] = [
  { ids: ['llama'], config: { rope_scaling: { rope_type: 'llama3', factor: 8.0, low_freq_factor: 1, high_freq_factor: 4, original_max_position_embeddings: 8192 } }, stack: 'model.layers', layer: LLAMA_LAYER, top: LLAMA_TOP, quirks: ['rope-scaling-llama3'], expect: [`m:${QKV('q_proj k_proj v_proj')}`, `m:${GATE_UP('gate_proj up_proj')}`] },
  { ids: ['mistral'], config: { sliding_window: 128 }, stack: 'model.layers', layer: LLAMA_LAYER, top: LLAMA_TOP, quirks: ['sliding-window'], expect: [] },
  { ids: ['mixtral'], config: { num_local_experts: 4, num_experts_per_tok: 2, sliding_window: null }, stack: 'model.layers', layer: MOE_LAYER('block_sparse_moe', 'w1 w2 w3', 'gate'), top: LLAMA_TOP, quirks: ['mapped-names', 'moe'], expect: ['m:self.mlp = MixtralMlp(config, file_loader, f"{self.prefix}.block_sparse_moe"'] },
  { ids: ['qwen2'], config: { use_sliding_window: false, sliding_window: 128 }, stack: 'model.layers', layer: QWEN2_LAYER, top: LLAMA_TOP, quirks: ['qkv-bias'], expect: ['c:self.attention_bias = True'] },
  { ids: ['qwen2_moe'], config: { num_experts: 4, num_experts_per_tok: 2, shared_expert_intermediate_size: 64 }, stack: 'model.layers', layer: MOE_LAYER('mlp', 'gate_proj up_proj down_proj', 'gate').replace(/self_attn\.([qkv])_proj /g, 'self_attn.$1_proj+b ') + ' mlp.shared_expert.gate_proj mlp.shared_expert.up_proj mlp.shared_expert.down_proj mlp.shared_expert_gate', top: LLAMA_TOP, quirks: ['qkv-bias', 'moe', 'shared-experts'], expect: [] },
  { ids: ['qwen3'], config: { head_dim: 32, tie_word_embeddings: true }, stack: 'model.layers', layer: LLAMA_LAYER + ' self_attn.q_norm self_attn.k_norm', top: 'model.embed_tokens model.norm', quirks: ['qk-norm', 'tied-head'], expect: ['f:weight_loader, ["model.embed_tokens"]', 'c:self.use_qk_norm = True'] },
  { ids: ['qwen3_moe'], config: { num_experts: 4, num_experts_per_tok: 2 }, stack: 'model.layers', layer: MOE_LAYER('mlp', 'gate_proj up_proj down_proj', 'gate') + ' self_attn.q_norm self_attn.k_norm', top: LLAMA_TOP, quirks: ['qk-norm', 'moe'], expect: [] },
  { ids: ['qwen'], config: { rotary_pct: 1.0, use_dynamic_ntk: true, seq_length: 256, kv_channels: 16 }, stack: 'transformer.h', layer: 'attn.c_attn+b attn.c_proj mlp.w1 mlp.w2 mlp.c_proj ln_1 ln_2', top: 'transformer.wte transformer.ln_f lm_head', quirks: ['mapped-names', 'packed-qkv', 'qkv-bias', 'rope-scaling-dynamic'], expect: [`m:${QKV('c_attn')}`, `m:${GATE_UP('w2 w1')}`, 'm:self.prefix = f"{prefix}.h.{layer_idx}"', 'f:prefix="transformer"'] },
  { ids: ['baichuan'], config: { model_max_length: 256, vocab_size: 125696 }, stack: 'model.layers', layer: LLAMA_LAYER.replace('self_attn.q_proj self_attn.k_proj self_attn.v_proj', 'self_attn.W_pack'), top: LLAMA_TOP, quirks: ['packed-qkv', 'norm-head'], expect: [`m:${QKV('W_pack')}`] },
  { ids: ['baichuan'], config: { num_hidden_layers: 40, vocab_size: 64000 }, stack: 'model.layers', layer: LLAMA_LAYER.replace('self_attn.q_proj self_attn.k_proj self_attn.v_proj', 'self_attn.W_pack'), top: LLAMA_TOP, quirks: ['packed-qkv', 'alibi'], expect: [] },
  {
    ids: ['chatglm'],
    config: { num_layers: 2, padded_vocab_size: 128, ffn_hidden_size: 128, kv_channels: 16, multi_query_attention: true, multi_query_group_num: 2, seq_length: 256, rmsnorm: true, add_qkv_bias: true, rope_ratio: 1 },
    stack: 'transformer.encoder.layers',
    layer: 'self_attention.query_key_value+b self_attention.dense mlp.dense_h_to_4h mlp.dense_4h_to_h input_layernorm post_attention_layernorm',
    top: 'transformer.embedding.word_embeddings transformer.encoder.final_layernorm transformer.output_layer',
    quirks: ['mapped-names', 'packed-qkv', 'packed-gate-up', 'qkv-bias', 'rope-2d'],
    expect: [`m:${QKV('query_key_value')}`, `m:${GATE_UP('dense_h_to_4h')}`, 'm:"transformer.embedding.word_embeddings"', 'f:weight_loader, ["transformer.output_layer"]'],
  },
  { ids: ['glm'], config: { partial_rotary_factor: 0.5, attention_bias: true }, stack: 'model.layers', layer: QWEN2_LAYER.replace('mlp.gate_proj mlp.up_proj', 'mlp.gate_up_proj'), top: LLAMA_TOP, quirks: ['packed-gate-up', 'qkv-bias', 'partial-rotary', 'rope-interleaved'], expect: [`m:${GATE_UP('gate_up_proj')}`] },
  { ids: ['glm4'], config: { partial_rotary_factor: 0.5, attention_bias: true }, stack: 'model.layers', layer: QWEN2_LAYER.replace('mlp.gate_proj mlp.up_proj', 'mlp.gate_up_proj') + ' post_self_attn_layernorm post_mlp_layernorm', top: LLAMA_TOP, quirks: ['packed-gate-up', 'qkv-bias', 'partial-rotary', 'rope-interleaved', 'sandwich-norm'], expect: ['m:f"{self.prefix}.post_self_attn_layernorm"', 'm:        attn_out = self.attn_out_norm(attn_out)', 'm:        mlp_out = self.mlp_out_norm(mlp_out)'] },
  { ids: ['internlm2'], config: { bias: false }, stack: 'model.layers', layer: 'attention.wqkv attention.wo feed_forward.w1 feed_forward.w3 feed_forward.w2 attention_norm ffn_norm', top: 'model.tok_embeddings model.norm output', quirks: ['mapped-names', 'grouped-qkv'], expect: [`m:${QKV('wqkv')}`, `m:${GATE_UP('w1 w3')}`] },
  { ids: ['internlm3'], config: { qkv_bias: false, bias: false }, stack: 'model.layers', layer: LLAMA_LAYER, top: LLAMA_TOP, quirks: [], expect: [] },
  {
    ids: ['phi'],
    config: { partial_rotary_factor: 0.5, hidden_act: 'gelu_new', qk_layernorm: false },
    stack: 'model.layers',
    layer: 'self_attn.q_proj+b self_attn.k_proj+b self_attn.v_proj+b self_attn.dense+b mlp.fc1+b mlp.fc2+b input_layernorm+b',
    top: 'model.embed_tokens model.final_layernorm+b lm_head+b',
    quirks: ['mapped-names', 'plain-mlp', 'layernorm', 'qkv-bias', 'o-bias', 'mlp-bias', 'partial-rotary', 'parallel-residual', 'head-bias'],
    expect: [],
  },
  { ids: ['phi3'], config: { sliding_window: 255 }, stack: 'model.layers', layer: 'self_attn.qkv_proj self_attn.o_proj mlp.gate_up_proj mlp.down_proj input_layernorm post_attention_layernorm', top: LLAMA_TOP, quirks: ['packed-qkv', 'packed-gate-up', 'sliding-window'], expect: [`m:${QKV('qkv_proj')}`, `m:${GATE_UP('gate_up_proj')}`, 'm:if file_loader.mapping.world_size > 1:'] },
  { ids: ['gemma'], config: { head_dim: 16, hidden_act: 'gelu_pytorch_tanh', hidden_activation: 'gelu_pytorch_tanh' }, stack: 'model.layers', layer: LLAMA_LAYER, top: 'model.embed_tokens model.norm', quirks: ['gelu-mlp', 'norm-plus-one', 'embed-scale', 'tied-head'], expect: ['m:gelu_mode=nn.functional.GeluMode.TANH', 'm:return (tensor.float() + 1.0).to(self.config.torch_dtype)', 'm:self.norm = GemmaRmsNorm(', 'm:hidden_states = hidden_states * self.embed_scale'] },
  {
    ids: ['gemma2'],
    config: { head_dim: 16, hidden_activation: 'gelu_pytorch_tanh', query_pre_attn_scalar: 16, sliding_window: 128, attn_logit_softcapping: 50.0, final_logit_softcapping: 30.0 },
    stack: 'model.layers',
    layer: LLAMA_LAYER + ' pre_feedforward_layernorm post_feedforward_layernorm',
    top: 'model.embed_tokens model.norm',
    quirks: ['mapped-names', 'gelu-mlp', 'norm-plus-one', 'embed-scale', 'sliding-window', 'attn-softcap', 'final-softcap', 'sandwich-norm', 'tied-head'],
    expect: ['m:self.post_attention_layernorm = Gemma2RmsNorm(config, file_loader, f"{self.prefix}.pre_feedforward_layernorm"', 'm:self.attn_out_norm = Gemma2RmsNorm(config, file_loader, f"{self.prefix}.post_attention_layernorm"'],
  },
  {
    ids: ['gemma3_text'],
    config: { head_dim: 16, hidden_activation: 'gelu_pytorch_tanh', query_pre_attn_scalar: 16, sliding_window: 128, rope_local_base_freq: 10000.0, rope_theta: 1000000.0 },
    stack: 'model.layers',
    layer: LLAMA_LAYER + ' pre_feedforward_layernorm post_feedforward_layernorm self_attn.q_norm self_attn.k_norm',
    top: 'model.embed_tokens model.norm',
    quirks: ['mapped-names', 'gelu-mlp', 'norm-plus-one', 'qk-norm', 'embed-scale', 'sliding-window', 'rope-local-base', 'sandwich-norm', 'tied-head'],
    expect: ['m:self.q_norm = Gemma3_textRmsNorm('],
  },
  { ids: ['deepseek_v2'], config: { kv_lora_rank: 16, n_routed_experts: 4, num_experts_per_tok: 2, n_shared_experts: 1, first_k_dense_replace: 1 }, stack: 'model.layers', layer: `${MLA_LAYER} mlp.gate_proj mlp.up_proj mlp.down_proj input_layernorm post_attention_layernorm`, top: LLAMA_TOP, quirks: ['rope-interleaved', 'moe', 'shared-experts', 'mla'], expect: [] },
  { ids: ['deepseek_v3'], config: { kv_lora_rank: 16, n_routed_experts: 4, num_experts_per_tok: 2, n_shared_experts: 1, rope_scaling: { type: 'yarn', factor: 40 } }, stack: 'model.layers', layer: `${MLA_LAYER} mlp.gate mlp.experts.0.gate_proj mlp.experts.0.up_proj mlp.experts.0.down_proj mlp.shared_experts.gate_proj input_layernorm post_attention_layernorm`, top: LLAMA_TOP, quirks: ['rope-interleaved', 'rope-scaling-yarn', 'moe', 'shared-experts', 'mla'], expect: [] },
  { ids: ['Yi'], config: {}, stack: 'model.layers', layer: LLAMA_LAYER.replace('input_layernorm post_attention_layernorm', 'ln1 ln2'), top: LLAMA_TOP, quirks: ['mapped-names'], expect: ['m:f"{self.prefix}.ln1"', 'm:f"{self.prefix}.ln2"'] },
  { ids: ['minicpm'], config: { scale_emb: 12, scale_depth: 1.4, dim_model_base: 32 }, stack: 'model.layers', layer: LLAMA_LAYER, top: 'model.embed_tokens model.norm', quirks: ['embed-scale', 'logit-scale', 'residual-scale', 'tied-head'], expect: ['m:self.embed_scale = float(config.scale_emb)', 'm:self.residual_scale = config.scale_depth / math.sqrt(config.num_hidden_layers)', 'm:res_add = attn_out * self.residual_scale + inputs', 'f:self.logit_scale = 1.0 / (mindie_llm_config.hf_config.hidden_size / mindie_llm_config.hf_config.dim_model_base)', 'c:scale_emb: float = 12.0'] },
  { ids: ['starcoder2'], config: { use_bias: true, norm_epsilon: 1e-5, sliding_window: null }, stack: 'model.layers', layer: 'self_attn.q_proj+b self_attn.k_proj+b self_attn.v_proj+b self_attn.o_proj+b mlp.c_fc+b mlp.c_proj+b input_layernorm+b post_attention_layernorm+b', top: 'model.embed_tokens model.norm+b', quirks: ['mapped-names', 'plain-mlp', 'layernorm', 'qkv-bias', 'o-bias', 'mlp-bias', 'tied-head'], expect: [] },
  { ids: ['falcon'], config: { new_decoder_architecture: false, multi_query: true, parallel_attn: true, bias: false, alibi: false, hidden_act: undefined }, stack: 'transformer.h', layer: 'self_attention.query_key_value self_attention.dense mlp.dense_h_to_4h mlp.dense_4h_to_h input_layernorm+b', top: 'transformer.word_embeddings transformer.ln_f+b lm_head', quirks: ['mapped-names', 'grouped-qkv', 'plain-mlp', 'layernorm', 'parallel-residual'], expect: [] },
  { ids: ['gpt_neox'], config: { rotary_pct: 0.25, use_parallel_residual: true, hidden_act: 'gelu' }, stack: 'gpt_neox.layers', layer: 'attention.query_key_value+b attention.dense+b mlp.dense_h_to_4h+b mlp.dense_4h_to_h+b input_layernorm+b post_attention_layernorm+b', top: 'gpt_neox.embed_in gpt_neox.final_layer_norm+b embed_out', quirks: ['mapped-names', 'grouped-qkv', 'plain-mlp', 'layernorm', 'qkv-bias', 'o-bias', 'mlp-bias', 'partial-rotary', 'parallel-residual'], expect: [] },
  { ids: ['olmo2'], config: {}, stack: 'model.layers', layer: 'self_attn.q_proj self_attn.k_proj self_attn.v_proj self_attn.o_proj mlp.gate_proj mlp.up_proj mlp.down_proj post_attention_layernorm post_feedforward_layernorm self_attn.q_norm self_attn.k_norm', top: LLAMA_TOP, quirks: ['qk-norm-projection', 'post-norm'], expect: ['m:        norm_out = inputs'] },
  { ids: ['cohere'], config: { logit_scale: 0.0625, use_qk_norm: false, layer_norm_eps: 1e-5 }, stack: 'model.layers', layer: LLAMA_LAYER.replace(' post_attention_layernorm', ''), top: 'model.embed_tokens model.norm', quirks: ['layernorm', 'rope-interleaved', 'logit-scale', 'parallel-residual', 'tied-head'], expect: ['f:self.logit_scale = float(mindie_llm_config.hf_config.logit_scale)'] },
  { ids: ['granite'], config: { embedding_multiplier: 12.0, residual_multiplier: 0.22, attention_multiplier: 0.0078125, logits_scaling: 8.0 }, stack: 'model.layers', layer: LLAMA_LAYER, top: LLAMA_TOP, quirks: ['embed-scale', 'attn-scale', 'logit-scale', 'residual-scale'], expect: ['f:self.logit_scale = 1.0 / mindie_llm_config.hf_config.logits_scaling', 'm:out = mlp_out * self.residual_scale + res_add'] },
  { ids: ['exaone'], config: { num_layers: 2, activation_function: 'silu', layer_norm_epsilon: 1e-5 }, stack: 'transformer.h', layer: 'attn.attention.q_proj attn.attention.k_proj attn.attention.v_proj attn.attention.out_proj mlp.c_fc_0 mlp.c_fc_1 mlp.c_proj ln_1 ln_2', top: 'transformer.wte transformer.ln_f lm_head', quirks: ['mapped-names'], expect: ['m:f"{self.prefix}.attn.attention", **kwargs', `m:${GATE_UP('c_fc_0 c_fc_1')}`, 'm:o_linear_names = [f"{self.prefix}.out_proj"]'] },
  {
    ids: ['llava', 'llava_next'],
    config: { model_type: 'llava', text_config: { model_type: 'llama', vocab_size: 128 }, vision_config: { model_type: 'clip_vision_model', num_hidden_layers: 3, hidden_size: 32 } },
    stack: 'language_model.model.layers',
    layer: LLAMA_LAYER,
    top: 'language_model.model.embed_tokens language_model.model.norm language_model.lm_head vision_tower.vision_model.post_layernorm multi_modal_projector.linear_1',
    quirks: ['mapped-names', 'vision-tower'],
    expect: ['f:prefix="language_model.model"', 'f:weight_loader, ["language_model.lm_head"]', 'c:kwargs = {**kwargs, **(kwargs.get("text_config") or {})}', 'c:hidden_size: int = 4096'],
  },
  {
    ids: ['mllama', 'mllama_text_model'],
    config: { model_type: 'mllama', text_config: { model_type: 'mllama_text_model', num_hidden_layers: 2, cross_attention_layers: [1], vocab_size: 128, hidden_size: 64, num_attention_heads: 4, num_key_value_heads: 2, intermediate_size: 128 } },
    stack: 'language_model.model.layers',
    layer: LLAMA_LAYER,
    top: 'language_model.model.embed_tokens language_model.model.norm language_model.lm_head vision_model.post_tile_positional_embedding.embedding',
    quirks: ['mapped-names', 'cross-attention', 'vision-tower'],
    expect: [],
  },
  {
    ids: ['qwen2_vl', 'qwen2_vl_text'],
    config: { model_type: 'qwen2_vl', rope_scaling: { type: 'mrope', mrope_section: [4, 2, 2] } },
    stack: 'model.layers',
    layer: QWEN2_LAYER,
    top: `${LLAMA_TOP} visual.merger.mlp.0`,
    quirks: ['qkv-bias', 'mrope', 'vision-tower'],
    expect: ['f:prefix="model"'],
  },
  {
    ids: ['qwen2_5_vl', 'qwen2_5_vl_text'],
    config: { model_type: 'qwen2_5_vl', text_config: { model_type: 'qwen2_5_vl_text', hidden_size: 64, num_attention_heads: 4, num_key_value_heads: 2, num_hidden_layers: 2, vocab_size: 128, intermediate_size: 128, rope_scaling: { type: 'mrope', mrope_section: [4, 2, 2] } } },
    stack: 'model.language_model.layers',
    layer: QWEN2_LAYER,
    top: 'model.language_model.embed_tokens model.language_model.norm lm_head model.visual.merger.mlp.0',
    quirks: ['mapped-names', 'qkv-bias', 'mrope', 'vision-tower'],
    expect: ['f:prefix="model.language_model"', 'f:weight_loader, ["lm_head"]'],
  },
  {
    ids: ['internvl_chat'],
    config: { model_type: 'internvl_chat', llm_config: { model_type: 'internlm2', architectures: ['InternLM2ForCausalLM'], bias: false, hidden_size: 64, num_attention_heads: 4, num_key_value_heads: 2, num_hidden_layers: 2, vocab_size: 128, intermediate_size: 128 } },
    stack: 'language_model.model.layers',
    layer: 'attention.wqkv attention.wo feed_forward.w1 feed_forward.w3 feed_forward.w2 attention_norm ffn_norm',
    top: 'language_model.model.tok_embeddings language_model.model.norm language_model.output vision_model.embeddings.patch_embedding mlp1.0',
    quirks: ['mapped-names', 'grouped-qkv', 'vision-tower'],
    expect: ['f:weight_loader, ["language_model.output"]', 'm:"language_model.model.tok_embeddings"'.replace('"language_model.model.tok_embeddings"', 'f"{self.prefix}.tok_embeddings"')],
  },
];

function writeFolder(c: Case): string {
  const dir = tempDir(c.ids[0]);
  const config: Json = { model_type: c.ids[0], architectures: ['X'], ...SIZES, ...c.config };
  if (config.text_config || config.llm_config) for (const k of Object.keys(SIZES)) if (k !== 'torch_dtype') delete config[k];
  for (const [k, v] of Object.entries(config)) if (v === undefined) delete config[k];
  const weightMap: Record<string, string> = {};
  const add = (name: string) => {
    const bias = name.endsWith('+b');
    const base = bias ? name.slice(0, -2) : name;
    weightMap[`${base}.weight`] = 'model-00001.safetensors';
    if (bias) weightMap[`${base}.bias`] = 'model-00001.safetensors';
  };
  for (let i = 0; i < 2; i++) for (const m of c.layer.split(' ')) add(`${c.stack}.${i}.${m}`);
  for (const t of c.top.split(' ')) add(t);
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config, null, 2));
  fs.writeFileSync(path.join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: { total_size: 1 }, weight_map: weightMap }));
  return dir;
}

const hasPython = (() => {
  try {
    execFileSync('python3', ['--version']);
    return true;
  } catch {
    return false;
  }
})();

describe('families: every catalogue family, from a hand-written folder, is generated correctly or refused', function () {
  this.timeout(30000);
  const compileDir = tempDir('families-compile');
  const toCompile: string[] = [];

  it('the cases cover every catalogue family', () => {
    const covered = new Set(CASES.flatMap((c) => c.ids));
    assert.deepStrictEqual(builtinFamilies().ids().filter((id) => !covered.has(id)), []);
  });

  for (const c of CASES) {
    it(`${c.ids.join(' / ')}: ${c.quirks.join(', ') || 'no quirks'}`, async () => {
      const r = await readModelFolder(nodeFileReader, writeFolder(c));
      assert.ok(r.spec, JSON.stringify(r.problems.map((p) => p.code)));
      const spec = r.spec!;
      assert.ok(spec.family.catalogued, `${c.ids[0]} not catalogued`);
      assert.deepStrictEqual(spec.conflicts, [], 'the hand-written names agree with the catalogue');
      assert.deepStrictEqual([...new Set(spec.quirks.map((q) => q.id))].sort(), [...c.quirks].sort(), 'quirks');

      // model_type "Yi" is no lowercase package name: generate under "yi" (the user is told to rename).
      const lower = spec.modelType.toLowerCase();
      const { files, problems } = generateV3(spec, { outDir: '/out', ...(lower !== spec.modelType ? { modelType: lower } : {}) });
      assert.strictEqual(files.length, 5, JSON.stringify(problems));
      const text = { m: files[1].contents, f: files[0].contents, c: files[2].contents };
      const all = files.map((f) => f.contents).join('\n');
      for (const quirk of spec.quirks) {
        const cap = capability('torch-like', quirk.id);
        const todo = `TODO(atb-migrate): ${quirk.id}:`;
        if (cap === 'implemented') {
          assert.ok(!all.includes(todo), `${quirk.id} is implemented but has a TODO`);
          assert.ok(!problems.some((p) => p.code === `support.v3.${quirk.id}`));
        } else if (quirk.id === 'vision-tower') {
          // Not part of the generated graph: a problem and the header say so; the text model stays usable.
          assert.ok(problems.some((p) => p.code === cap.refused && p.severity === 'warning'));
          assert.match(text.f, /Only the language model \(.+\) is generated; the vision part is not: /);
        } else {
          assert.ok(all.includes(todo), `${quirk.id} refused without a TODO`);
          assert.ok(all.includes(`raise NotImplementedError("atb-migrate: ${quirk.id} (`), `${quirk.id} refused without a raise`);
          assert.ok(problems.some((p) => p.code === cap.refused && p.severity === 'warning'), `${quirk.id} refused without a problem`);
        }
      }
      // Nothing is refused that the model does not have.
      for (const m of all.matchAll(/TODO\(atb-migrate\): ([a-z0-9-]+):/g)) assert.ok(spec.quirks.some((q) => q.id === m[1]), `stray TODO ${m[1]}`);
      for (const e of c.expect) {
        const [which, line] = [e.slice(0, 1) as 'm' | 'f' | 'c', e.slice(2)];
        assert.ok(text[which].includes(line), `${which}: missing ${line}\n${text[which]}`);
      }
      // Every linear the checkpoint has under the layer is loaded by the generated code (when not refused).
      if (!spec.quirks.some((q) => ['moe', 'mla', 'plain-mlp'].includes(q.id))) {
        for (const module of c.layer.split(' ')) {
          const leaf = module.replace(/\+b$/, '').split('.').pop()!;
          assert.ok(text.m.includes(`.${leaf}"`), `${leaf} is not loaded`);
        }
      }
      const sub = path.join(compileDir, `${c.ids[0]}_${CASES.indexOf(c)}`);
      fs.mkdirSync(sub, { recursive: true });
      for (const f of files) toCompile.push(path.join(sub, f.name)), fs.writeFileSync(path.join(sub, f.name), f.contents);
    });
  }

  it('every generated file passes python3 -m py_compile', function () {
    if (!hasPython) return this.skip();
    execFileSync('python3', ['-m', 'py_compile', ...toCompile]);
  });

  it('each quirk of each family has an answer for every target', () => {
    for (const c of CASES) for (const q of c.quirks) for (const t of TARGETS) assert.ok(capability(t, q), `${t}/${q}`);
  });
});

describe('families: the real model folders (../shared/data/models, skipped when absent)', function () {
  this.timeout(60000);
  const present = fs.existsSync(REAL_MODELS);
  const folders = present ? fs.readdirSync(REAL_MODELS).filter((d) => fs.statSync(path.join(REAL_MODELS, d)).isDirectory()) : [];

  it('every folder reads without an error (except one without config.json); every one with a spec generates Python that compiles', async function () {
    if (!present) return this.skip();
    const out = tempDir('real');
    const paths: string[] = [];
    let generated = 0;
    for (const folder of folders) {
      const r = await readModelFolder(nodeFileReader, path.join(REAL_MODELS, folder));
      const errors = r.problems.filter((p) => p.severity === 'error').map((p) => p.code);
      if (!fs.existsSync(path.join(REAL_MODELS, folder, 'config.json'))) {
        assert.deepStrictEqual(errors, ['modelDir.no-config']);
        continue;
      }
      assert.deepStrictEqual(errors, [], folder);
      assert.ok(r.spec, folder);
      assert.ok(r.spec!.family.catalogued, `${folder}: ${r.spec!.textModelType} not catalogued`);
      const g = generateV3(r.spec!, { outDir: out });
      assert.strictEqual(g.files.length, 5, `${folder}: ${JSON.stringify(g.problems.filter((p) => p.severity === 'error'))}`);
      const dir = path.join(out, folder);
      fs.mkdirSync(dir, { recursive: true });
      for (const f of g.files) paths.push(path.join(dir, f.name)), fs.writeFileSync(path.join(dir, f.name), f.contents);
      generated++;
    }
    assert.ok(generated >= 20, `only ${generated} generated`);
    if (hasPython) execFileSync('python3', ['-m', 'py_compile', ...paths]);
  });

  it('llava-1.5: the text model comes from text_config (catalogue defaults fill what it leaves out) under language_model.*', async function () {
    const dir = path.join(REAL_MODELS, 'llava-1.5-7b-hf');
    if (!fs.existsSync(dir)) return this.skip();
    const r = await readModelFolder(nodeFileReader, dir);
    const spec = r.spec!;
    assert.strictEqual(spec.modelType, 'llava');
    assert.strictEqual(spec.textModelType, 'llama');
    assert.strictEqual(spec.hiddenSize, 4096);
    assert.strictEqual(spec.vocabSize, 32064);
    assert.match(r.findings.find((f) => f.key === 'hiddenSize')!.source, /families\.yaml: llama\.configDefaults\.hidden_size/);
    assert.strictEqual(spec.family.naming.root, 'language_model.model');
    assert.strictEqual(spec.family.naming.lmHead, 'language_model.lm_head');
    const g = generateV3(spec, { outDir: '/out' });
    assert.match(g.files[0].contents, /prefix="language_model\.model"/);
    assert.match(g.files[0].contents, /weight_loader, \["language_model\.lm_head"\]/);
    assert.ok(g.problems.some((p) => p.code === 'support.v3.vision-tower'));
    assert.ok(r.problems.some((p) => p.code === 'modelDir.multimodal'));
  });

  it('gemma-2b-it: (1 + weight) norms, GeLU MLP and sqrt(hidden) embedding are generated; config.json\'s exact "gelu" against the catalogue\'s tanh GeLU is a conflict with a hint', async function () {
    const dir = path.join(REAL_MODELS, 'gemma-2b-it');
    if (!fs.existsSync(dir)) return this.skip();
    const r = await readModelFolder(nodeFileReader, dir);
    const conflict = r.problems.find((p) => p.code === 'modelDir.conflict')!;
    assert.ok(conflict && conflict.hint, JSON.stringify(r.problems.map((p) => p.code)));
    const m = generateV3(r.spec!, { outDir: '/out' }).files[1].contents;
    assert.match(m, /class GemmaRmsNorm\(RmsNorm\)/);
    assert.match(m, /hidden_states = hidden_states \* self\.embed_scale/);
    assert.match(m, /nn\.functional\.ActType\.GELU/);
  });
});

describe('families: workspace overrides and HF quantization', function () {
  this.timeout(20000);

  it('a family added under `families:` in .atb-migrate.yaml (cwd) is used by `generate`; a broken entry is a warning', async () => {
    const ws = tempDir('ws');
    fs.writeFileSync(path.join(ws, '.atb-migrate.yaml'), 'families:\n  my_llama:\n    like: llama\n    source: our modeling_my_llama.py\n    naming: { inputNorm: ln_in }\n  broken:\n    norm: rms+2\n');
    const model = path.join(ws, 'model');
    fs.mkdirSync(model);
    fs.writeFileSync(path.join(model, 'config.json'), JSON.stringify({ model_type: 'my_llama', ...SIZES }));
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(['generate', model, '--out', path.join(ws, 'out'), '-l', 'debug'], { out: (t) => out.push(t), err: (t) => err.push(t), cwd: ws, locale: 'en' });
    assert.strictEqual(code, 0, err.join('\n'));
    const modeling = fs.readFileSync(path.join(ws, 'out', 'my_llama', 'modeling_my_llama_python.py'), 'utf8');
    assert.match(modeling, /f"\{self\.prefix\}\.ln_in"/);
    assert.ok(err.some((l) => l.includes('[families.catalogue-problem]') && l.includes('broken')), err.join('\n'));
  });

  it('AWQ and GPTQ quantization_config are recognised and explained (MindIE cannot load them: quantize the float weights with msModelSlim)', async () => {
    for (const [method, code] of [['awq', 'modelDir.quant.hf.awq'], ['gptq', 'modelDir.quant.hf.gptq'], ['bitsandbytes', 'modelDir.quant.hf.other']]) {
      const dir = tempDir(method);
      fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ model_type: 'llama', ...SIZES, quantization_config: { quant_method: method, bits: 4, group_size: 128 } }));
      const r = await readModelFolder(nodeFileReader, dir);
      const p = r.problems.find((x) => x.code === code)!;
      assert.ok(p, `${method}: ${JSON.stringify(r.problems.map((x) => x.code))}`);
      assert.strictEqual(p.severity, 'warning');
      assert.match(r.findings.find((f) => f.key === 'quant.hf')!.value as string, new RegExp(`^${method.toUpperCase()}, 4-bit, group 128`));
    }
  });
});

describe('families: the operator analysis and the reader agree on norm, activation and position encoding', function () {
  this.timeout(30000);
  const agree = async (dir: string) => {
    const r = await readModelFolder(nodeFileReader, dir);
    if (!r.spec) return;
    const facts = modelFacts(JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')));
    const f = r.spec.family;
    const name = path.basename(dir);
    assert.strictEqual(facts.norm, f.norm === 'layer' ? 'LayerNorm' : 'RMSNorm', `${name} norm`);
    assert.strictEqual(facts.activation === 'swiglu' ? 'silu' : facts.activation, f.activation === 'swiglu' ? 'silu' : f.activation, `${name} activation`);
    assert.strictEqual(facts.positionEmbedding, f.position === 'none' ? undefined : f.position, `${name} position`);
  };
  it('for every hand-written family case', async () => {
    for (const c of CASES) await agree(writeFolder(c));
  });
  it('for every real model folder', async function () {
    if (!fs.existsSync(REAL_MODELS)) return this.skip();
    for (const d of fs.readdirSync(REAL_MODELS)) if (fs.existsSync(path.join(REAL_MODELS, d, 'config.json'))) await agree(path.join(REAL_MODELS, d));
  });
});

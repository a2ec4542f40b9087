/**
 * The model traits the C++ target cares about, and for each whether MindIE's base classes (plus the
 * overrides this generator writes) express it or the generator refuses it. The capability table is
 * the one place that says so; `cppTraits` only finds which traits a model has.
 */
import type { ModelSpec } from '../../modelDir';

export type CppCapability = 'implemented' | { refused: string };

/** Trait id -> what the C++ target does with it; refusals name their message code (cpp.refused.<id>). */
export const CPP_CAPABILITIES: Record<string, CppCapability> = {
  'qkv-bias': 'implemented', // linearHasBias row [true, ...], python data
  'qk-norm': 'implemented', // useQKNorm; base adds 2 weights per layer
  'packed-qkv': 'implemented', // WeightWrapper packs/splits per layer; one C++ model fits both
  'packed-gate-up': 'implemented',
  layernorm: 'implemented', // normType 1: base picks DecoderLayer<LayerNormParam>, final norm 2 weights
  'norm-plus-one': 'implemented', // (1 + w) folded into the norm weights at load time
  'rope-half-interleaved': 'implemented', // chatglm: layer override HALF_ROTARY, rotaryCoeff = head dim / 2
  'tied-embeddings': 'implemented', // the head loads the embedding tensor
  'rope-scaling-linear': 'implemented', // cos/sin tables are python data
  'rope-scaling-llama3': 'implemented',
  moe: { refused: 'cpp.refused.moe' },
  mla: { refused: 'cpp.refused.mla' },
  alibi: { refused: 'cpp.refused.alibi' },
  'qkv-grouped': { refused: 'cpp.refused.qkv-grouped' },
  'embed-scale': { refused: 'cpp.refused.embed-scale' },
  'activation-non-silu': { refused: 'cpp.refused.activation-non-silu' },
  'plain-mlp': { refused: 'cpp.refused.plain-mlp' },
  'sliding-window': { refused: 'cpp.refused.sliding-window' },
  'logit-softcap': { refused: 'cpp.refused.logit-softcap' },
  'rope-scaling-other': { refused: 'cpp.refused.rope-scaling-other' },
  'partial-rotary': { refused: 'cpp.refused.partial-rotary' },
};

export interface CppTrait {
  id: string;
  status: 'implemented' | 'refused';
  /** What in the model shows the trait (config key, tensor name). */
  detail?: string;
}

const SILU = ['silu', 'swish', 'swiglu'];

/** The traits a model has, each with the table's verdict. */
export function cppTraits(spec: ModelSpec): CppTrait[] {
  const found: { id: string; detail?: string }[] = [];
  const layout = spec.weights.layout;
  const c = spec.config;
  const mt = spec.modelType;
  if (spec.qkvBias) found.push({ id: 'qkv-bias', detail: `${layout.attn}.${layout.qkv[0]}.bias` });
  if (spec.qkNorm) found.push({ id: 'qk-norm', detail: `${layout.qNorm ?? 'q_norm'} / ${layout.kNorm ?? 'k_norm'}` });
  if (layout.qkvPacking === 'contiguous') found.push({ id: 'packed-qkv', detail: layout.qkv[0] });
  if (layout.qkvPacking === 'grouped') found.push({ id: 'qkv-grouped', detail: layout.qkv[0] });
  if (layout.gateUp.length === 1) found.push({ id: 'packed-gate-up', detail: layout.gateUp[0] });
  if (spec.norm === 'LayerNorm') found.push({ id: 'layernorm', detail: layout.inputNorm });
  if (/^gemma/.test(mt)) found.push({ id: 'norm-plus-one', detail: `model_type ${mt}` }, { id: 'embed-scale', detail: `model_type ${mt}: sqrt(hidden_size)` });
  if (mt === 'chatglm' || mt === 'glm') found.push({ id: 'rope-half-interleaved', detail: `model_type ${mt}` });
  if (spec.tiedEmbeddings || spec.lmHeadFromEmbedding) found.push({ id: 'tied-embeddings', detail: layout.embed });
  if (spec.moe) found.push({ id: 'moe', detail: `${spec.moe.experts} experts` });
  if (spec.mla) found.push({ id: 'mla', detail: 'kv_lora_rank' });
  if (c.alibi === true || c.position_embedding_type === 'alibi' || mt === 'bloom' || (mt === 'baichuan' && spec.numLayers >= 40)) found.push({ id: 'alibi', detail: 'ALiBi position bias' });
  if (!spec.moe && layout.gateUp.length === 0) found.push({ id: 'plain-mlp', detail: `${layout.mlp}.${layout.up ?? '?'} / ${layout.down}` });
  else if (!SILU.includes(spec.activation)) found.push({ id: 'activation-non-silu', detail: spec.activation });
  const window = typeof c.sliding_window === 'number' ? c.sliding_window : undefined;
  if (window !== undefined && c.use_sliding_window !== false && (spec.maxPositions === undefined || window < spec.maxPositions)) {
    found.push({ id: 'sliding-window', detail: `sliding_window ${window} < max_position_embeddings ${spec.maxPositions ?? '?'}` });
  }
  for (const key of ['attn_logit_softcapping', 'final_logit_softcapping']) {
    if (typeof c[key] === 'number') found.push({ id: 'logit-softcap', detail: `${key} ${c[key]}` });
  }
  const s = spec.rope.scaling;
  if (s) {
    const type = String(s.rope_type ?? s.type ?? 'default');
    if (type === 'linear') found.push({ id: 'rope-scaling-linear', detail: `factor ${s.factor}` });
    else if (type === 'llama3') found.push({ id: 'rope-scaling-llama3', detail: `factor ${s.factor}` });
    else if (type !== 'default') found.push({ id: 'rope-scaling-other', detail: type });
  }
  if (spec.rope.partialRotary !== undefined && spec.rope.partialRotary < 1) found.push({ id: 'partial-rotary', detail: `factor ${spec.rope.partialRotary}` });

  return found.map(({ id, detail }) => ({ id, detail, status: CPP_CAPABILITIES[id] === 'implemented' ? 'implemented' : 'refused' }));
}

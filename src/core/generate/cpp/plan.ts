/**
 * ModelSpec -> CppPlan: every decision the C++ model and its Python caller share (registered name,
 * param keys with their JSON types and Python sources, input order, weight counts), made once so the
 * two sides cannot drift. A model trait the MindIE base classes cannot express is refused here with
 * a reason, and then nothing is generated: a half-right C++ model builds and runs silently wrong.
 */
import { msg, type Message } from '../../i18n';
import type { ModelSpec } from '../../modelDir';
import { SAFE_NAME } from '../python';
import { BASE_DEFAULT_INPUTS, BASE_WEIGHTS, keysFor, type JsonType, type MindieVersion } from './mindie';
import { cppTraits, type CppTrait } from './traits';

/** One key of the `set_param` JSON: how the Python computes it and the JSON type C++ reads. */
export interface PyParam {
  key: string;
  type: JsonType;
  /** A Python expression wrapped in the cast that fixes its JSON type (bool/int/float/str/list). */
  expr: string;
  /** Why it is sent (shown as a comment). */
  note?: string;
}

export type RopeTable = { kind: 'default' } | { kind: 'linear'; factor: number } | { kind: 'llama3'; factor: number; low: number; high: number; original: number };

export interface CppPlan {
  version: MindieVersion;
  modelType: string;
  /** C++ namespace inside atb_speed; unique so no real model's classes collide in one .so. */
  ns: string;
  className: string;
  registeredName: string;
  norm: 'rms' | 'layer';
  /** The layer needs its own class (only for what DecoderLayer cannot express). */
  layer?: { halfRotary: boolean };
  traits: CppTrait[];
  params: PyParam[];
  inputs: readonly string[];
  weights: { embedding: number; perLayer: number; finalNorm: number; lmHead: number };
  /** Names the Python modeling loads (from the weights). */
  names: {
    root: string;
    layersKey: string;
    embed: string;
    finalNorm: string;
    lmHead: string;
    attn: string;
    mlp: string;
    inputNorm: string;
    postNorm: string;
    qkv: string[];
    o: string;
    gateUp: string[];
    down: string;
    qNorm?: string;
    kNorm?: string;
  };
  rope: RopeTable;
  ropeTheta: number;
  normEps: number;
  /** Dimensions the cos/sin tables span (head dim, or half of it for chatglm's rotary). */
  rotaryDim: number;
  headDim: number;
  plusOneNorm: boolean;
  /** Baichuan2's NormHead: normalise each vocab row of the head weight. */
  normHead: boolean;
  qkvBias: boolean;
  /** internlm2's `wqkv`: rows per KV group (q heads, one k, one v); the modeling de-interleaves them. */
  groupedQkv: boolean;
  /**
   * Positions up to which the base graph (full attention, plain rope) equals the model; the Python
   * refuses longer sequences. Set for a sliding window wider than nothing and for dynamic NTK rope.
   */
  seqLimit?: { positions: number; why: string[]; details: string[] };
}

export interface PlanRefusal {
  code: string;
  message: Message;
}

export const CPP_NS_PREFIX = 'atbm_';

export function cppNamespace(modelType: string): string {
  return `${CPP_NS_PREFIX}${modelType}`;
}

export function planCpp(spec: ModelSpec, modelType: string, version: MindieVersion): { plan?: CppPlan; refusals: PlanRefusal[] } {
  const traits = cppTraits(spec);
  const refusals: PlanRefusal[] = traits
    .filter((t) => t.status === 'refused')
    .map((t) => ({ code: `cpp.refused.${t.id}`, message: msg(`cpp.refused.${t.id}`, { detail: t.detail ?? '' }) }));
  // The resolved family names (catalogue, then config, then the weights confirming them).
  const naming = spec.family.naming;
  const lmHead = spec.lmHeadFromEmbedding ? naming.embed : naming.lmHead;
  const names = {
    root: naming.root,
    layersKey: naming.layers,
    embed: naming.embed,
    finalNorm: naming.finalNorm,
    lmHead,
    attn: naming.attn,
    mlp: naming.mlp,
    inputNorm: naming.inputNorm,
    postNorm: naming.postNorm ?? '',
    qkv: naming.qkv,
    o: naming.o,
    gateUp: naming.gateUp,
    down: naming.down,
    qNorm: naming.qNorm,
    kNorm: naming.kNorm,
  };
  const unsafe = Object.values(names).flat().find((n) => n !== undefined && !SAFE_NAME.test(n));
  // A layer without a pre-MLP norm (parallel residual, post-norm) is refused by its quirk; never emit an empty name.
  if (unsafe !== undefined) refusals.push({ code: 'cpp.unsafe-name', message: msg('cpp.unsafe-name', { name: unsafe }) });
  const limit = exactLimit(spec, traits, refusals);
  if (refusals.length) return { refusals };

  const has = (id: string) => traits.some((t) => t.id === id && t.status === 'implemented');
  const norm = spec.norm === 'LayerNorm' ? 'layer' : 'rms';
  const halfRotary = has('rope-2d');
  const qkNorm = has('qk-norm');
  const ns = cppNamespace(modelType);
  const className = 'DecoderModel';
  const rope = ropeTable(spec);

  const params: PyParam[] = [
    { key: 'isUnpadInputs', type: 'boolean', expr: 'bool(True)' },
    { key: 'isBF16', type: 'boolean', expr: 'bool(self.dtype == torch.bfloat16)' },
    { key: 'normEps', type: 'number', expr: 'float(NORM_EPS)' },
    { key: 'normType', type: 'integer', expr: norm === 'rms' ? 'int(NORM_TYPE_RMS)' : 'int(NORM_TYPE_LAYER)' },
    { key: 'numHiddenLayers', type: 'integer', expr: 'int(self.num_layers)' },
    { key: 'isFA', type: 'boolean', expr: 'bool(False)', note: 'paged attention' },
    { key: 'numAttentionHeadsPerRank', type: 'integer', expr: 'int(self.num_attention_heads)' },
    { key: 'hiddenSizePerAttentionHead', type: 'integer', expr: 'int(HEAD_DIM)' },
    { key: 'numKeyValueHeadsPerRank', type: 'integer', expr: 'int(self.num_key_value_heads)' },
    { key: 'lmHeadTransposeType', type: 'integer', expr: 'int(self.lm_head.linear.trans_flag)' },
    { key: 'backend', type: 'string', expr: 'str(self.soc_info.communication_backend)' },
    { key: 'rank', type: 'integer', expr: 'int(self.tp_rank)' },
    { key: 'worldSize', type: 'integer', expr: 'int(self.tp_world_size)' },
    { key: 'rankTableFile', type: 'string', expr: 'str(ENV.rank_table_file)' },
    { key: 'positionEmbeddingType', type: 'integer', expr: 'int(POSITION_EMBEDDING_ROPE)' },
    { key: 'enableSwiGLU', type: 'boolean', expr: 'bool(not self.soc_info.need_nz)' },
    { key: 'isEmbeddingParallel', type: 'boolean', expr: 'bool(False)' },
    { key: 'isLmHeadParallel', type: 'boolean', expr: 'bool(True)' },
    { key: 'packQuantType', type: 'array', expr: 'list(weight_wrapper.pack_quant_type)' },
    { key: 'linearQuantType', type: 'array', expr: 'list(weight_wrapper.linear_type)' },
    { key: 'linearTransposeType', type: 'array', expr: 'list(weight_wrapper.linear_transpose_types)' },
    { key: 'linearHasBias', type: 'array', expr: 'list(LINEAR_HAS_BIAS_ROW for _ in range(self.num_layers))', note: 'qkv, dense, gate-up, down' },
  ];
  if (qkNorm) params.push({ key: 'useQKNorm', type: 'boolean', expr: 'bool(True)' });
  // isPrefill is merged per operation (encoder True, decoder False); declared here so checks see it.
  const known = new Set(keysFor(version).map((k) => k.key));
  for (const p of params) if (!known.has(p.key)) throw new Error(`cpp plan: ${p.key} is not a key the ${version} base reads`);

  const plan: CppPlan = {
    version,
    modelType,
    ns,
    className,
    registeredName: `${ns}_${className}`,
    norm,
    layer: halfRotary ? { halfRotary } : undefined,
    traits,
    params,
    inputs: BASE_DEFAULT_INPUTS,
    weights: {
      embedding: BASE_WEIGHTS.embedding,
      perLayer: BASE_WEIGHTS.perLayer + (qkNorm ? BASE_WEIGHTS.qkNormPerLayer : 0),
      finalNorm: norm === 'rms' ? BASE_WEIGHTS.finalNorm.rms : BASE_WEIGHTS.finalNorm.layer,
      lmHead: BASE_WEIGHTS.lmHead,
    },
    names,
    rope,
    // chatglm: rope base 10000 * rope_ratio.
    ropeTheta: spec.rope.theta ?? 10000 * (halfRotary && typeof spec.config.rope_ratio === 'number' ? spec.config.rope_ratio : 1),
    normEps: spec.normEps ?? 1e-6,
    rotaryDim: halfRotary ? Math.floor(spec.headDim / 2) : spec.headDim,
    headDim: spec.headDim,
    plusOneNorm: has('norm-plus-one'),
    normHead: has('norm-head'),
    qkvBias: spec.qkvBias,
    groupedQkv: has('grouped-qkv'),
    seqLimit: limit,
  };
  return { plan, refusals: [] };
}

const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : undefined);

/**
 * Quirks the base graph equals only on short sequences get a position bound instead of a refusal;
 * a quirk whose bound cannot be read, or a layout the de-interleave does not cover, is refused.
 * Refusals keep the quirk's code (`cpp.refused.<id>`) with a more precise message.
 */
function exactLimit(spec: ModelSpec, traits: CppTrait[], refusals: PlanRefusal[]): CppPlan['seqLimit'] {
  const detail = (id: string) => traits.find((t) => t.id === id && t.status === 'implemented')?.detail;
  const bounds: { positions: number; why: string; detail: string }[] = [];
  const grouped = detail('grouped-qkv');
  if (grouped !== undefined) {
    if (spec.quant) refusals.push({ code: 'cpp.refused.grouped-qkv', message: msg('cpp.grouped-qkv-quant', { detail: grouped }) });
    else if (spec.numKvHeads <= 0 || spec.numHeads % spec.numKvHeads !== 0) refusals.push({ code: 'cpp.refused.grouped-qkv', message: msg('cpp.grouped-qkv-heads', { detail: grouped, heads: spec.numHeads, kv: spec.numKvHeads }) });
  }
  const window = detail('sliding-window');
  if (window !== undefined) {
    const key = spec.family.config?.slidingWindow?.key;
    const w = key ? num(spec.config[key]) : undefined;
    if (w === undefined) refusals.push({ code: 'cpp.refused.sliding-window', message: msg('cpp.no-bound', { detail: window }) });
    // Token i attends j for i - j < window (or <= window in older code): with all positions below the window, every j <= i either way.
    else bounds.push({ positions: w, why: `${window}: with every position below the window, windowed attention attends every earlier token, as the base graph does`, detail: window });
  }
  const dynamic = detail('rope-scaling-dynamic');
  if (dynamic !== undefined) {
    const s = spec.rope.scaling ?? {};
    // The smallest stated context is safe for every convention: Qwen v1's use_dynamic_ntk keys off
    // seq_length (2048 for Qwen-14B while max_position_embeddings is 8192), transformers' off max positions.
    const trainedKey = spec.family.config?.trainedLengthKey;
    const candidates = [spec.maxPositions, num(s.original_max_position_embeddings), num(spec.config.original_max_position_embeddings), trainedKey ? num(spec.config[trainedKey]) : undefined].filter((x): x is number => x !== undefined);
    if (!candidates.length) refusals.push({ code: 'cpp.refused.rope-scaling-dynamic', message: msg('cpp.no-bound', { detail: dynamic }) });
    // Dynamic NTK rescales the base only for sequences longer than the original context; up to it the tables are plain rope.
    else bounds.push({ positions: Math.min(...candidates), why: `dynamic NTK rope (${dynamic}): up to the original context it uses the plain rope base`, detail: `dynamic NTK rope (${dynamic})` });
  }
  // Log-n attention (Qwen v1's use_logn_attn) scales queries by log(key length) / log(trained length)
  // only past the trained length: up to it the factor is 1 and the base graph is exact.
  const logn = detail('logn-attn');
  if (logn !== undefined) {
    const key = spec.family.config?.trainedLengthKey;
    const trained = key ? num(spec.config[key]) : undefined;
    if (trained === undefined) refusals.push({ code: 'cpp.logn-no-bound', message: msg('cpp.no-bound', { detail: logn }) });
    else bounds.push({ positions: trained, why: `${logn}: queries are scaled only past ${key} = ${trained}`, detail: logn });
  }
  if (!bounds.length) return undefined;
  return { positions: Math.min(...bounds.map((b) => b.positions)), why: bounds.map((b) => b.why), details: bounds.map((b) => b.detail) };
}

function ropeTable(spec: ModelSpec): RopeTable {
  const s = spec.rope.scaling;
  if (!s) return { kind: 'default' };
  const type = String(s.rope_type ?? s.type ?? 'default');
  const factor = typeof s.factor === 'number' ? s.factor : 1;
  if (type === 'linear') return { kind: 'linear', factor };
  if (type === 'llama3') {
    return {
      kind: 'llama3',
      factor,
      low: typeof s.low_freq_factor === 'number' ? s.low_freq_factor : 1,
      high: typeof s.high_freq_factor === 'number' ? s.high_freq_factor : 4,
      original: typeof s.original_max_position_embeddings === 'number' ? s.original_max_position_embeddings : 8192,
    };
  }
  return { kind: 'default' };
}

/**
 * Facts about MindIE-LLM's atb_framework base classes that the C++ generator, the `-atb` reader and
 * the key-consistency test share. Stated from the public sources (examples/atb_models/atb_framework/
 * models/base/param/model_param.cpp `ModelParam::ParseParam*`, base/model/decoder_model.cpp), one
 * row per fact, per version where they differ. Nothing here is copied code.
 */

export type JsonType = 'boolean' | 'integer' | 'number' | 'string' | 'array' | 'object';

export const MINDIE_VERSIONS = ['v3.0.0.beta.1', 'v3.0.0'] as const;
export type MindieVersion = (typeof MINDIE_VERSIONS)[number];
export const DEFAULT_MINDIE_VERSION: MindieVersion = 'v3.0.0';

export interface VersionFacts {
  /** Commit the facts were read at. */
  commit: string;
  /** Shown in the wizard and the CLI next steps. */
  buildCommand: string;
  runCommand: string;
}

export const VERSION_FACTS: Record<MindieVersion, VersionFacts> = {
  'v3.0.0.beta.1': {
    commit: '191a476',
    buildCommand: 'cd <MindIE-LLM>/examples/atb_models && bash scripts/build.sh',
    runCommand: 'cd <MindIE-LLM>/examples/atb_models && torchrun --nproc_per_node <tp> -m examples.run_pa --model_path <model dir>',
  },
  'v3.0.0': {
    commit: '8b4871a',
    buildCommand: 'cd <MindIE-LLM>/examples/atb_models && bash scripts/build.sh',
    runCommand: 'cd <MindIE-LLM>/examples/atb_models && torchrun --nproc_per_node <tp> -m examples.run_pa --model_path <model dir>',
  },
};

export interface ParamKey {
  key: string;
  type: JsonType;
  /** Read unguarded (FetchJsonParam throws when absent) or indexed per layer unchecked. */
  required: boolean;
  /** First version that reads it (absent = every version). */
  since?: MindieVersion;
  /** Arrays with one row per layer (`linearTransposeType`, ...). */
  perLayer?: boolean;
}

/**
 * The keys `ModelParam::FromString` reads (ParseParam and its norm/attention/mlp/matmul/parallel
 * parts). Only the ones a generated model may send are listed as optional; the required ones are all.
 */
export const BASE_MODEL_PARAM_KEYS: readonly ParamKey[] = [
  { key: 'isUnpadInputs', type: 'boolean', required: true },
  { key: 'isPrefill', type: 'boolean', required: true },
  { key: 'isBF16', type: 'boolean', required: true },
  { key: 'normEps', type: 'number', required: true },
  { key: 'normType', type: 'integer', required: true },
  { key: 'numHiddenLayers', type: 'integer', required: true },
  { key: 'isFA', type: 'boolean', required: true },
  { key: 'numAttentionHeadsPerRank', type: 'integer', required: true },
  { key: 'hiddenSizePerAttentionHead', type: 'integer', required: true },
  { key: 'numKeyValueHeadsPerRank', type: 'integer', required: true },
  { key: 'lmHeadTransposeType', type: 'integer', required: true },
  { key: 'backend', type: 'string', required: true },
  { key: 'rank', type: 'integer', required: true },
  { key: 'worldSize', type: 'integer', required: true },
  // Guarded by `contains` in ParseMatmulParam, but DecoderModel::SetLayerParam indexes it per layer unchecked.
  { key: 'linearTransposeType', type: 'array', required: true, perLayer: true },
  { key: 'skipWordEmbedding', type: 'boolean', required: false },
  { key: 'positionEmbeddingType', type: 'integer', required: false },
  { key: 'weightQuantType', type: 'string', required: false },
  { key: 'isEdgeHardware', type: 'boolean', required: false },
  { key: 'enablePrefixCache', type: 'boolean', required: false },
  { key: 'isAntiOutlier', type: 'array', required: false, perLayer: true },
  { key: 'enableKvQuant', type: 'boolean', required: false },
  { key: 'enableFA3', type: 'boolean', required: false },
  { key: 'enableSpeculate', type: 'boolean', required: false },
  { key: 'enableSplitFuse', type: 'boolean', required: false },
  { key: 'enableCompressHead', type: 'boolean', required: false },
  { key: 'useQKNorm', type: 'boolean', required: false },
  { key: 'enableSwiGLU', type: 'boolean', required: false },
  { key: 'packQuantType', type: 'array', required: false, perLayer: true },
  { key: 'linearQuantType', type: 'array', required: false, perLayer: true },
  { key: 'linearHasBias', type: 'array', required: false, perLayer: true },
  { key: 'linearDescs', type: 'array', required: false, perLayer: true },
  { key: 'enableReduceQuant', type: 'boolean', required: false },
  { key: 'enableLora', type: 'boolean', required: false },
  { key: 'quantGroupSize', type: 'integer', required: false },
  { key: 'isEmbeddingParallel', type: 'boolean', required: false },
  { key: 'isLmHeadParallel', type: 'boolean', required: false },
  { key: 'rankTableFile', type: 'string', required: false },
  { key: 'enableLcoc', type: 'boolean', required: false },
  { key: 'enableIntraLayerAddNorm', type: 'boolean', required: false },
  { key: 'enableInterLayerAddNorm', type: 'boolean', required: false },
  { key: 'memPoolType', type: 'integer', required: false, since: 'v3.0.0' },
  { key: 'pipeKey', type: 'string', required: false, since: 'v3.0.0' },
];

/** Keys python code commonly sends that no v3 C++ reads: never emit them (spec section 6). */
export const KEYS_NO_CPP_READS = ['enableAddNorm', 'enablePreFetchWeight', 'tpRankRoot', 'isMlpFullTP', 'pipekey', 'rmsNormEps', 'supportSwiGLU', 'kvQuant', 'supportLcoc', 'supportSpeculate'];

/** Execute-time JSON keys `DecoderModel::ParseParam(std::string)` reads. */
export const BASE_EXECUTE_KEYS: readonly ParamKey[] = [
  { key: 'seqLen', type: 'array', required: true },
  { key: 'tokenOffset', type: 'array', required: false },
  { key: 'qLen', type: 'array', required: false },
  { key: 'isNeedMask', type: 'array', required: false, since: 'v3.0.0' },
];

/** `inTensorCandidates["default"]` of the base DecoderModel, in index order. */
export const BASE_DEFAULT_INPUTS: readonly string[] = [
  'input_ids', 'positional_ids', 'cosine_table', 'sine_table', 'attention_mask',
  'block_tables', 'slots', 'kv_cache_idx', 'token_offset', 'place_holder', 'seq_len', 'logits_indices',
];

/** Base weight counts (`weightCountPerLayer` etc.) and the feature increments this generator uses. */
export const BASE_WEIGHTS = {
  embedding: 1,
  perLayer: 50,
  qkNormPerLayer: 2,
  finalNorm: { rms: 1, layer: 2 },
  lmHead: 1,
} as const;

export function keysFor(version: MindieVersion, keys: readonly ParamKey[] = BASE_MODEL_PARAM_KEYS): ParamKey[] {
  const order = MINDIE_VERSIONS.indexOf(version);
  return keys.filter((k) => !k.since || MINDIE_VERSIONS.indexOf(k.since) <= order);
}

export function isMindieVersion(v: string): v is MindieVersion {
  return (MINDIE_VERSIONS as readonly string[]).includes(v);
}

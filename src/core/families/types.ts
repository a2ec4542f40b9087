/**
 * The model-family catalogue's shapes. A family entry (families.yaml) says what the transformers
 * implementation of one `model_type` computes and how its checkpoint names tensors; the model
 * reader resolves it against config.json and the weight names into `ResolvedFamily` plus the
 * quirks this one model actually has (`QuirkUse[]`). Generators and the operator analysis read
 * these facts; none of them keeps its own list of model types.
 */

export type NormKind = 'rms' | 'rms+1' | 'layer';
/** `contiguous` is [q; k; v] in order; `grouped` interleaves rows per KV group. */
export type QkvPacking = 'separate' | 'contiguous' | 'grouped';
/** `contiguous` is [gate; up] in one tensor. */
export type GateUpPacking = 'separate' | 'contiguous';
export type MlpKind = 'gated' | 'plain';
export type PositionKind = 'rope' | 'alibi' | 'learned' | 'none';
/** `half`: rotate_half over the whole (or the rotary part of the) head; `interleaved`: even/odd pairs;
 *  `chatglm-2d`: ChatGLM's interleaved pairs on the first half of each head only. */
export type RopeStyle = 'half' | 'interleaved' | 'chatglm-2d';

/** Tensor names. Top-level names are full (`model.embed_tokens`); the rest are relative to their parent. */
export interface FamilyNaming {
  /** The module holding `<layers>.N` (e.g. `model`, `transformer`, `model.language_model`). */
  root: string;
  layers: string;
  embed: string;
  finalNorm: string;
  /** Full name of the head (`lm_head`); the weights may lack it when tied. */
  lmHead: string;
  /** Learned absolute positions (`transformer.wpe`), when the family has them. */
  positionEmbed?: string;
  /** Relative to a layer. */
  attn: string;
  /** Relative to `attn`: q, k, v (three) or the packed tensor (one). */
  qkv: string[];
  o: string;
  mlp: string;
  /** Relative to `mlp`: gate then up (two), the packed tensor (one), or none for a plain MLP. */
  gateUp: string[];
  /** The up projection of a plain (un-gated) MLP. */
  up?: string;
  down: string;
  /** Relative to a layer: the norm before attention (absent for olmo2's post-norm layers). */
  inputNorm: string;
  /** Relative to a layer: the norm before the MLP; absent for a parallel-residual block with one norm. */
  postNorm?: string;
  /** Relative to a layer: norm on the attention output before the residual add (gemma2, glm4, olmo2). */
  attnOutNorm?: string;
  /** Relative to a layer: norm on the MLP output before the residual add (gemma2, glm4, olmo2). */
  mlpOutNorm?: string;
  /** Relative to `attn`. */
  qNorm?: string;
  kNorm?: string;
  /** Norms beyond the two (gemma2's pre/post feed-forward norms), relative to a layer. */
  extraNorms?: string[];
}

export interface RopeFacts {
  style: RopeStyle;
  /** Config keys giving the rotary fraction of a head (first present wins). */
  partialKeys?: string[];
  /** The fraction when no key says (chatglm: 0.5). */
  partialDefault?: number;
  /** Config key of a second rope base for local (sliding) layers (gemma3). */
  localBaseKey?: string;
  /** Multimodal rope sections (qwen2-vl's mrope); text-only positions make them plain rope. */
  mrope?: boolean;
}

/** A scalar read from config.json that scales something. */
export interface ScaleFacts {
  /** `sqrt-hidden`: multiply by sqrt(hidden_size); `key`: multiply by config[key]. */
  kind: 'sqrt-hidden' | 'key' | 'key-over-sqrt-layers' | 'inverse-key' | 'hidden-over-key';
  key?: string;
}

export interface MoeFacts {
  /** Layer-relative module of the sparse block (`block_sparse_moe`, `mlp`). */
  module: string;
  expertsKeys: string[];
  topKKeys: string[];
  /** Config keys whose positive value means shared (always-on) experts. */
  sharedKeys?: string[];
  /** Config key: layers below this index are dense (`first_k_dense_replace`). */
  firstDenseKey?: string;
}

export interface MultimodalFacts {
  /** config.json key holding the language model's config. */
  textConfigKey: string;
  /** model_type of the text model when the nested config does not state one. */
  textModelType: string;
  /**
   * Where the language model's tensors live, tried in order (the weights decide): the text
   * family's `root` is replaced by `root` here (`model.embed_tokens` -> `language_model.model.embed_tokens`)
   * and `headPrefix` is put before its head (`lm_head` -> `language_model.lm_head`).
   */
  prefixes: { root: string; headPrefix: string }[];
  /** The parts that are not the language model (for the "not generated" message). */
  vision: string;
}

/** Config-driven switches: each names the config keys that turn a quirk on. */
export interface ConfigSwitches {
  /** Sliding-window attention: the window key, and an optional key that must be true. */
  slidingWindow?: { key: string; enableKey?: string; alternating?: boolean };
  attnSoftcapKey?: string;
  finalSoftcapKey?: string;
  /** Attention score scale from config (gemma2 query_pre_attn_scalar, granite attention_multiplier). */
  attnScale?: { key: string; kind: 'inverse-sqrt' | 'multiplier' };
  logitScale?: ScaleFacts;
  residualScale?: ScaleFacts;
  /** Config keys whose boolean says q/k/v have a bias (first present wins). */
  qkvBiasKeys?: string[];
  /** Config keys whose boolean says the output projection has a bias (llama's attention_bias). */
  oBiasKeys?: string[];
  /** Config keys whose boolean says the per-head q/k norm is used. */
  qkNormKeys?: string[];
  /** Config keys whose boolean turns on the parallel residual. */
  parallelResidualKeys?: string[];
  /** Layer indexes with cross-attention (mllama's `cross_attention_layers`). */
  crossAttentionKey?: string;
  /** Boolean key turning on dynamic NTK rope scaling (Qwen-1's use_dynamic_ntk). */
  dynamicNtkKey?: string;
  /** Boolean key turning on log-n query scaling past the trained length (Qwen-1's use_logn_attn). */
  lognAttnKey?: string;
  /**
   * The trained context length that dynamicNtkKey and lognAttnKey key off (Qwen-1's seq_length): up to
   * it both are the identity, so a generator that bounds positions by it stays exact.
   */
  trainedLengthKey?: string;
  /** Boolean key switching rope for alibi (falcon's alibi). */
  alibiKey?: string;
  /** Boolean key: true = RMSNorm, false = LayerNorm (chatglm's rmsnorm). */
  rmsNormKey?: string;
}

/** What the catalogue says about one family (after `like:` inheritance). */
export interface FamilyFacts {
  /** Catalogue id (the model_type, or `<model_type>/<architecture>` for a variant). */
  id: string;
  /** transformers files the facts come from. */
  source: string;
  naming: FamilyNaming;
  qkvPacking: QkvPacking;
  gateUpPacking: GateUpPacking;
  mlp: MlpKind;
  norm: NormKind;
  /** Default activation (config.json's hidden_act / hidden_activation wins). */
  activation: string;
  position: PositionKind;
  rope?: RopeFacts;
  embedScale?: ScaleFacts;
  qkvBias: boolean;
  oBias: boolean;
  mlpBias: boolean;
  qkNorm: boolean;
  /** LayerNorm on q/k over the whole projection rather than per head (cohere, olmo2). */
  qkNormScope?: 'head' | 'projection';
  parallelResidual: boolean;
  /** `pre` (llama), `sandwich` (gemma2/glm4: extra norms on the block outputs), `post` (olmo2: only on outputs). */
  normPlacement?: 'pre' | 'sandwich' | 'post';
  /** lm_head has a bias (phi). */
  headBias: boolean;
  /** Whether tie_word_embeddings defaults to true for this family. */
  tieDefault: boolean;
  config: ConfigSwitches;
  moe?: MoeFacts;
  /** Multi-head latent attention (deepseek_v2/v3). */
  mla: boolean;
  /** lm_head rows are L2-normalised at inference (Baichuan2's NormHead). */
  normHead: boolean;
  multimodal?: MultimodalFacts;
  /** Free text for the wizard (not translated: names and formulas). */
  notes?: string;
  /**
   * The configuration class's defaults (configuration_<family>.py), for nested text configs that leave
   * out what equals the default (llava's text_config has no hidden_size).
   */
  configDefaults?: Record<string, number | string | boolean | null>;
}

/** Where a resolved fact came from. */
export type FactOrigin = 'catalogue' | 'config' | 'weights' | 'default';
export interface FactSource {
  origin: FactOrigin;
  /** e.g. `families.yaml: gemma`, `config.json: hidden_act`, `model.safetensors.index.json: ...qkv_proj.weight`. */
  where: string;
}

/** The keys of ResolvedFamily whose source is tracked. */
export type FactKey =
  | 'family'
  | 'naming'
  | 'qkvPacking'
  | 'gateUpPacking'
  | 'mlp'
  | 'norm'
  | 'activation'
  | 'position'
  | 'rope'
  | 'embedScale'
  | 'qkvBias'
  | 'qkNorm'
  | 'moe'
  | 'mla'
  | 'multimodal';

/** A family's facts resolved for one model folder, with each fact's source. */
export interface ResolvedFamily extends FamilyFacts {
  /** The catalogue entry used (`unknown` when the model_type is not catalogued). */
  catalogued: boolean;
  /** Activation after config.json. */
  activation: string;
  /** Rotary fraction of the head (1 = full) after config.json. */
  rotaryFraction: number;
  /** `rope_scaling` type after config.json (`default` when none). */
  ropeScaling: string;
  sources: Partial<Record<FactKey, FactSource>>;
}

/**
 * Every quirk a model can have that a generator must either compute or refuse. Stable ids: the
 * per-target capability tables (src/core/generate/support.ts) are keyed by them.
 */
export const QUIRK_IDS = [
  'mapped-names',
  'packed-qkv',
  'grouped-qkv',
  'packed-gate-up',
  'plain-mlp',
  'gelu-mlp',
  'activation',
  'norm-plus-one',
  'layernorm',
  'qkv-bias',
  'o-bias',
  'mlp-bias',
  'qk-norm',
  'qk-norm-projection',
  'partial-rotary',
  'rope-interleaved',
  'rope-2d',
  'rope-scaling-linear',
  'rope-scaling-llama3',
  'rope-scaling-dynamic',
  'logn-attn',
  'rope-scaling-yarn',
  'rope-scaling-longrope',
  'rope-scaling-other',
  'rope-local-base',
  'mrope',
  'alibi',
  'learned-positions',
  'embed-scale',
  'sliding-window',
  'attn-softcap',
  'final-softcap',
  'attn-scale',
  'logit-scale',
  'residual-scale',
  'sandwich-norm',
  'post-norm',
  'parallel-residual',
  'head-bias',
  'tied-head',
  'moe',
  'shared-experts',
  'mla',
  'norm-head',
  'cross-attention',
  'vision-tower',
] as const;
export type QuirkId = (typeof QUIRK_IDS)[number];

/** One quirk this model has. */
export interface QuirkUse {
  id: QuirkId;
  /** Short non-translated detail: names, values (`gelu_pytorch_tanh`, `factor 8.0`, `qkv_proj`). */
  detail: string;
  /** Where it was found (config key, weight name or catalogue entry). */
  source: string;
}

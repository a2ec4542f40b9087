/**
 * Reads a transformers model folder (config.json, generation_config.json, the safetensors index or
 * headers, quant_model_description*.json) into a ModelSpec, with where every value came from and
 * the problems a migration to MindIE's torch-like v3 graph will meet. Never reads tensor data.
 */
import type { FileReader } from '../common';
import { msg, type Message } from '../i18n';
import {
  CANONICAL_KEY,
  CONFIG_KEYS,
  LAYERNORM_MODEL_TYPES,
  MOE_EXPERT_KEYS,
  MOE_TOPK_KEYS,
  NESTED_TEXT_CONFIG_KEYS,
  PLUS_ONE_NORM_MODEL_TYPES,
  SWIGLU_ACTIVATIONS,
  type ConfigDim,
} from './configKeys';
import { detectLayout, STANDARD_LAYOUT, type WeightLayout } from './layout';
import { checkQuant, type QuantInfo } from './quant';
import { readSafetensorsHeader } from './safetensors';
import { builtinFamilies, resolveFamily, type FamilyCatalogue, type FamilyConflict, type QuirkUse, type ResolvedFamily, type WeightEvidence } from '../families';
import './messages';

export interface Finding {
  key: string;
  label: Message;
  value: string | number | boolean | null;
  /** e.g. 'config.json: num_key_value_heads' */
  source: string;
}

export interface Problem {
  severity: 'error' | 'warning' | 'info';
  code: string;
  message: Message;
  hint?: Message;
}

export type AttentionKind = 'MHA' | 'GQA' | 'MQA';

export interface ModelSpec {
  /** The folder read (as given). */
  dir: string;
  /** config.json's model_type ('' when absent). */
  modelType: string;
  architecture?: string;
  hiddenSize: number;
  intermediateSize?: number;
  numLayers: number;
  numHeads: number;
  numKvHeads: number;
  attention: AttentionKind;
  headDim: number;
  /** Whether config.json states head_dim (otherwise hidden / heads). */
  explicitHeadDim: boolean;
  vocabSize: number;
  maxPositions?: number;
  norm: 'RMSNorm' | 'LayerNorm';
  normEps?: number;
  activation: string;
  rope: { theta?: number; scaling: Record<string, unknown> | null; partialRotary?: number };
  qkvBias: boolean;
  qkNorm: boolean;
  tiedEmbeddings: boolean;
  /** True when tied and the weights have no lm_head: the head must reuse the embedding. */
  lmHeadFromEmbedding: boolean;
  moe?: { experts: number; topK?: number; module?: string };
  mla: boolean;
  dtype?: string;
  transformersVersion?: string;
  /** Which config.json key answered each dimension (for the generated config's aliases). */
  configKeys: Partial<Record<ConfigDim, string>>;
  /** The (merged, text-model) config as read: generated defaults come from here. */
  config: Record<string, unknown>;
  weights: { source: 'index' | 'headers' | 'bin-index' | 'none'; files: string[]; count: number; layout: WeightLayout };
  quant?: QuantInfo;
  /** The family's facts resolved from catalogue, config.json and weight names, each with its source. */
  family: ResolvedFamily;
  /** Every quirk this model has: each generator implements or refuses each one (generate/support.ts). */
  quirks: QuirkUse[];
  /** Where catalogue, config.json and weights disagree (also reported as problems). */
  conflicts: FamilyConflict[];
}

export interface ReadOptions {
  /** The family catalogue (default: the built-in one registered by the front door). */
  families?: FamilyCatalogue;
}

export interface ReadResult {
  spec?: ModelSpec;
  findings: Finding[];
  problems: Problem[];
}

/** Metadata files larger than this are refused (a real 70B index is about 100 KB). */
export const MAX_METADATA_BYTES = 64 * 1024 * 1024;

type Json = Record<string, unknown>;

const join = (dir: string, name: string) => (dir.endsWith('/') || dir.endsWith('\\') ? dir + name : `${dir}/${name}`);
const isObject = (v: unknown): v is Json => !!v && typeof v === 'object' && !Array.isArray(v);

async function readJson(reader: FileReader, dir: string, file: string, problems: Problem[], severity: Problem['severity']): Promise<Json | undefined | null> {
  const path = join(dir, file);
  const size = await reader.size(path);
  if (size === undefined) return undefined;
  if (size > MAX_METADATA_BYTES) {
    problems.push({ severity, code: 'modelDir.too-large', message: msg('modelDir.too-large', { file, size, limit: MAX_METADATA_BYTES }) });
    return null;
  }
  let text: string | undefined;
  try {
    text = await reader.readText(path);
  } catch (error) {
    problems.push({ severity, code: 'modelDir.io', message: msg('modelDir.io', { file, detail: (error as Error).message }) });
    return null;
  }
  if (text === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (error) {
    problems.push({ severity, code: 'modelDir.bad-json', message: msg('modelDir.bad-json', { file, detail: (error as Error).message }), hint: msg('modelDir.bad-json.hint', { file }) });
    return null;
  }
  if (!isObject(value)) {
    problems.push({ severity, code: 'modelDir.not-object', message: msg('modelDir.not-object', { file }) });
    return null;
  }
  return value;
}

export async function readModelFolder(reader: FileReader, dir: string, onProgress?: (m: Message) => void, options: ReadOptions = {}): Promise<ReadResult> {
  const findings: Finding[] = [];
  const problems: Problem[] = [];
  const entries = await reader.list(dir);
  if (!entries) {
    problems.push({ severity: 'error', code: 'modelDir.not-found', message: msg('modelDir.not-found', { dir }) });
    return { findings, problems };
  }
  const fileNames = entries.filter((e) => !e.isDirectory).map((e) => e.name).sort();
  if (!fileNames.includes('config.json')) {
    problems.push({ severity: 'error', code: 'modelDir.no-config', message: msg('modelDir.no-config', { dir }), hint: msg('modelDir.no-config.hint') });
    return { findings, problems };
  }
  onProgress?.(msg('modelDir.progress.config', { file: 'config.json' }));
  const top = await readJson(reader, dir, 'config.json', problems, 'error');
  if (!top) return { findings, problems };

  // Multimodal configs nest the language model; its own fields win, the top level fills gaps.
  let config: Json = top;
  let configPrefix = '';
  const topType = typeof top.model_type === 'string' ? top.model_type : '';
  if (!CONFIG_KEYS.hiddenSize.some((k) => k in top)) {
    const nestedKey = NESTED_TEXT_CONFIG_KEYS.find((k) => isObject(top[k]));
    if (nestedKey) {
      const nested = top[nestedKey] as Json;
      config = { ...top, ...nested };
      configPrefix = nestedKey + '.';
      problems.push({ severity: 'warning', code: 'modelDir.multimodal', message: msg('modelDir.multimodal', { modelType: topType || '?' }) });
      problems.push({ severity: 'info', code: 'modelDir.nested-config', message: msg('modelDir.nested-config', { key: nestedKey, modelType: String(nested.model_type ?? '?') }) });
    }
  }
  const nestedKeys = new Set(configPrefix ? Object.keys(top[configPrefix.slice(0, -1)] as Json) : []);
  const sourceOf = (key: string) => `config.json: ${nestedKeys.has(key) ? configPrefix : ''}${key}`;

  // generation_config.json is merged in for keys config.json lacks.
  let generation: Json | undefined;
  if (fileNames.includes('generation_config.json')) {
    onProgress?.(msg('modelDir.progress.config', { file: 'generation_config.json' }));
    generation = (await readJson(reader, dir, 'generation_config.json', problems, 'warning')) ?? undefined;
  }
  const merged: Json = { ...(generation ?? {}), ...config };

  const configKeys: Partial<Record<ConfigDim, string>> = {};
  const lookup = (dim: ConfigDim): { value: unknown; key: string } | undefined => {
    for (const key of CONFIG_KEYS[dim]) {
      if (config[key] !== undefined && config[key] !== null) {
        configKeys[dim] = key;
        return { value: config[key], key };
      }
    }
    return undefined;
  };
  const positiveInt = (dim: ConfigDim, required: boolean): { value: number; source: string } | undefined => {
    const found = lookup(dim);
    if (!found) {
      if (required) {
        problems.push({
          severity: 'error',
          code: 'modelDir.missing-field',
          message: msg('modelDir.missing-field', { field: CANONICAL_KEY[dim], keys: CONFIG_KEYS[dim].join(', ') }),
          hint: msg('modelDir.missing-field.hint', { field: CANONICAL_KEY[dim] }),
        });
      }
      return undefined;
    }
    if (typeof found.value !== 'number' || !Number.isInteger(found.value) || found.value <= 0) {
      problems.push({ severity: 'error', code: 'modelDir.bad-number', message: msg('modelDir.bad-number', { key: found.key, value: JSON.stringify(found.value) }) });
      return undefined;
    }
    return { value: found.value, source: sourceOf(found.key) };
  };

  const modelType = typeof config.model_type === 'string' ? config.model_type : '';
  const architecture = Array.isArray(top.architectures) && typeof top.architectures[0] === 'string' ? (top.architectures[0] as string) : undefined;
  findings.push({ key: 'modelType', label: msg('modelDir.f.modelType'), value: modelType || null, source: sourceOf('model_type') });
  if (architecture) findings.push({ key: 'architecture', label: msg('modelDir.f.architecture'), value: architecture, source: 'config.json: architectures[0]' });
  if (!modelType) {
    problems.push({ severity: 'warning', code: 'modelDir.no-model-type', message: msg('modelDir.no-model-type'), hint: msg('modelDir.no-model-type.hint') });
  }

  const hidden = positiveInt('hiddenSize', true);
  const layers = positiveInt('numLayers', true);
  const heads = positiveInt('numHeads', true);
  const vocab = positiveInt('vocabSize', true);
  const intermediate = positiveInt('intermediateSize', false);
  let kv = positiveInt('numKvHeads', false);
  // ChatGLM states multi_query_group_num but only uses it when multi_query_attention is set.
  if (kv && configKeys.numKvHeads === 'multi_query_group_num' && config.multi_query_attention === false) kv = undefined;
  const explicitHeadDim = positiveInt('headDim', false);
  const maxPositions = positiveInt('maxPositions', false);
  if (hidden) findings.push({ key: 'hiddenSize', label: msg('modelDir.f.hidden'), value: hidden.value, source: hidden.source });
  if (intermediate) findings.push({ key: 'intermediateSize', label: msg('modelDir.f.intermediate'), value: intermediate.value, source: intermediate.source });
  if (layers) findings.push({ key: 'numLayers', label: msg('modelDir.f.layers'), value: layers.value, source: layers.source });
  if (heads) findings.push({ key: 'numHeads', label: msg('modelDir.f.heads'), value: heads.value, source: heads.source });
  const kvHeads = kv?.value ?? heads?.value;
  if (heads) {
    findings.push({ key: 'numKvHeads', label: msg('modelDir.f.kvHeads'), value: kvHeads ?? null, source: kv?.source ?? `${heads.source} (no num_key_value_heads: same as heads)` });
  }
  let attention: AttentionKind = 'MHA';
  if (heads && kvHeads) {
    attention = kvHeads === heads.value ? 'MHA' : kvHeads === 1 ? 'MQA' : 'GQA';
    findings.push({ key: 'attention', label: msg('modelDir.f.attention'), value: attention, source: kv?.source ?? heads.source });
    if (heads.value % kvHeads !== 0) {
      problems.push({ severity: 'error', code: 'modelDir.heads-divide', message: msg('modelDir.heads-divide', { heads: heads.value, kvHeads }) });
    }
  }
  let headDim = 0;
  if (hidden && heads) {
    const derived = hidden.value / heads.value;
    headDim = explicitHeadDim?.value ?? derived;
    findings.push({ key: 'headDim', label: msg('modelDir.f.headDim'), value: headDim, source: explicitHeadDim?.source ?? `${hidden.source} / ${configKeys.numHeads}` });
    if (explicitHeadDim && explicitHeadDim.value !== derived) {
      problems.push({ severity: 'info', code: 'modelDir.head-dim', message: msg('modelDir.head-dim', { headDim: explicitHeadDim.value, derived: Number.isInteger(derived) ? derived : derived.toFixed(2) }) });
    }
  }
  if (vocab) findings.push({ key: 'vocabSize', label: msg('modelDir.f.vocab'), value: vocab.value, source: vocab.source });
  if (maxPositions) findings.push({ key: 'maxPositions', label: msg('modelDir.f.maxPositions'), value: maxPositions.value, source: maxPositions.source });

  // Weights: the index, else the safetensors headers, else a .bin index.
  // Names in the order read (an index lists each once; shards never share a tensor).
  let names: string[] = [];
  let weightSource: ModelSpec['weights']['source'] = 'none';
  const weightFiles: string[] = [];
  let corrupt = false;
  if (fileNames.includes('model.safetensors.index.json')) {
    const size = (await reader.size(join(dir, 'model.safetensors.index.json'))) ?? 0;
    onProgress?.(msg('modelDir.progress.index', { size }));
    const index = await readJson(reader, dir, 'model.safetensors.index.json', problems, 'warning');
    if (index && isObject(index.weight_map)) {
      weightSource = 'index';
      weightFiles.push('model.safetensors.index.json');
      names = Object.keys(index.weight_map);
    } else if (index) {
      problems.push({ severity: 'warning', code: 'modelDir.index-no-map', message: msg('modelDir.index-no-map', { file: 'model.safetensors.index.json' }) });
    }
  }
  const shards = fileNames.filter((f) => f.endsWith('.safetensors'));
  if (weightSource === 'none' && shards.length) {
    onProgress?.(msg('modelDir.progress.headers', { count: shards.length }));
    weightSource = 'headers';
    for (const shard of shards) {
      const header = await readSafetensorsHeader(reader, join(dir, shard), shard);
      if (!header.ok) {
        corrupt = true;
        problems.push({ severity: 'error', code: header.message.code, message: header.message, hint: header.hint });
        continue;
      }
      weightFiles.push(shard);
      for (const name of header.names) names.push(name);
    }
  }
  if (weightSource === 'none') {
    const binIndex = fileNames.find((f) => f === 'pytorch_model.bin.index.json');
    const bin = binIndex ?? fileNames.find((f) => f.endsWith('.bin') && f.startsWith('pytorch_model'));
    if (binIndex) {
      const index = await readJson(reader, dir, binIndex, problems, 'warning');
      if (index && isObject(index.weight_map)) {
        weightSource = 'bin-index';
        weightFiles.push(binIndex);
        names = Object.keys(index.weight_map);
      }
    }
    if (bin) problems.push({ severity: 'warning', code: 'modelDir.bin-weights', message: msg('modelDir.bin-weights', { file: bin }) });
    if (weightSource === 'none') {
      problems.push({ severity: 'warning', code: 'modelDir.no-weights', message: msg('modelDir.no-weights'), hint: msg('modelDir.no-weights.hint') });
    }
  }
  const known = names.length > 0;
  const layout = known ? detectLayout(names, modelType, layers?.value) : { ...STANDARD_LAYOUT };
  if (known) {
    findings.push({ key: 'weights', label: msg('modelDir.f.weights'), value: names.length, source: weightFiles.join(', ') });
    findings.push({ key: 'layout', label: msg('modelDir.f.layout'), value: layout.family === 'standard' ? `${layout.root}.${layout.layersKey}.N` : `${layout.family}: ${layout.root}.${layout.layersKey}.N.${layout.attn}.${layout.qkv.join('/')}`, source: weightFiles[0] });
    if (layout.family === 'standard') {
      problems.push({ severity: 'info', code: 'modelDir.layout.standard', message: msg('modelDir.layout.standard', { root: layout.root }) });
    } else if (layout.family === 'mapped') {
      problems.push({ severity: 'info', code: 'modelDir.layout.mapped', message: msg('modelDir.layout.mapped', { family: modelType || architecture || '?', detail: mappedDetail(layout) }) });
    } else {
      problems.push({ severity: 'warning', code: 'modelDir.layout.unknown', message: msg('modelDir.layout.unknown', { names: layout.layer0.slice(0, 8).join(', ') || names.slice(0, 5).join(', ') }), hint: msg('modelDir.layout.unknown.hint') });
    }
    if (layout.qkv.length === 1 && !layout.mla) {
      problems.push({
        severity: layout.qkvPacking === 'grouped' ? 'warning' : 'info',
        code: 'modelDir.packed-qkv',
        message: msg('modelDir.packed-qkv', { modelType: modelType || '?', name: layout.qkv[0] }),
        hint: msg(layout.qkvPacking === 'grouped' ? 'modelDir.packed-qkv.grouped' : 'modelDir.packed-qkv.contiguous'),
      });
    }
    if (layout.gateUp.length === 1) {
      problems.push({ severity: 'info', code: 'modelDir.packed-gate-up', message: msg('modelDir.packed-gate-up', { name: layout.gateUp[0] }) });
    }
    if (!layout.gateUp.length && layout.up) {
      problems.push({ severity: 'warning', code: 'modelDir.plain-mlp', message: msg('modelDir.plain-mlp', { names: `${layout.up}, ${layout.down}` }) });
    }
  }

  // Norm
  const normOnWeights = known && names.some((n) => n.endsWith(`.${layout.inputNorm}.bias`));
  const norm: ModelSpec['norm'] = normOnWeights || LAYERNORM_MODEL_TYPES.includes(modelType) || config.rmsnorm === false ? 'LayerNorm' : 'RMSNorm';
  findings.push({ key: 'norm', label: msg('modelDir.f.norm'), value: norm, source: normOnWeights ? `${weightFiles[0]}: ${layout.inputNorm}.bias` : config.rmsnorm !== undefined ? sourceOf('rmsnorm') : sourceOf('model_type') });
  const eps = lookup('normEps');
  if (eps && typeof eps.value === 'number') findings.push({ key: 'normEps', label: msg('modelDir.f.normEps'), value: eps.value, source: sourceOf(eps.key) });
  if (norm === 'LayerNorm') problems.push({ severity: 'warning', code: 'modelDir.layernorm', message: msg('modelDir.layernorm') });
  if (PLUS_ONE_NORM_MODEL_TYPES.includes(modelType)) problems.push({ severity: 'warning', code: 'modelDir.gemma-norm', message: msg('modelDir.gemma-norm', { modelType }) });

  // Activation
  const act = lookup('activation');
  const activation = typeof act?.value === 'string' ? act.value : config.swiglu === true || modelType === 'chatglm' ? 'swiglu' : 'silu';
  findings.push({ key: 'activation', label: msg('modelDir.f.activation'), value: activation, source: act ? sourceOf(act.key) : `${sourceOf('model_type')} (default)` });
  if (!SWIGLU_ACTIVATIONS.includes(activation)) {
    problems.push({ severity: 'warning', code: 'modelDir.activation', message: msg('modelDir.activation', { act: activation }), hint: msg('modelDir.activation.hint') });
  }

  // RoPE
  const theta = lookup('ropeTheta');
  const scaling = isObject(config.rope_scaling) ? (config.rope_scaling as Json) : null;
  const partial = typeof config.partial_rotary_factor === 'number' ? config.partial_rotary_factor : typeof config.rotary_pct === 'number' ? config.rotary_pct : undefined;
  if (theta && typeof theta.value === 'number') findings.push({ key: 'ropeTheta', label: msg('modelDir.f.ropeTheta'), value: theta.value, source: sourceOf(theta.key) });
  const scalingType = scaling ? String(scaling.rope_type ?? scaling.type ?? '?') : null;
  findings.push({ key: 'ropeScaling', label: msg('modelDir.f.ropeScaling'), value: scaling ? `${scalingType} x${scaling.factor ?? '?'}` : null, source: sourceOf('rope_scaling') });
  if (scaling) {
    problems.push({ severity: 'info', code: 'modelDir.rope-scaling', message: msg('modelDir.rope-scaling', { type: scalingType ?? '?', factor: String(scaling.factor ?? '?') }) });
  }
  if (partial !== undefined && partial < 1) {
    problems.push({ severity: 'warning', code: 'modelDir.partial-rotary', message: msg('modelDir.partial-rotary', { detail: `${config.partial_rotary_factor !== undefined ? 'partial_rotary_factor' : 'rotary_pct'} = ${partial}` }) });
  }

  // q/k/v bias: the weights win over the config.
  const configBiasKey = ['attention_bias', 'qkv_bias', 'add_qkv_bias', 'bias'].find((k) => typeof config[k] === 'boolean');
  const configBias = configBiasKey ? (config[configBiasKey] as boolean) : modelType === 'qwen2' || modelType === 'qwen' ? true : undefined;
  const qkvBias = known && !layout.mla ? layout.qkvBias : configBias ?? false;
  findings.push({
    key: 'qkvBias',
    label: msg('modelDir.f.qkvBias'),
    value: qkvBias,
    source: known && !layout.mla ? `${weightFiles[0]}: ${layout.attn}.${layout.qkv[0]}.bias ${qkvBias ? 'present' : 'absent'}` : configBiasKey ? sourceOf(configBiasKey) : `${sourceOf('model_type')} (default)`,
  });
  if (known && configBiasKey && configBias !== undefined && configBias !== qkvBias && !layout.mla) {
    problems.push({ severity: 'warning', code: 'modelDir.bias-mismatch', message: msg('modelDir.bias-mismatch', { config: String(configBias), weights: qkvBias ? 'have' : 'lack' }) });
  }

  // Per-head q/k norm
  const configQk = ['use_qk_norm', 'qk_layernorm'].find((k) => typeof config[k] === 'boolean');
  const qkNorm = known ? !!(layout.qNorm && layout.kNorm) : configQk ? (config[configQk] as boolean) : modelType === 'qwen3';
  findings.push({ key: 'qkNorm', label: msg('modelDir.f.qkNorm'), value: qkNorm, source: known ? `${weightFiles[0]}: ${layout.attn}.${layout.qNorm ?? 'q_norm'} ${qkNorm ? 'present' : 'absent'}` : configQk ? sourceOf(configQk) : `${sourceOf('model_type')} (default)` });
  if (known && qkNorm) problems.push({ severity: 'info', code: 'modelDir.qk-norm-weights', message: msg('modelDir.qk-norm-weights') });

  // Tied embeddings and the head
  const tieStated = typeof config.tie_word_embeddings === 'boolean' ? (config.tie_word_embeddings as boolean) : undefined;
  const headMissing = known && !layout.lmHead;
  const tiedEmbeddings = tieStated ?? headMissing;
  findings.push({ key: 'tiedEmbeddings', label: msg('modelDir.f.tied'), value: tiedEmbeddings, source: tieStated !== undefined ? sourceOf('tie_word_embeddings') : 'transformers default (tie_word_embeddings absent)' });
  if (known) findings.push({ key: 'lmHead', label: msg('modelDir.f.lmHead'), value: layout.lmHead ? `${layout.lmHead}.weight` : null, source: weightFiles[0] });
  let lmHeadFromEmbedding = false;
  if (headMissing && tiedEmbeddings) {
    lmHeadFromEmbedding = true;
    problems.push({ severity: 'warning', code: 'modelDir.tied-no-lm-head', message: msg('modelDir.tied-no-lm-head', { prefix: layout.embed }), hint: msg('modelDir.tied-no-lm-head.hint') });
  } else if (headMissing) {
    problems.push({ severity: 'error', code: 'modelDir.no-lm-head', message: msg('modelDir.no-lm-head', { expected: 'lm_head.weight' }) });
  }

  // MoE and latent attention
  const expertsKey = MOE_EXPERT_KEYS.find((k) => typeof config[k] === 'number' && (config[k] as number) > 0);
  const topKKey = MOE_TOPK_KEYS.find((k) => typeof config[k] === 'number');
  let moe: ModelSpec['moe'];
  if (expertsKey || layout.moeModule !== undefined) {
    moe = { experts: expertsKey ? (config[expertsKey] as number) : 0, topK: topKKey ? (config[topKKey] as number) : undefined, module: layout.moeModule };
    findings.push({ key: 'moe', label: msg('modelDir.f.moe'), value: `${moe.experts || '?'} experts, top-${moe.topK ?? '?'}`, source: expertsKey ? sourceOf(expertsKey) : `${weightFiles[0]}: ${layout.moeModule}.experts.N` });
    problems.push({ severity: 'warning', code: 'modelDir.moe', message: msg('modelDir.moe', { experts: moe.experts || '?', topK: moe.topK ?? '?' }), hint: msg('modelDir.moe.hint') });
  } else {
    findings.push({ key: 'moe', label: msg('modelDir.f.moe'), value: false, source: known ? weightFiles[0] : 'config.json' });
  }
  const mla = layout.mla || typeof config.kv_lora_rank === 'number';
  if (mla) problems.push({ severity: 'warning', code: 'modelDir.mla', message: msg('modelDir.mla', { detail: `kv_lora_rank = ${String(config.kv_lora_rank ?? '?')}` }) });

  // dtype and version
  const dtypeFound = lookup('dtype');
  const dtype = typeof dtypeFound?.value === 'string' ? dtypeFound.value : undefined;
  if (dtype) {
    findings.push({ key: 'dtype', label: msg('modelDir.f.dtype'), value: dtype, source: sourceOf(dtypeFound!.key) });
    if (dtype !== 'float16' && dtype !== 'bfloat16') problems.push({ severity: 'info', code: 'modelDir.dtype', message: msg('modelDir.dtype', { dtype }) });
  }
  const transformersVersion = typeof top.transformers_version === 'string' ? top.transformers_version : undefined;
  if (transformersVersion) findings.push({ key: 'transformersVersion', label: msg('modelDir.f.transformers'), value: transformersVersion, source: 'config.json: transformers_version' });

  // Quantization
  let quant: QuantInfo | undefined;
  const descriptionFile = fileNames.find((f) => /^quant_model_description.*\.json$/.test(f));
  if (descriptionFile && layers) {
    const description = await readJson(reader, dir, descriptionFile, problems, 'error');
    if (description) {
      const checked = checkQuant(description, descriptionFile, layout, layers.value, known ? new Set(names) : undefined);
      quant = checked.info;
      findings.push(...checked.findings);
      problems.push(...checked.problems);
    }
  } else if (!descriptionFile && (config.quantize || config.quantization_config)) {
    problems.push({ severity: 'warning', code: 'modelDir.quant.no-description', message: msg('modelDir.quant.no-description', { detail: JSON.stringify(config.quantize ?? (config.quantization_config as Json)?.quant_method ?? 'quantization_config') }) });
  }

  if (!hidden || !layers || !heads || !vocab || corrupt) return { findings, problems };
  const catalogue = options.families ?? builtinFamilies();
  const evidence: WeightEvidence | undefined = known
    ? {
        file: weightFiles[0],
        naming: {
          root: layout.root,
          layers: layout.layersKey,
          embed: layout.embed,
          finalNorm: layout.finalNorm,
          lmHead: layout.lmHead ?? 'lm_head',
          attn: layout.attn,
          qkv: layout.qkv,
          o: layout.o,
          mlp: layout.mlp,
          gateUp: layout.gateUp,
          up: layout.up,
          down: layout.down,
          inputNorm: layout.inputNorm,
          postNorm: layout.postNorm,
          qNorm: layout.qNorm,
          kNorm: layout.kNorm,
        },
        qkvPacking: layout.qkvPacking,
        qkvBias: layout.qkvBias,
        qkNorm: !!(layout.qNorm && layout.kNorm),
        mla: layout.mla,
        moeModule: layout.moeModule,
        hasHead: !!layout.lmHead,
        complete: layout.family !== 'unknown',
      }
    : undefined;
  const resolved = resolveFamily({
    facts: catalogue.factsFor(modelType, architecture, config),
    modelType,
    config,
    sourceOf,
    headDim,
    hiddenSize: hidden.value,
    numLayers: layers.value,
    maxPositions: maxPositions?.value,
    weights: evidence,
    wrapper: configPrefix ? catalogue.factsFor(topType, architecture, top) : undefined,
    tiedHead: lmHeadFromEmbedding,
  });
  const spec: ModelSpec = {
    dir,
    modelType,
    architecture,
    hiddenSize: hidden.value,
    intermediateSize: intermediate?.value,
    numLayers: layers.value,
    numHeads: heads.value,
    numKvHeads: kvHeads ?? heads.value,
    attention,
    headDim,
    explicitHeadDim: !!explicitHeadDim,
    vocabSize: vocab.value,
    maxPositions: maxPositions?.value,
    norm,
    normEps: typeof eps?.value === 'number' ? eps.value : undefined,
    activation,
    rope: { theta: typeof theta?.value === 'number' ? theta.value : undefined, scaling, partialRotary: partial },
    qkvBias,
    qkNorm,
    tiedEmbeddings,
    lmHeadFromEmbedding,
    moe,
    mla,
    dtype,
    transformersVersion,
    configKeys,
    config: merged,
    weights: { source: weightSource, files: weightFiles, count: names.length, layout },
    quant,
    family: resolved.family,
    quirks: resolved.quirks,
    conflicts: resolved.conflicts,
  };
  return { spec, findings, problems };
}

function mappedDetail(layout: WeightLayout): string {
  const parts = [`${layout.root}.${layout.layersKey}.N`, `${layout.attn}.${layout.qkv.join('/')}`, `${layout.attn}.${layout.o}`];
  if (layout.gateUp.length) parts.push(`${layout.mlp}.${layout.gateUp.join('/')}`);
  parts.push(`${layout.mlp}.${layout.down}`, layout.inputNorm, layout.postNorm, layout.embed);
  if (layout.lmHead) parts.push(layout.lmHead);
  return parts.join(', ');
}

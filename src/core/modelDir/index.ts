/**
 * Reads a transformers model folder (config.json, generation_config.json, the safetensors index or
 * headers, quant_model_description*.json) into a ModelSpec, with where every value came from and
 * the problems a migration to MindIE's torch-like v3 graph will meet. Never reads tensor data.
 */
import type { FileReader } from '../common';
import { msg, type Message } from '../i18n';
import { CANONICAL_KEY, CONFIG_KEYS, type ConfigDim } from './configKeys';
import { detectLayout, layoutCandidates, STANDARD_LAYOUT, type WeightLayout } from './layout';
import { explainHfQuantization } from './hfQuant';
import { checkQuant, type QuantInfo } from './quant';
import { readSafetensorsHeader } from './safetensors';
import { builtinFamilies, resolveFamily, type FamilyCatalogue, type FamilyConflict, type FamilyNaming, type QuirkUse, type ResolvedFamily, type WeightEvidence } from '../families';
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
  /** The text model's model_type (differs from modelType for multimodal wrappers). */
  textModelType: string;
  /** Key of config.json nesting the text model's config (`text_config`), when there is one. */
  textConfigKey?: string;
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

/** Keys under which multimodal configs nest their language model: every wrapper's in the catalogue. */
function nestedTextConfigKeys(catalogue: FamilyCatalogue): string[] {
  const keys = new Set<string>();
  for (const id of catalogue.ids()) {
    const key = catalogue.entry(id)!.facts.multimodal?.textConfigKey;
    if (key) keys.add(key);
  }
  return [...keys];
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

  // Multimodal wrappers nest the language model's config (the catalogue says under which key); its own
  // fields win, the top level fills gaps. Nested sub-configs omit fields equal to their class defaults.
  const catalogue = options.families ?? builtinFamilies();
  // A broken workspace override is reported, not fatal: its bad entries were dropped when loading.
  for (const p of catalogue.problems) problems.push({ severity: 'warning', code: 'families.catalogue-problem', message: p.message, hint: msg('families.catalogue-problem.hint', { path: p.path, line: p.line + 1 }) });
  let config: Json = top;
  let configPrefix = '';
  const topType = typeof top.model_type === 'string' ? top.model_type : '';
  const topArchitecture = Array.isArray(top.architectures) && typeof top.architectures[0] === 'string' ? (top.architectures[0] as string) : undefined;
  const wrapper = catalogue.factsFor(topType, topArchitecture, top);
  const nestedKey =
    wrapper?.multimodal && isObject(top[wrapper.multimodal.textConfigKey])
      ? wrapper.multimodal.textConfigKey
      : !CONFIG_KEYS.hiddenSize.some((k) => k in top)
        ? nestedTextConfigKeys(catalogue).find((k) => isObject(top[k]))
        : undefined;
  let textDefaults: { values: Json; where: string } | undefined;
  if (nestedKey) {
    const nested = top[nestedKey] as Json;
    const textType = typeof nested.model_type === 'string' ? nested.model_type : (wrapper?.multimodal?.textModelType ?? '');
    config = { ...top, ...nested, model_type: textType };
    configPrefix = nestedKey + '.';
    const textArch = Array.isArray(nested.architectures) && typeof nested.architectures[0] === 'string' ? (nested.architectures[0] as string) : undefined;
    const textFacts = catalogue.factsFor(textType, textArch, config);
    if (textFacts?.configDefaults) textDefaults = { values: textFacts.configDefaults, where: `families.yaml: ${textFacts.id}.configDefaults` };
    problems.push({ severity: 'info', code: 'modelDir.nested-config', message: msg('modelDir.nested-config', { key: nestedKey, modelType: textType || '?' }) });
  }
  if (wrapper?.multimodal) {
    problems.push({ severity: 'warning', code: 'modelDir.multimodal', message: msg('modelDir.multimodal', { modelType: topType, vision: wrapper.multimodal.vision }), hint: msg('modelDir.multimodal.hint') });
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
  const lookup = (dim: ConfigDim): { value: unknown; key: string; source?: string } | undefined => {
    for (const key of CONFIG_KEYS[dim]) {
      if (config[key] !== undefined && config[key] !== null) {
        configKeys[dim] = key;
        return { value: config[key], key };
      }
    }
    // A nested text config leaves out what equals its class default: the catalogue has those defaults.
    const canonical = CANONICAL_KEY[dim];
    if (textDefaults && textDefaults.values[canonical] !== undefined && textDefaults.values[canonical] !== null) {
      config[canonical] = textDefaults.values[canonical];
      return { value: textDefaults.values[canonical], key: canonical, source: `${textDefaults.where}.${canonical}` };
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
    return { value: found.value, source: found.source ?? sourceOf(found.key) };
  };

  // MindIE picks the package by the top-level model_type; the family is the (nested) text model's.
  const modelType = topType;
  const textType = typeof config.model_type === 'string' ? config.model_type : '';
  const architecture = Array.isArray(top.architectures) && typeof top.architectures[0] === 'string' ? (top.architectures[0] as string) : undefined;
  findings.push({ key: 'modelType', label: msg('modelDir.f.modelType'), value: modelType || null, source: 'config.json: model_type' });
  if (configPrefix) findings.push({ key: 'textModelType', label: msg('modelDir.f.textModelType'), value: textType || null, source: nestedKeys.has('model_type') ? sourceOf('model_type') : `families.yaml: ${wrapper?.id ?? topType}.multimodal.textModelType` });
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
  }
  const known = names.length > 0;

  // The text model's family: for a multimodal wrapper, its language model's, with the wrapper's prefix.
  const textArchitecture = configPrefix && Array.isArray(config.architectures) && typeof config.architectures[0] === 'string' ? (config.architectures[0] as string) : architecture;
  let facts = catalogue.factsFor(textType, textArchitecture, config) ?? (wrapper && !configPrefix ? wrapper : undefined);
  let languagePrefix: { root: string; headPrefix: string } | undefined;
  if (facts && wrapper?.multimodal) {
    const layersKey = facts.naming.layers;
    const hasStack = (root: string) => names.some((n) => n.startsWith(`${root}.${layersKey}.0.`));
    languagePrefix = (known && wrapper.multimodal.prefixes.find((p) => hasStack(p.root))) || wrapper.multimodal.prefixes[0];
    facts = { ...facts, naming: prefixNaming(facts.naming, languagePrefix) };
  }
  // Without weight names the family's own naming is assumed: say which names that is.
  if (weightSource === 'none') {
    const example = facts ? `${facts.naming.root}.${facts.naming.layers}.N.${facts.naming.attn}.${facts.naming.qkv[0]}` : 'model.layers.N.self_attn.q_proj';
    problems.push({ severity: 'warning', code: 'modelDir.no-weights', message: msg('modelDir.no-weights', { example }), hint: msg('modelDir.no-weights.hint') });
  }
  if (!facts && textType) {
    problems.push({ severity: 'warning', code: 'modelDir.family.unknown', message: msg('modelDir.family.unknown', { modelType: textType }), hint: msg('modelDir.family.unknown.hint') });
  }
  const layout = known ? detectLayout(names, textType, layers?.value, layoutCandidates(catalogue, facts ? facts.id.split('/')[0] : textType)) : { ...STANDARD_LAYOUT };
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
  } else if (facts && facts.naming.root !== 'model') {
    problems.push({ severity: 'info', code: 'modelDir.names-from-catalogue', message: msg('modelDir.names-from-catalogue', { family: facts.id, detail: namingDetail(facts.naming) }) });
  }

  // Tied embeddings and the head (needed by the family's quirks).
  const tieStated = typeof config.tie_word_embeddings === 'boolean' ? (config.tie_word_embeddings as boolean) : undefined;
  const headMissing = known && !layout.lmHead;
  const tiedEmbeddings = tieStated ?? (known ? headMissing : (facts?.tieDefault ?? false));
  const lmHeadFromEmbedding = headMissing && tiedEmbeddings;

  // One reader of facts: catalogue entry, then config.json, then the weight names.
  const evidence: WeightEvidence | undefined = known && layout.family !== 'unknown' ? weightEvidence(layout, weightFiles[0], names) : undefined;
  const resolved = resolveFamily({
    facts,
    modelType: textType,
    config,
    sourceOf,
    headDim: hidden && heads ? (explicitHeadDim?.value ?? hidden.value / heads.value) : 0,
    hiddenSize: hidden?.value ?? 0,
    numLayers: layers?.value ?? 0,
    maxPositions: maxPositions?.value,
    weights: evidence,
    wrapper: wrapper?.multimodal ? wrapper : undefined,
    tiedHead: lmHeadFromEmbedding,
  });
  const family = resolved.family;
  const fam = (key: keyof ResolvedFamily['sources']) => family.sources[key]?.where ?? sourceOf('model_type');
  findings.push({ key: 'family', label: msg('modelDir.f.family'), value: family.catalogued ? family.id : null, source: family.catalogued ? `families.yaml: ${family.id} (${family.source})` : `families.yaml: no entry for "${textType || '?'}"` });
  findings.push({ key: 'naming', label: msg('modelDir.f.naming'), value: namingDetail(family.naming), source: fam('naming') });
  if (wrapper?.multimodal && languagePrefix) {
    findings.push({ key: 'multimodal', label: msg('modelDir.f.multimodal'), value: `${configPrefix || '(top level)'} -> ${languagePrefix.root}.*`, source: `families.yaml: ${wrapper.id}${known ? `; ${weightFiles[0]}` : ''}` });
  }
  if (known && layout.qkv.length === 1 && !layout.mla) {
    problems.push({
      severity: family.qkvPacking === 'grouped' ? 'warning' : 'info',
      code: 'modelDir.packed-qkv',
      message: msg('modelDir.packed-qkv', { modelType: textType || '?', name: layout.qkv[0] }),
      hint: msg(family.qkvPacking === 'grouped' ? 'modelDir.packed-qkv.grouped' : 'modelDir.packed-qkv.contiguous'),
    });
  }

  // Norm
  const norm: ModelSpec['norm'] = family.norm === 'layer' ? 'LayerNorm' : 'RMSNorm';
  findings.push({ key: 'norm', label: msg('modelDir.f.norm'), value: family.norm === 'rms+1' ? 'RMSNorm (1 + weight)' : norm, source: fam('norm') });
  const eps = lookup('normEps');
  if (eps && typeof eps.value === 'number') findings.push({ key: 'normEps', label: msg('modelDir.f.normEps'), value: eps.value, source: eps.source ?? sourceOf(eps.key) });

  // Activation, position encoding
  const activation = family.activation;
  findings.push({ key: 'activation', label: msg('modelDir.f.activation'), value: activation, source: fam('activation') });
  const theta = lookup('ropeTheta');
  const scaling = isObject(config.rope_scaling) ? (config.rope_scaling as Json) : null;
  findings.push({
    key: 'position',
    label: msg('modelDir.f.position'),
    value: family.position === 'rope' ? `rope (${family.rope?.style ?? 'half'}, ${family.rotaryFraction === 1 ? 'whole head' : `${family.rotaryFraction} of the head`})` : family.position,
    source: fam('rope'),
  });
  if (theta && typeof theta.value === 'number') findings.push({ key: 'ropeTheta', label: msg('modelDir.f.ropeTheta'), value: theta.value, source: theta.source ?? sourceOf(theta.key) });
  findings.push({ key: 'ropeScaling', label: msg('modelDir.f.ropeScaling'), value: family.ropeScaling === 'default' ? null : `${family.ropeScaling}${scaling?.factor !== undefined ? ` x${String(scaling.factor)}` : ''}`, source: sourceOf('rope_scaling') });
  if (scaling && family.ropeScaling !== 'default') {
    problems.push({ severity: 'info', code: 'modelDir.rope-scaling', message: msg('modelDir.rope-scaling', { type: family.ropeScaling, factor: String(scaling.factor ?? '?') }) });
  }

  // Biases, q/k norm
  findings.push({ key: 'qkvBias', label: msg('modelDir.f.qkvBias'), value: family.qkvBias, source: fam('qkvBias') });
  findings.push({ key: 'qkNorm', label: msg('modelDir.f.qkNorm'), value: family.qkNorm, source: fam('qkNorm') });
  if (known && family.qkNorm && evidence?.qkNorm) problems.push({ severity: 'info', code: 'modelDir.qk-norm-weights', message: msg('modelDir.qk-norm-weights') });

  findings.push({ key: 'tiedEmbeddings', label: msg('modelDir.f.tied'), value: tiedEmbeddings, source: tieStated !== undefined ? sourceOf('tie_word_embeddings') : known ? `${weightFiles[0]}: no head tensor` : `families.yaml: ${family.id}.tieDefault` });
  if (known) findings.push({ key: 'lmHead', label: msg('modelDir.f.lmHead'), value: layout.lmHead ? `${layout.lmHead}.weight` : null, source: weightFiles[0] });
  if (lmHeadFromEmbedding) {
    problems.push({ severity: 'warning', code: 'modelDir.tied-no-lm-head', message: msg('modelDir.tied-no-lm-head', { prefix: layout.embed }), hint: msg('modelDir.tied-no-lm-head.hint') });
  } else if (headMissing) {
    problems.push({ severity: 'error', code: 'modelDir.no-lm-head', message: msg('modelDir.no-lm-head', { expected: 'lm_head.weight' }) });
  }

  // MoE and latent attention
  const moeQuirk = resolved.quirks.find((q) => q.id === 'moe');
  let moe: ModelSpec['moe'];
  if (moeQuirk) {
    const expertsKey = (family.moe?.expertsKeys ?? []).find((k) => typeof config[k] === 'number');
    const topKKey = (family.moe?.topKKeys ?? ['num_experts_per_tok']).find((k) => typeof config[k] === 'number');
    moe = { experts: expertsKey ? (config[expertsKey] as number) : 0, topK: topKKey ? (config[topKKey] as number) : undefined, module: layout.moeModule ?? family.moe?.module };
    findings.push({ key: 'moe', label: msg('modelDir.f.moe'), value: `${moe.experts || '?'} experts, top-${moe.topK ?? '?'}`, source: moeQuirk.source });
    problems.push({ severity: 'warning', code: 'modelDir.moe', message: msg('modelDir.moe', { experts: moe.experts || '?', topK: moe.topK ?? '?' }), hint: msg('modelDir.moe.hint') });
  } else {
    findings.push({ key: 'moe', label: msg('modelDir.f.moe'), value: false, source: known ? weightFiles[0] : `families.yaml: ${family.id}` });
  }
  const mla = family.mla;
  if (mla) problems.push({ severity: 'warning', code: 'modelDir.mla', message: msg('modelDir.mla', { detail: `kv_lora_rank = ${String(config.kv_lora_rank ?? '?')}` }) });

  // Every quirk, with its source; conflicts between sources as problems with a fix hint.
  for (const quirk of resolved.quirks) {
    findings.push({ key: `quirk.${quirk.id}`, label: msg(`quirk.${quirk.id}`), value: quirk.detail, source: quirk.source });
  }
  for (const c of resolved.conflicts) {
    problems.push({ severity: 'warning', code: 'modelDir.conflict', message: msg('modelDir.conflict', { fact: c.fact, a: c.a.where, aValue: c.a.value, b: c.b.where, bValue: c.b.value }), hint: msg(`modelDir.conflict.hint.${CONFLICT_HINTS.has(c.fact) ? c.fact : 'other'}`, { a: c.a.where, b: c.b.where }) });
  }

  // dtype and version
  const dtypeFound = lookup('dtype');
  const dtype = typeof dtypeFound?.value === 'string' ? dtypeFound.value : undefined;
  if (dtype) {
    findings.push({ key: 'dtype', label: msg('modelDir.f.dtype'), value: dtype, source: dtypeFound!.source ?? sourceOf(dtypeFound!.key) });
    if (dtype !== 'float16' && dtype !== 'bfloat16') problems.push({ severity: 'info', code: 'modelDir.dtype', message: msg('modelDir.dtype', { dtype }) });
  }
  const transformersVersion = typeof top.transformers_version === 'string' ? top.transformers_version : undefined;
  if (transformersVersion) findings.push({ key: 'transformersVersion', label: msg('modelDir.f.transformers'), value: transformersVersion, source: 'config.json: transformers_version' });

  // Quantization: msModelSlim's description, else an HF quantization_config explained.
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
  } else if (!descriptionFile) {
    const hf = explainHfQuantization(top, config);
    findings.push(...hf.findings);
    problems.push(...hf.problems);
  }

  if (!hidden || !layers || !heads || !vocab || corrupt) return { findings, problems };
  const spec: ModelSpec = {
    dir,
    modelType,
    textModelType: textType,
    textConfigKey: configPrefix ? configPrefix.slice(0, -1) : undefined,
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
    rope: { theta: typeof theta?.value === 'number' ? theta.value : undefined, scaling, partialRotary: family.rotaryFraction < 1 ? family.rotaryFraction : undefined },
    qkvBias: family.qkvBias,
    qkNorm: family.qkNorm,
    tiedEmbeddings,
    lmHeadFromEmbedding,
    moe,
    mla,
    dtype,
    transformersVersion,
    configKeys,
    config: { ...(generation ?? {}), ...config },
    weights: { source: weightSource, files: weightFiles, count: names.length, layout },
    quant,
    family,
    quirks: resolved.quirks,
    conflicts: resolved.conflicts,
  };
  return { spec, findings, problems };
}

/** Conflicts with a specific fix hint (others get the generic one). */
const CONFLICT_HINTS = new Set(['qkvBias', 'qkNorm', 'qkvPacking', 'activation', 'norm']);

/** The text family's names moved under a multimodal wrapper's language-model prefix. */
function prefixNaming(naming: FamilyNaming, prefix: { root: string; headPrefix: string }): FamilyNaming {
  const move = (name: string) => (name === naming.root ? prefix.root : name.startsWith(naming.root + '.') ? prefix.root + name.slice(naming.root.length) : `${prefix.root}.${name}`);
  return { ...naming, root: prefix.root, embed: move(naming.embed), finalNorm: move(naming.finalNorm), lmHead: prefix.headPrefix + naming.lmHead };
}

function namingDetail(n: FamilyNaming): string {
  return [`${n.root}.${n.layers}.N`, `${n.attn}.${n.qkv.join('/')}`, `${n.mlp}.${[...n.gateUp, ...(n.up ? [n.up] : []), n.down].join('/')}`, n.embed, n.lmHead].join(', ');
}

/** What the weight names say, in the catalogue's terms (names that were not found stay the catalogue's). */
function weightEvidence(layout: WeightLayout, file: string, names: string[]): WeightEvidence {
  const naming: Partial<FamilyNaming> = {
    root: layout.root,
    layers: layout.layersKey,
    embed: layout.embed,
    finalNorm: layout.finalNorm,
    attn: layout.attn,
    o: layout.o,
    mlp: layout.mlp,
    gateUp: layout.gateUp,
    down: layout.down,
  };
  if (!layout.mla) naming.qkv = layout.qkv;
  if (layout.lmHead) naming.lmHead = layout.lmHead;
  if (layout.up) naming.up = layout.up;
  if (layout.inputNorm) naming.inputNorm = layout.inputNorm;
  if (layout.postNorm) naming.postNorm = layout.postNorm;
  if (layout.qNorm) naming.qNorm = layout.qNorm;
  if (layout.kNorm) naming.kNorm = layout.kNorm;
  const layer0 = new Set(layout.layer0);
  return {
    file,
    naming,
    qkvPacking: layout.qkv.length === 1 ? layout.qkvPacking : 'separate',
    qkvBias: layout.qkvBias,
    oBias: layout.oBias,
    qkNorm: !!(layout.qNorm && layout.kNorm),
    mla: layout.mla,
    moeModule: layout.moeModule,
    hasHead: !!layout.lmHead,
    complete: layout.family !== 'unknown',
    hasLayerModule: (module) => layer0.has(module),
    // Layer 0's norm is enough (one lookup, not a pass over every name with a new string each time).
    normHasBias: !!layout.inputNorm && names.includes(`${layout.root ? layout.root + '.' : ''}${layout.layersKey}.0.${layout.inputNorm}.bias`),
  };
}

function mappedDetail(layout: WeightLayout): string {
  const parts = [`${layout.root}.${layout.layersKey}.N`, `${layout.attn}.${layout.qkv.join('/')}`, `${layout.attn}.${layout.o}`];
  if (layout.gateUp.length) parts.push(`${layout.mlp}.${layout.gateUp.join('/')}`);
  parts.push(`${layout.mlp}.${layout.down}`);
  if (layout.inputNorm) parts.push(layout.inputNorm);
  if (layout.postNorm) parts.push(layout.postNorm);
  parts.push(layout.embed);
  if (layout.lmHead) parts.push(layout.lmHead);
  return parts.join(', ');
}

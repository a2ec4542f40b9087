/**
 * One reader of facts: the catalogue entry says what the family computes, config.json gives the
 * switches and sizes, the weight names confirm or override the naming, packing, biases and norms.
 * The result records where each fact came from, the conflicts between sources, and the list of
 * quirks this model has (what a generator must implement or refuse).
 */
import type { FactKey, FactSource, FamilyFacts, FamilyNaming, QuirkId, QuirkUse, ResolvedFamily } from './types';

type Json = Record<string, unknown>;

/** What the weight names say (from src/core/modelDir/layout.ts), in the catalogue's terms. */
export interface WeightEvidence {
  /** The file the names came from (for sources). */
  file: string;
  /** The names found (a part not found keeps the catalogue's name). */
  naming: Partial<FamilyNaming>;
  qkvPacking: FamilyFacts['qkvPacking'] | undefined;
  qkvBias: boolean;
  /** The output projection has a bias tensor. */
  oBias?: boolean;
  qkNorm: boolean;
  mla: boolean;
  moeModule?: string;
  /** The head tensor exists. */
  hasHead: boolean;
  /** Whether every part was recognised (otherwise the catalogue names stand). */
  complete: boolean;
  /** Whether layer 0 has this module (relative to the layer). */
  hasLayerModule: (module: string) => boolean;
  /** The pre-attention norm has a bias tensor (LayerNorm). */
  normHasBias: boolean;
}

export interface FamilyConflict {
  fact: FactKey | string;
  /** Two sources and what each says. */
  a: { where: string; value: string };
  b: { where: string; value: string };
}

export interface ResolveInput {
  facts: FamilyFacts | undefined;
  /** model_type of the text model ('' when absent). */
  modelType: string;
  /** The text model's config (nested config merged over the top level for multimodal). */
  config: Json;
  /** e.g. `config.json: text_config.` for nested keys. */
  sourceOf: (key: string) => string;
  headDim: number;
  hiddenSize: number;
  numLayers: number;
  maxPositions?: number;
  weights?: WeightEvidence;
  /** Set by the caller when the multimodal wrapper's facts apply (the wrapper entry). */
  wrapper?: FamilyFacts;
  /** True when the head must be the embedding (tied, no lm_head tensor). */
  tiedHead: boolean;
}

/** Catalogue defaults for a model_type the catalogue does not know: llama's shape, said so. */
export const UNKNOWN_FAMILY_ID = 'unknown';

const GELU = ['gelu', 'gelu_new', 'gelu_fast', 'gelu_pytorch_tanh', 'gelu_tanh', 'gelu_python', 'gelu_accurate'];
const SWIGLU = ['silu', 'swish', 'swiglu'];
const GELU_TANH = ['gelu_new', 'gelu_fast', 'gelu_pytorch_tanh', 'gelu_tanh'];

const first = (config: Json, keys: string[] | undefined): string | undefined => keys?.find((k) => config[k] !== undefined && config[k] !== null);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

export function resolveFamily(input: ResolveInput): { family: ResolvedFamily; quirks: QuirkUse[]; conflicts: FamilyConflict[] } {
  const { config, sourceOf, weights } = input;
  const base = input.facts;
  const catalogued = !!base;
  const facts: FamilyFacts = base ?? fallbackFacts(input.modelType);
  const entryWhere = `families.yaml: ${facts.id}`;
  const cat = (where = entryWhere): FactSource => ({ origin: catalogued ? 'catalogue' : 'default', where: catalogued ? where : `${where} (not catalogued: llama assumed)` });
  const fromConfig = (key: string): FactSource => ({ origin: 'config', where: sourceOf(key) });
  const sources: Partial<Record<FactKey, FactSource>> = { family: cat() };
  const conflicts: FamilyConflict[] = [];
  const quirks: QuirkUse[] = [];
  const add = (id: QuirkId, detail: string, source: string) => quirks.push({ id, detail, source });

  // Naming and packing: the weights win when they recognise every part.
  let naming = facts.naming;
  let qkvPacking = facts.qkvPacking;
  let gateUpPacking = facts.gateUpPacking;
  let mlp = facts.mlp;
  sources.naming = cat();
  sources.qkvPacking = cat();
  if (weights?.complete) {
    naming = { ...facts.naming, ...(Object.fromEntries(Object.entries(weights.naming).filter(([, v]) => v !== undefined)) as Partial<FamilyNaming>) };
    sources.naming = { origin: 'weights', where: weights.file };
    const packed = naming.qkv.length === 1;
    // The weights tell packed from separate; the catalogue tells contiguous from grouped.
    // An uncatalogued family with a packed tensor: the row order is unknown, so it is treated as grouped (refused).
    const wQkv = packed ? (!catalogued || facts.qkvPacking === 'grouped' || weights.qkvPacking === 'grouped' ? 'grouped' : 'contiguous') : 'separate';
    if (wQkv !== facts.qkvPacking && catalogued) {
      conflicts.push({ fact: 'qkvPacking', a: { where: entryWhere, value: `${facts.qkvPacking} (${facts.naming.qkv.join('/')})` }, b: { where: weights.file, value: `${wQkv} (${naming.qkv.join('/')})` } });
    }
    qkvPacking = wQkv;
    sources.qkvPacking = { origin: 'weights', where: `${weights.file}: ${naming.attn}.${naming.qkv.join('/')}` };
    gateUpPacking = naming.gateUp.length === 1 ? 'contiguous' : 'separate';
    mlp = naming.gateUp.length === 0 && naming.up ? 'plain' : 'gated';
    sources.gateUpPacking = { origin: 'weights', where: `${weights.file}: ${naming.mlp}.${[...naming.gateUp, ...(naming.up ? [naming.up] : [])].join('/')}` };
    sources.mlp = sources.gateUpPacking;
  } else {
    sources.gateUpPacking = cat();
    sources.mlp = cat();
  }

  // Norm: catalogue, then a config switch (chatglm's rmsnorm), then a bias on the norm in the weights.
  let norm = facts.norm;
  sources.norm = cat();
  const rmsKey = facts.config.rmsNormKey;
  if (rmsKey && typeof config[rmsKey] === 'boolean') {
    norm = config[rmsKey] ? (norm === 'layer' ? 'rms' : norm) : 'layer';
    sources.norm = fromConfig(rmsKey);
  }
  if (weights?.complete && weights.normHasBias && norm !== 'layer') {
    conflicts.push({ fact: 'norm', a: { where: sources.norm.where, value: norm }, b: { where: `${weights.file}: ${naming.inputNorm}.bias`, value: 'layer (the norm has a bias)' } });
    norm = 'layer';
    sources.norm = { origin: 'weights', where: `${weights.file}: ${naming.inputNorm}.bias` };
  }
  // Norms the family has on the block outputs must be in the weights.
  if (weights?.complete) {
    for (const n of [naming.attnOutNorm, naming.mlpOutNorm]) {
      if (n && !weights.hasLayerModule(n)) conflicts.push({ fact: 'naming', a: { where: entryWhere, value: n }, b: { where: weights.file, value: 'absent in layer 0' } });
    }
  }

  // Activation: config.json first.
  const actKey = first(config, ['hidden_activation', 'hidden_act', 'activation_function']);
  const activation = actKey && typeof config[actKey] === 'string' ? (config[actKey] as string) : facts.activation;
  sources.activation = actKey ? fromConfig(actKey) : cat();
  // Same function, different spelling is no conflict; exact GeLU against the tanh approximation is.
  const canonicalAct = (a: string) => (a === 'swish' ? 'silu' : GELU_TANH.includes(a) ? 'gelu_tanh' : a);
  if (catalogued && actKey && canonicalAct(activation) !== canonicalAct(facts.activation)) {
    conflicts.push({ fact: 'activation', a: { where: entryWhere, value: facts.activation }, b: { where: sourceOf(actKey), value: activation } });
  }

  // Biases and q/k norm: weights, else config, else catalogue.
  let qkvBias = facts.qkvBias;
  sources.qkvBias = cat();
  const biasKey = first(config, facts.config.qkvBiasKeys);
  if (biasKey && typeof config[biasKey] === 'boolean') {
    qkvBias = config[biasKey] as boolean;
    sources.qkvBias = fromConfig(biasKey);
  }
  if (weights?.complete && !weights.mla) {
    if (weights.qkvBias !== qkvBias && (biasKey || catalogued)) {
      conflicts.push({ fact: 'qkvBias', a: { where: sources.qkvBias!.where, value: String(qkvBias) }, b: { where: weights.file, value: String(weights.qkvBias) } });
    }
    qkvBias = weights.qkvBias;
    sources.qkvBias = { origin: 'weights', where: `${weights.file}: ${naming.attn}.${naming.qkv[0]}.bias ${qkvBias ? 'present' : 'absent'}` };
  }
  // The output projection's bias: catalogue, config switch, then the weights.
  let oBias = facts.oBias;
  let oBiasWhere = entryWhere;
  const oKey = first(config, facts.config.oBiasKeys);
  if (oKey && typeof config[oKey] === 'boolean') {
    oBias = config[oKey] as boolean;
    oBiasWhere = sourceOf(oKey);
  }
  if (weights?.complete && !weights.mla && weights.oBias !== undefined) {
    oBias = weights.oBias;
    oBiasWhere = `${weights.file}: ${naming.attn}.${naming.o}.bias ${oBias ? 'present' : 'absent'}`;
  }
  let qkNorm = facts.qkNorm;
  sources.qkNorm = cat();
  const qkKey = first(config, facts.config.qkNormKeys);
  if (qkKey && typeof config[qkKey] === 'boolean') {
    qkNorm = config[qkKey] as boolean;
    sources.qkNorm = fromConfig(qkKey);
  }
  if (weights?.complete && !weights.mla) {
    if (weights.qkNorm !== qkNorm && catalogued) {
      conflicts.push({ fact: 'qkNorm', a: { where: sources.qkNorm!.where, value: String(qkNorm) }, b: { where: weights.file, value: String(weights.qkNorm) } });
    }
    qkNorm = weights.qkNorm;
    sources.qkNorm = { origin: 'weights', where: `${weights.file}: ${naming.attn}.${naming.qNorm ?? 'q_norm'} ${qkNorm ? 'present' : 'absent'}` };
  }
  let parallelResidual = facts.parallelResidual;
  const parKey = first(config, facts.config.parallelResidualKeys);
  if (parKey && typeof config[parKey] === 'boolean') parallelResidual = config[parKey] as boolean;

  // Position encoding
  let position = facts.position;
  sources.position = cat();
  if (facts.config.alibiKey && config[facts.config.alibiKey] === true) {
    position = 'alibi';
    sources.position = fromConfig(facts.config.alibiKey);
  }
  const partialKey = first(config, facts.rope?.partialKeys);
  const rotaryFraction = position === 'rope' ? (partialKey ? (num(config[partialKey]) ?? 1) : (facts.rope?.partialDefault ?? 1)) : 0;
  sources.rope = partialKey ? fromConfig(partialKey) : cat();
  const scaling = config.rope_scaling && typeof config.rope_scaling === 'object' ? (config.rope_scaling as Json) : undefined;
  let ropeScaling = scaling ? String(scaling.rope_type ?? scaling.type ?? 'default') : 'default';
  if (facts.config.dynamicNtkKey && config[facts.config.dynamicNtkKey] === true && ropeScaling === 'default') ropeScaling = 'dynamic';

  // MoE / MLA
  const mla = weights?.complete ? weights.mla || facts.mla : facts.mla || typeof config.kv_lora_rank === 'number';
  sources.mla = weights?.complete ? { origin: 'weights', where: weights.file } : typeof config.kv_lora_rank === 'number' ? fromConfig('kv_lora_rank') : cat();

  const family: ResolvedFamily = {
    ...facts,
    naming,
    qkvPacking,
    gateUpPacking,
    mlp,
    norm,
    activation,
    position,
    qkvBias,
    oBias,
    qkNorm,
    parallelResidual,
    mla,
    catalogued,
    rotaryFraction,
    ropeScaling,
    sources,
  };

  // ---- Quirks: everything that is not llama's plain shape.
  const std = STANDARD_NAMING;
  const differs: (keyof FamilyNaming)[] = (['root', 'layers', 'embed', 'finalNorm', 'attn', 'o', 'mlp', 'down', 'inputNorm', 'postNorm'] as const).filter((k) => naming[k] !== undefined && naming[k] !== 'none' && naming[k] !== std[k]);
  if (naming.qkv.length === 3 && naming.qkv.join() !== std.qkv.join()) differs.push('qkv');
  if (naming.gateUp.length === 2 && naming.gateUp.join() !== std.gateUp.join()) differs.push('gateUp');
  if (naming.lmHead !== std.lmHead && !input.tiedHead) differs.push('lmHead');
  if (differs.length) add('mapped-names', differs.map((k) => `${k}=${String((naming as unknown as Json)[k])}`).join(', '), sources.naming!.where);
  if (!mla) {
    if (qkvPacking === 'contiguous') add('packed-qkv', naming.qkv[0], sources.qkvPacking!.where);
    if (qkvPacking === 'grouped') add('grouped-qkv', naming.qkv[0], sources.qkvPacking!.where);
  }
  if (mlp === 'plain') add('plain-mlp', `${naming.up ?? '?'} -> ${activation} -> ${naming.down}`, sources.mlp!.where);
  else if (gateUpPacking === 'contiguous') add('packed-gate-up', naming.gateUp[0], sources.gateUpPacking!.where);
  if (mlp === 'gated') {
    if (GELU.includes(activation)) add('gelu-mlp', activation, sources.activation!.where);
    else if (!SWIGLU.includes(activation)) add('activation', activation, sources.activation!.where);
  } else if (!GELU.includes(activation) && !SWIGLU.includes(activation)) add('activation', activation, sources.activation!.where);
  if (norm === 'rms+1') add('norm-plus-one', '(1 + weight)', sources.norm!.where);
  if (norm === 'layer') add('layernorm', 'LayerNorm', sources.norm!.where);
  if (qkvBias && !mla) add('qkv-bias', `${naming.qkv.join('/')}.bias`, sources.qkvBias!.where);
  if (oBias && !mla) add('o-bias', `${naming.o}.bias`, oBiasWhere);
  if (facts.mlpBias || (typeof config.mlp_bias === 'boolean' && config.mlp_bias)) add('mlp-bias', `${naming.mlp}.*.bias`, facts.mlpBias ? entryWhere : sourceOf('mlp_bias'));
  if (qkNorm && !mla) add(facts.qkNormScope === 'projection' ? 'qk-norm-projection' : 'qk-norm', `${naming.qNorm ?? 'q_norm'}/${naming.kNorm ?? 'k_norm'}`, sources.qkNorm!.where);
  if (position === 'alibi') add('alibi', 'ALiBi slopes', sources.position!.where);
  if (position === 'learned') add('learned-positions', naming.positionEmbed ?? 'position embedding', sources.position!.where);
  if (position === 'rope') {
    const style = facts.rope?.style ?? 'half';
    if (style === 'chatglm-2d') add('rope-2d', `rotary on ${rotaryFraction} of each head, interleaved pairs${num(config.rope_ratio) ? `, rope_ratio ${config.rope_ratio}` : ''}`, sources.rope!.where);
    else {
      if (rotaryFraction < 1) add('partial-rotary', `${partialKey ?? 'partial rotary'} = ${rotaryFraction}`, sources.rope!.where);
      if (style === 'interleaved') add('rope-interleaved', 'rotate even/odd pairs', cat().where);
    }
    const scalingWhere = scaling ? sourceOf('rope_scaling') : facts.config.dynamicNtkKey ? sourceOf(facts.config.dynamicNtkKey) : '';
    const factor = scaling?.factor !== undefined ? ` factor ${String(scaling.factor)}` : '';
    switch (ropeScaling) {
      case 'default':
      case 'none':
        break;
      case 'linear':
      case 'llama3':
      case 'dynamic':
      case 'yarn':
      case 'longrope':
        add(`rope-scaling-${ropeScaling}` as QuirkId, `${ropeScaling}${factor}`, scalingWhere);
        break;
      case 'su':
        add('rope-scaling-longrope', `su${factor}`, scalingWhere);
        break;
      case 'mrope':
        if (facts.rope?.mrope) add('mrope', `mrope_section ${JSON.stringify(scaling?.mrope_section ?? '?')}`, scalingWhere);
        else add('rope-scaling-other', ropeScaling, scalingWhere);
        break;
      default:
        add('rope-scaling-other', `${ropeScaling}${factor}`, scalingWhere);
    }
    if (facts.rope?.localBaseKey && num(config[facts.rope.localBaseKey]) !== undefined) add('rope-local-base', `${facts.rope.localBaseKey} = ${String(config[facts.rope.localBaseKey])}`, sourceOf(facts.rope.localBaseKey));
  }
  if (facts.embedScale) {
    const s = facts.embedScale;
    if (s.kind === 'sqrt-hidden') add('embed-scale', `sqrt(hidden_size) = ${Math.sqrt(input.hiddenSize).toFixed(4)}`, entryWhere);
    else if (s.key && num(config[s.key]) !== undefined && num(config[s.key]) !== 1) add('embed-scale', `${s.key} = ${String(config[s.key])}`, sourceOf(s.key));
  }
  const logn = facts.config.lognAttnKey;
  if (logn && config[logn] === true) {
    const lengthKey = facts.config.trainedLengthKey;
    const length = lengthKey ? num(config[lengthKey]) : undefined;
    add('logn-attn', `${logn}${length !== undefined ? ` (${lengthKey} = ${length})` : ''}`, sourceOf(logn));
  }
  const sw = facts.config.slidingWindow;
  if (sw) {
    const window = num(config[sw.key]);
    const enabled = sw.enableKey ? config[sw.enableKey] === true : true;
    if (window !== undefined && window > 0 && enabled && (input.maxPositions === undefined || window < input.maxPositions)) {
      add('sliding-window', `${sw.key} = ${window}${sw.alternating ? ' (alternating layers)' : ''}`, sourceOf(sw.key));
    }
  }
  for (const [key, id] of [
    [facts.config.attnSoftcapKey, 'attn-softcap'],
    [facts.config.finalSoftcapKey, 'final-softcap'],
  ] as const) {
    if (key && num(config[key]) !== undefined) add(id, `${key} = ${String(config[key])}`, sourceOf(key));
  }
  if (facts.config.attnScale) {
    const { key, kind } = facts.config.attnScale;
    const v = num(config[key]);
    if (v !== undefined && !(kind === 'inverse-sqrt' && v === input.headDim)) add('attn-scale', `${key} = ${v}`, sourceOf(key));
  }
  for (const [s, id] of [
    [facts.config.logitScale, 'logit-scale'],
    [facts.config.residualScale, 'residual-scale'],
  ] as const) {
    if (s?.key && num(config[s.key]) !== undefined && num(config[s.key]) !== 1) add(id, `${s.kind} ${s.key} = ${String(config[s.key])}`, sourceOf(s.key));
  }
  if (facts.normPlacement === 'sandwich') add('sandwich-norm', (naming.extraNorms ?? []).join(', '), entryWhere);
  if (facts.normPlacement === 'post') add('post-norm', `${naming.inputNorm}, ${naming.postNorm ?? ''}`, entryWhere);
  if (parallelResidual) add('parallel-residual', 'attention and MLP read the same input', parKey ? sourceOf(parKey) : entryWhere);
  if (facts.headBias) add('head-bias', `${naming.lmHead}.bias`, entryWhere);
  if (facts.normHead) add('norm-head', 'lm_head rows L2-normalised', entryWhere);
  if (input.tiedHead) add('tied-head', naming.embed, weights ? weights.file : sourceOf('tie_word_embeddings'));
  if (facts.moe || weights?.moeModule !== undefined) {
    const expertsKey = first(config, facts.moe?.expertsKeys ?? ['num_local_experts', 'n_routed_experts', 'num_experts']);
    const topKey = first(config, facts.moe?.topKKeys ?? ['num_experts_per_tok']);
    const experts = expertsKey ? num(config[expertsKey]) : undefined;
    if ((experts ?? 0) > 0 || weights?.moeModule !== undefined) {
      add('moe', `${experts ?? '?'} experts, top-${topKey ? String(config[topKey]) : '?'}`, expertsKey ? sourceOf(expertsKey) : weights!.file);
      sources.moe = expertsKey ? fromConfig(expertsKey) : { origin: 'weights', where: weights!.file };
      const sharedKey = first(config, facts.moe?.sharedKeys);
      if (sharedKey && (num(config[sharedKey]) ?? 0) > 0) add('shared-experts', `${sharedKey} = ${String(config[sharedKey])}`, sourceOf(sharedKey));
    }
  }
  if (mla) add('mla', `kv_lora_rank = ${String(config.kv_lora_rank ?? '?')}`, sources.mla!.where);
  const cross = facts.config.crossAttentionKey;
  if (cross && Array.isArray(config[cross]) && (config[cross] as unknown[]).length) add('cross-attention', `${cross} = [${(config[cross] as unknown[]).slice(0, 6).join(', ')}${(config[cross] as unknown[]).length > 6 ? ', ...' : ''}]`, sourceOf(cross));
  if (input.wrapper?.multimodal) add('vision-tower', input.wrapper.multimodal.vision, `families.yaml: ${input.wrapper.id}`);
  if (input.wrapper?.multimodal) sources.multimodal = { origin: 'catalogue', where: `families.yaml: ${input.wrapper.id}` };

  return { family, quirks, conflicts };
}

/** llama's names: what `mapped-names` compares against (the v3 building blocks' own defaults). */
export const STANDARD_NAMING: FamilyNaming = {
  root: 'model',
  layers: 'layers',
  embed: 'model.embed_tokens',
  finalNorm: 'model.norm',
  lmHead: 'lm_head',
  attn: 'self_attn',
  qkv: ['q_proj', 'k_proj', 'v_proj'],
  o: 'o_proj',
  mlp: 'mlp',
  gateUp: ['gate_proj', 'up_proj'],
  down: 'down_proj',
  inputNorm: 'input_layernorm',
  postNorm: 'post_attention_layernorm',
};

function fallbackFacts(modelType: string): FamilyFacts {
  return {
    id: modelType || UNKNOWN_FAMILY_ID,
    source: '',
    naming: STANDARD_NAMING,
    qkvPacking: 'separate',
    gateUpPacking: 'separate',
    mlp: 'gated',
    norm: 'rms',
    activation: 'silu',
    position: 'rope',
    rope: { style: 'half', partialKeys: ['partial_rotary_factor', 'rotary_pct'] },
    qkvBias: false,
    oBias: false,
    mlpBias: false,
    qkNorm: false,
    parallelResidual: false,
    headBias: false,
    tieDefault: false,
    config: { qkvBiasKeys: ['attention_bias', 'qkv_bias', 'add_qkv_bias', 'bias'], qkNormKeys: ['use_qk_norm', 'qk_layernorm'] },
    mla: false,
    normHead: false,
  };
}

/**
 * Model-folder analysis: the modeling_*.py source together with config.json, or, when the folder
 * only has config.json (+ weights index), an analysis from the configuration alone.
 */
import { builtinFamilies, type FamilyFacts } from '../families';
import type { Catalog, CatalogEntry } from '../catalog';
import type { DiagnosticData, FileReader, Range } from '../common';
import { msg, type Message } from '../i18n';
import type { Syntax } from '../syntax';
import { analyzeSource, configValue, countUses, MAX_SOURCE_CHARS } from './analyze';
import type { AnalysisResult, FolderAnalysis, ModelFacts, ModuleNode, OpUse } from './types';

const ZERO: Range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
const MAX_CONFIG_BYTES = 4 * 1024 * 1024;
const MAX_INDEX_BYTES = 64 * 1024 * 1024;

function join(dir: string, name: string): string {
  return dir.endsWith('/') || dir.endsWith('\\') ? dir + name : `${dir}/${name}`;
}

/** Tolerant config.json parsing: BOM, NaN/Infinity, trailing commas. Problems carry a line. */
export function parseConfigJson(text: string): { config?: Record<string, unknown>; problem?: DiagnosticData } {
  const clean = text.replace(/^\uFEFF/, '');
  let value: unknown;
  try {
    value = JSON.parse(clean);
  } catch (first) {
    const relaxed = clean.replace(/\b(-?Infinity|NaN)\b/g, 'null').replace(/,(\s*[}\]])/g, '$1');
    try {
      value = JSON.parse(relaxed);
    } catch {
      const detail = (first as Error).message;
      return { problem: { range: jsonErrorRange(clean, detail), severity: 'error', code: 'atb.config.invalid-json', message: msg('analysis.problem.badConfig', { detail }) } };
    }
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    return { problem: { range: ZERO, severity: 'error', code: 'atb.config.not-object', message: msg('analysis.problem.configNotObject') } };
  }
  return { config: value as Record<string, unknown> };
}

function jsonErrorRange(text: string, detail: string): Range {
  const position = /position (\d+)/.exec(detail);
  const offset = position ? Number(position[1]) : jsonErrorOffset(text);
  const before = text.slice(0, offset);
  const line = (before.match(/\n/g) ?? []).length;
  const character = offset - (before.lastIndexOf('\n') + 1);
  return { start: { line, character }, end: { line, character: character + 1 } };
}

/** Offset of the first JSON syntax error (V8's messages do not always carry one). */
export function jsonErrorOffset(text: string): number {
  let i = 0;
  const ws = () => {
    while (i < text.length && /\s/.test(text[i])) i++;
  };
  const fail = (): never => {
    throw i;
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') return void i++;
      for (;;) {
        ws();
        if (text[i] !== '"') fail();
        string();
        ws();
        if (text[i] !== ':') fail();
        i++;
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === '}') return void i++;
        else fail();
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') return void i++;
      for (;;) {
        value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ']') return void i++;
        else fail();
      }
    }
    if (c === '"') return string();
    const literal = /^(-?\d+(\.\d+)?([eE][+-]?\d+)?|true|false|null|NaN|-?Infinity)/.exec(text.slice(i, i + 400));
    if (!literal) fail();
    i += literal![0].length;
  };
  const string = () => {
    i++;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    if (i >= text.length) fail();
    i++;
  };
  try {
    value();
    ws();
    return i < text.length ? i : text.length;
  } catch (offset) {
    return typeof offset === 'number' ? offset : 0;
  }
}

/** The family catalogue's facts, when a front door registered it (the analysis also runs without). */
function catalogueFacts(modelType: string, architecture: string | undefined, config: Record<string, unknown>): FamilyFacts | undefined {
  try {
    return builtinFamilies().factsFor(modelType, architecture, config);
  } catch {
    return undefined;
  }
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** What config.json (and the weights index) say about the model. */
export function modelFacts(config: Record<string, unknown>, weightNames?: string[]): ModelFacts {
  const get = (key: string) => configValue(config, key);
  const facts: ModelFacts = {};
  const architectures = get('architectures');
  if (Array.isArray(architectures) && typeof architectures[0] === 'string') facts.architecture = architectures[0];
  if (typeof get('model_type') === 'string') facts.modelType = get('model_type') as string;
  const modelType = facts.modelType ?? '';
  facts.hiddenSize = num(get('hidden_size')) ?? num(get('n_embd')) ?? num(get('d_model'));
  facts.numLayers = num(get('num_hidden_layers')) ?? num(get('n_layer'));
  facts.numHeads = num(get('num_attention_heads')) ?? num(get('n_head'));
  const multiQuery = get('multi_query_attention') === true ? num(get('multi_query_group_num')) ?? 1 : undefined;
  facts.numKvHeads = num(get('num_key_value_heads')) ?? multiQuery ?? num(get('n_head_kv')) ?? facts.numHeads;
  // MLA (DeepSeek) heads are qk_nope + qk_rope wide, not hidden_size / heads.
  const mlaHeadDim = (num(get('qk_nope_head_dim')) ?? 0) + (num(get('qk_rope_head_dim')) ?? 0) || undefined;
  facts.headDim = num(get('head_dim')) ?? mlaHeadDim ?? num(get('kv_channels')) ?? (facts.hiddenSize && facts.numHeads ? facts.hiddenSize / facts.numHeads : undefined);
  if (get('kv_lora_rank') !== undefined && get('kv_lora_rank') !== null) facts.attention = 'MLA';
  else if (facts.numHeads && facts.numKvHeads) facts.attention = facts.numKvHeads === 1 ? 'MQA' : facts.numKvHeads < facts.numHeads ? 'GQA' : 'MHA';
  facts.intermediateSize = num(get('intermediate_size')) ?? num(get('ffn_hidden_size')) ?? num(get('n_inner'));
  facts.vocabSize = num(get('vocab_size')) ?? num(get('padded_vocab_size'));
  // Norm, activation and position encoding: the family catalogue (the same facts the generator uses),
  // then config.json; families the catalogue does not know fall back to config keys.
  const family = catalogueFacts(modelType, facts.architecture, config);
  const act = get('hidden_activation') ?? get('hidden_act') ?? get('activation_function');
  if (typeof act === 'string') facts.activation = act;
  else if (family) facts.activation = family.activation === 'swiglu' ? 'silu' : family.activation;
  if (config.rmsnorm === false) facts.norm = 'LayerNorm';
  else if (family) facts.norm = family.norm === 'layer' ? 'LayerNorm' : 'RMSNorm';
  else if (get('rms_norm_eps') !== undefined || config.rmsnorm === true) facts.norm = 'RMSNorm';
  else if (get('layer_norm_eps') !== undefined || get('layer_norm_epsilon') !== undefined || get('layernorm_epsilon') !== undefined) facts.norm = 'LayerNorm';
  if (get('alibi') === true || family?.position === 'alibi' || (!family && /^(bloom|mpt)$/.test(modelType))) facts.positionEmbedding = 'alibi';
  else if (family?.position === 'learned' || (!family && /^(gpt2|opt|gpt_bigcode)$/.test(modelType))) facts.positionEmbedding = 'learned';
  else facts.positionEmbedding = 'rope';
  const scaling = get('rope_scaling');
  if (scaling && typeof scaling === 'object') {
    const s = scaling as Record<string, unknown>;
    const type = s.rope_type ?? s.type;
    if (typeof type === 'string') facts.ropeScaling = type;
  }
  if (facts.positionEmbedding === 'rope') facts.ropeTheta = num(get('rope_theta')) ?? num(get('rotary_emb_base')) ?? num(get('rope_ratio')) ?? 10000;
  const window = num(get('sliding_window'));
  if (window && get('use_sliding_window') !== false) facts.slidingWindow = window;
  const experts = num(get('num_local_experts')) ?? num(get('n_routed_experts')) ?? num(get('num_experts')) ?? num(get('moe_num_experts'));
  if (experts && experts > 1) {
    facts.moe = { experts };
    const topK = num(get('num_experts_per_tok')) ?? num(get('moe_topk'));
    if (topK) facts.moe.topK = topK;
    const shared = num(get('n_shared_experts'));
    if (shared) facts.moe.sharedExperts = shared;
  }
  if (typeof config.tie_word_embeddings === 'boolean') facts.tieWordEmbeddings = config.tie_word_embeddings;
  const quant = config.quantization_config as Record<string, unknown> | undefined;
  if (quant && typeof quant.quant_method === 'string') facts.quantization = quant.quant_method;
  if (typeof config.torch_dtype === 'string') facts.torchDtype = config.torch_dtype;
  if (weightNames) {
    facts.weightTensors = weightNames.length;
    if (facts.numLayers === undefined) {
      const layers = new Set(weightNames.map((n) => /\.(?:layers|h|blocks)\.(\d+)\./.exec(n)?.[1]).filter(Boolean));
      if (layers.size) facts.numLayers = layers.size;
    }
  }
  return facts;
}

/** A module tree and uses from config.json alone (no source ranges; every use points at config.json). */
export function analyzeConfig(config: Record<string, unknown>, catalog: Catalog, path: string, facts = modelFacts(config)): AnalysisResult {
  const all: OpUse[] = [];
  const op = (name: string, qualified: string, key: 'modules' | 'act2fn' | 'functions' | 'helpers', match: string, reason?: Message, override?: Partial<Pick<OpUse, 'verdict' | 'atbOp'>>): ModuleNode => {
    const entry: CatalogEntry | undefined = catalog.lookup(key, match);
    const use: OpUse = {
      id: `${path}:0:0:${qualified}`,
      name: match,
      kind: key === 'modules' || key === 'act2fn' ? 'module' : key === 'helpers' ? 'idiom' : 'function',
      verdict: override?.verdict ?? entry?.verdict ?? 'unsupported',
      ...((override?.atbOp ?? entry?.atbOp) ? { atbOp: override?.atbOp ?? entry?.atbOp } : {}),
      ...(entry ? { catalogId: entry.id } : {}),
      reason: reason ?? (entry ? catalog.noteMessage(entry) : msg('analysis.reason.unknown', { name: match })),
      range: ZERO,
      owner: 'config.json',
      path,
    };
    all.push(use);
    return { name, className: match, kind: 'op', children: [], uses: [use], counts: countUses([use]) };
  };
  const group = (name: string, className: string, children: ModuleNode[], kind: ModuleNode['kind'] = 'module', repeat?: number): ModuleNode => {
    const node: ModuleNode = { name, className, kind, children, uses: [], counts: countUses([]), ...(repeat !== undefined ? { repeat } : {}) };
    for (const child of children) for (const k of Object.keys(node.counts) as (keyof typeof node.counts)[]) node.counts[k] += child.counts[k];
    return node;
  };
  const norm = (name: string, prefix: string) => op(name, `${prefix}.${name}`, 'modules', facts.norm === 'LayerNorm' ? 'LayerNorm' : 'RMSNorm');
  const L = 'model.layers';
  const attentionChildren: ModuleNode[] = [
    op('q_proj', `${L}.self_attn.q_proj`, 'modules', 'Linear'),
    op('k_proj', `${L}.self_attn.k_proj`, 'modules', 'Linear'),
    op('v_proj', `${L}.self_attn.v_proj`, 'modules', 'Linear'),
    op('o_proj', `${L}.self_attn.o_proj`, 'modules', 'Linear'),
  ];
  if (facts.positionEmbedding === 'rope') attentionChildren.push(op('rotary_emb', `${L}.self_attn.rotary_emb`, 'helpers', 'apply_rotary_pos_emb'));
  const attentionOp = facts.attention === 'MLA' ? { verdict: 'native' as const, atbOp: 'MultiLatentAttention' } : undefined;
  attentionChildren.push(op('attention', `${L}.self_attn.attention`, 'functions', 'F.scaled_dot_product_attention', undefined, attentionOp));
  if (facts.attention === 'GQA' || facts.attention === 'MQA') attentionChildren.push(op('repeat_kv', `${L}.self_attn.repeat_kv`, 'helpers', 'repeat_kv'));
  const activation = facts.activation ?? 'silu';
  const actReason = facts.activation ? undefined : msg('analysis.reason.activationFromConfig', { key: 'config.hidden_act' });
  const mlp = (prefix: string) => [
    op('gate_proj', `${prefix}.gate_proj`, 'modules', 'Linear'),
    op('up_proj', `${prefix}.up_proj`, 'modules', 'Linear'),
    op('down_proj', `${prefix}.down_proj`, 'modules', 'Linear'),
    op('act_fn', `${prefix}.act_fn`, 'act2fn', activation, actReason),
  ];
  let ffn: ModuleNode;
  if (facts.moe) {
    const children = [
      op('gate', `${L}.mlp.gate`, 'modules', 'Linear'),
      op('routing_softmax', `${L}.mlp.softmax`, 'functions', 'F.softmax'),
      op('routing_topk', `${L}.mlp.topk`, 'functions', 'torch.topk'),
      group('experts', 'ModuleList', [group('expert', 'MLP', mlp(`${L}.mlp.experts`))], 'layers', facts.moe.experts),
    ];
    if (facts.moe.sharedExperts) children.push(group('shared_experts', 'MLP', mlp(`${L}.mlp.shared_experts`)));
    ffn = group('mlp', 'SparseMoeBlock', children);
  } else {
    ffn = group('mlp', 'MLP', mlp(`${L}.mlp`));
  }
  const block = group('layer', 'DecoderLayer', [norm('input_layernorm', L), group('self_attn', 'Attention', attentionChildren), norm('post_attention_layernorm', L), ffn]);
  const inner = group('model', 'Model', [op('embed_tokens', 'model.embed_tokens', 'modules', 'Embedding'), group('layers', 'ModuleList', [block], 'layers', facts.numLayers), norm('norm', 'model')]);
  const modelClass = facts.architecture ?? 'Model';
  const root = group(modelClass, modelClass, [inner, op('lm_head', 'lm_head', 'modules', 'Linear')], 'model');
  return {
    path,
    isModelCode: false,
    modelClasses: [modelClass],
    root,
    uses: all,
    diagnostics: [],
    notes: [],
  };
}

async function readJson(reader: FileReader, file: string, maxBytes: number): Promise<{ text?: string; tooLarge?: boolean }> {
  const size = await reader.size(file);
  if (size === undefined) return {};
  if (size > maxBytes) return { tooLarge: true };
  return { text: await reader.readText(file) };
}

/**
 * Analyses a model folder: each modeling_*.py with config.json, or config.json alone.
 * Never throws for bad input; problems and notes say what happened.
 */
export async function analyzeModelFolder(syntax: Syntax, catalog: Catalog, reader: FileReader, dir: string): Promise<FolderAnalysis> {
  const problems: DiagnosticData[] = [];
  const notes: Message[] = [];
  const entries = (await reader.list(dir)) ?? [];
  const names = entries.filter((e) => !e.isDirectory).map((e) => e.name).sort();
  const configPath = join(dir, 'config.json');
  let config: Record<string, unknown> | undefined;
  if (names.includes('config.json')) {
    const { text, tooLarge } = await readJson(reader, configPath, MAX_CONFIG_BYTES);
    if (tooLarge) problems.push({ range: ZERO, severity: 'error', code: 'atb.config.invalid-json', message: msg('analysis.problem.badConfig', { detail: '> 4 MB' }), data: { file: configPath } });
    else if (text !== undefined) {
      const parsed = parseConfigJson(text);
      if (parsed.problem) problems.push({ ...parsed.problem, data: { file: configPath } });
      config = parsed.config;
    }
  } else {
    problems.push({ range: ZERO, severity: 'warning', code: 'atb.config.missing', message: msg('analysis.problem.noConfig', { dir }), data: { file: configPath } });
  }
  let weightNames: string[] | undefined;
  const indexName = names.find((n) => n.endsWith('.index.json'));
  if (indexName) {
    const { text } = await readJson(reader, join(dir, indexName), MAX_INDEX_BYTES);
    try {
      const parsed = text !== undefined ? JSON.parse(text) : undefined;
      if (parsed?.weight_map && typeof parsed.weight_map === 'object') weightNames = Object.keys(parsed.weight_map);
    } catch (error) {
      problems.push({ range: ZERO, severity: 'warning', code: 'atb.config.bad-index', message: msg('analysis.problem.badIndex', { file: indexName, detail: (error as Error).message }), data: { file: join(dir, indexName) } });
    }
  }
  const facts = config ? modelFacts(config, weightNames) : {};
  const architecture = facts.architecture;
  const sources: AnalysisResult[] = [];
  for (const name of names.filter((n) => /^modeling_.*\.py$/.test(n))) {
    const file = join(dir, name);
    const size = (await reader.size(file)) ?? 0;
    if (size > MAX_SOURCE_CHARS * 2) {
      notes.push(msg('analysis.note.tooLarge', { path: file, size: (size / 1024 / 1024).toFixed(1), limit: MAX_SOURCE_CHARS / 1024 / 1024 }));
      continue;
    }
    const text = await reader.readText(file);
    if (text === undefined) continue;
    if (text.includes('\u0000')) {
      problems.push({ range: ZERO, severity: 'warning', code: 'atb.source.unreadable', message: msg('analysis.problem.unreadable', { file: name }), data: { file } });
      continue;
    }
    sources.push(analyzeSource(syntax, text, file, catalog, { ...(config ? { config } : {}), ...(architecture ? { rootClass: architecture } : {}) }));
  }
  const modelSources = sources.filter((s) => s.root);
  const main = modelSources.find((s) => architecture && s.modelClasses.includes(architecture)) ?? modelSources[0];
  let result: AnalysisResult;
  let configOnly = false;
  if (main) {
    result = main;
    notes.push(msg('analysis.note.sourceFound', { file: main.path.split(/[\\/]/).pop() ?? main.path }));
    if (architecture && !main.modelClasses.includes(architecture)) notes.push(msg('analysis.note.classNotInSource', { architecture, modelClass: main.modelClasses[0] }));
  } else if (config) {
    configOnly = true;
    result = analyzeConfig(config, catalog, configPath, facts);
    notes.push(msg('analysis.note.configOnly', { dir, architecture: architecture ?? facts.modelType ?? '?' }));
    if (architecture && sources.length === 0 && !names.some((n) => n.endsWith('.py'))) notes.push(msg('analysis.note.transformersBuiltin', { architecture }));
  } else {
    result = { path: dir, isModelCode: false, modelClasses: [], root: undefined, uses: [], diagnostics: [], notes: [] };
  }
  const modelClass = (main ? main.modelClasses[0] : architecture) ?? 'Model';
  return { dir, modelClass, ...(config ? { config } : {}), facts, sources, result, configOnly, problems, notes };
}

/**
 * Which tensor-naming family a checkpoint uses, found from its own tensor names, and how each
 * part maps onto the v3 building blocks. The variants are data: the first whose modules all exist
 * in layer 0 wins.
 */

/** Packed q/k/v: `contiguous` is [q; k; v] in order, `grouped` interleaves rows per KV group. */
export type QkvPacking = 'separate' | 'contiguous' | 'grouped';

interface AttentionVariant {
  attn: string;
  qkv: string[];
  o: string;
  packing: QkvPacking;
  /** model_types whose packed tensor is grouped although the name is shared with contiguous ones. */
  groupedFor?: string[];
}

interface MlpVariant {
  mlp: string;
  /** gate then up (one entry when packed); empty for a plain (un-gated) MLP. */
  gateUp: string[];
  /** The up projection of a plain MLP. */
  up?: string;
  down: string;
}

const ATTENTION_VARIANTS: AttentionVariant[] = [
  { attn: 'self_attn', qkv: ['q_proj', 'k_proj', 'v_proj'], o: 'o_proj', packing: 'separate' },
  { attn: 'self_attn', qkv: ['q_proj', 'k_proj', 'v_proj'], o: 'dense', packing: 'separate' },
  { attn: 'attention', qkv: ['wq', 'wk', 'wv'], o: 'wo', packing: 'separate' },
  { attn: 'self_attn', qkv: ['W_pack'], o: 'o_proj', packing: 'contiguous' },
  { attn: 'attn', qkv: ['c_attn'], o: 'c_proj', packing: 'contiguous' },
  { attn: 'attention', qkv: ['wqkv'], o: 'wo', packing: 'grouped' },
  { attn: 'self_attention', qkv: ['query_key_value'], o: 'dense', packing: 'contiguous', groupedFor: ['falcon', 'RefinedWeb', 'RefinedWebModel', 'gpt_neox'] },
  { attn: 'attention', qkv: ['query_key_value'], o: 'dense', packing: 'grouped' },
  { attn: 'self_attn', qkv: ['qkv_proj'], o: 'o_proj', packing: 'contiguous' },
];

const MLP_VARIANTS: MlpVariant[] = [
  { mlp: 'mlp', gateUp: ['gate_proj', 'up_proj'], down: 'down_proj' },
  { mlp: 'feed_forward', gateUp: ['w1', 'w3'], down: 'w2' },
  // Qwen-1 computes c_proj(w1(x) * silu(w2(x))): w2 is the gate.
  { mlp: 'mlp', gateUp: ['w2', 'w1'], down: 'c_proj' },
  { mlp: 'mlp', gateUp: ['gate_up_proj'], down: 'down_proj' },
  { mlp: 'mlp', gateUp: ['dense_h_to_4h'], down: 'dense_4h_to_h' },
  { mlp: 'mlp', gateUp: [], up: 'fc1', down: 'fc2' },
  { mlp: 'mlp', gateUp: [], up: 'c_fc', down: 'c_proj' },
];

const INPUT_NORMS = ['input_layernorm', 'attention_norm', 'ln_1', 'ln1'];
const POST_NORMS = ['post_attention_layernorm', 'ffn_norm', 'ln_2', 'ln2'];
const Q_NORMS = ['q_norm', 'q_layernorm', 'query_layernorm'];
const K_NORMS = ['k_norm', 'k_layernorm', 'key_layernorm'];
const EMBEDDINGS = ['embed_tokens', 'tok_embeddings', 'wte', 'word_embeddings', 'embedding.word_embeddings'];
const FINAL_NORMS = ['norm', 'ln_f', 'final_layernorm', 'final_layer_norm'];
const LM_HEADS = ['lm_head', 'output', 'output_layer', 'embed_out'];
/** Tensors of multi-head latent attention (DeepSeek V2/V3). */
const MLA_MODULES = ['q_a_proj', 'kv_a_proj_with_mqa'];
const LAYER_CONTAINERS = ['layers', 'h', 'blocks'];

export interface WeightLayout {
  /** `standard` when every name is the llama/qwen2 one. */
  family: 'standard' | 'mapped' | 'unknown';
  /** The module that holds `<layers>.N` (the v3 Model's prefix), e.g. `model`, `transformer`. */
  root: string;
  layersKey: string;
  /** Full module names (no `.weight`). */
  embed: string;
  finalNorm: string;
  /** undefined when the weights have no head. */
  lmHead?: string;
  /** Relative to a layer. */
  attn: string;
  mlp: string;
  inputNorm: string;
  postNorm: string;
  /** Relative to the attention module. */
  qkv: string[];
  qkvPacking: QkvPacking;
  o: string;
  qNorm?: string;
  kNorm?: string;
  /** Relative to the MLP module; gate then up (one when packed, none when plain). */
  gateUp: string[];
  up?: string;
  down: string;
  /** Layer-0 module that marks an MoE (e.g. `block_sparse_moe`), when there is one. */
  moeModule?: string;
  mla: boolean;
  /** Whether q/k/v carry biases in the weights. */
  qkvBias: boolean;
  /** Layer indexes seen. */
  layerCount: number;
  /** Layer-0 modules, for messages. */
  layer0: string[];
}

export const STANDARD_LAYOUT: WeightLayout = {
  family: 'standard',
  root: 'model',
  layersKey: 'layers',
  embed: 'model.embed_tokens',
  finalNorm: 'model.norm',
  lmHead: 'lm_head',
  attn: 'self_attn',
  mlp: 'mlp',
  inputNorm: 'input_layernorm',
  postNorm: 'post_attention_layernorm',
  qkv: ['q_proj', 'k_proj', 'v_proj'],
  qkvPacking: 'separate',
  o: 'o_proj',
  gateUp: ['gate_proj', 'up_proj'],
  down: 'down_proj',
  mla: false,
  qkvBias: false,
  layerCount: 0,
  layer0: [],
};

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const moduleOf = (name: string) => name.slice(0, name.lastIndexOf('.') < 0 ? name.length : name.lastIndexOf('.'));

/**
 * `<root>.<container>.<N>.<rest>` located with indexOf and a digit loop: this runs on every tensor
 * name of the index (tens of thousands), where a regex or a split per name dominates the read.
 */
function locateLayer(name: string): { at: number; key: string; index: number; restAt: number } | undefined {
  let best: { at: number; key: string; index: number; restAt: number } | undefined;
  for (const key of LAYER_CONTAINERS) {
    let at = name.startsWith(key + '.') ? 0 : -1;
    let from = 0;
    for (;;) {
      if (at < 0) {
        const dot = name.indexOf('.' + key + '.', from);
        if (dot < 0) break;
        at = dot + 1;
      }
      let i = at + key.length + 1;
      const digitsFrom = i;
      let index = 0;
      while (i < name.length && name.charCodeAt(i) >= 48 && name.charCodeAt(i) <= 57) index = index * 10 + name.charCodeAt(i++) - 48;
      if (i > digitsFrom && name.charCodeAt(i) === 46 /* . */) {
        if (!best || at < best.at) best = { at, key, index, restAt: i + 1 };
        break;
      }
      from = at + key.length;
      at = -1;
    }
  }
  return best;
}

/** Finds the layer stack; with several (vision + text), the one whose depth is `expectedLayers`. */
function findLayerStack(names: string[], expectedLayers?: number): { root: string; key: string; count: number; layer0: Set<string>; biases: Set<string> } | undefined {
  const stacks = new Map<string, { root: string; key: string; indexes: Set<number>; layer0: Set<string>; biases: Set<string> }>();
  for (const name of names) {
    const hit = locateLayer(name);
    if (!hit) continue;
    const root = hit.at > 0 ? name.slice(0, hit.at - 1) : '';
    const id = `${root}|${hit.key}`;
    let stack = stacks.get(id);
    if (!stack) stacks.set(id, (stack = { root, key: hit.key, indexes: new Set(), layer0: new Set(), biases: new Set() }));
    stack.indexes.add(hit.index);
    if (hit.index === 0) {
      const rest = name.slice(hit.restAt);
      const lastDot = rest.lastIndexOf('.');
      const module = lastDot < 0 ? rest : rest.slice(0, lastDot);
      stack.layer0.add(module);
      if (rest.endsWith('.bias')) stack.biases.add(module);
    }
  }
  const all = [...stacks.values()].filter((s) => s.layer0.size > 0);
  if (!all.length) return undefined;
  all.sort((a, b) => {
    const fit = (s: typeof a) => (expectedLayers !== undefined && s.indexes.size === expectedLayers ? 1 : 0);
    return fit(b) - fit(a) || b.indexes.size - a.indexes.size || a.root.localeCompare(b.root);
  });
  const best = all[0];
  return { root: best.root, key: best.key, count: best.indexes.size, layer0: best.layer0, biases: best.biases };
}

/** The shortest existing module among `root.<candidate>` first, then anywhere. */
function findTopLevel(modules: Set<string>, root: string, candidates: string[]): string | undefined {
  const rootTop = root.split('.')[0];
  for (const c of candidates) if (modules.has(root ? `${root}.${c}` : c)) return root ? `${root}.${c}` : c;
  const found: string[] = [];
  for (const m of modules) {
    for (const c of candidates) {
      if ((m === c || m.endsWith('.' + c)) && !/\.\d+\./.test(m) && (!rootTop || m.split('.')[0] === rootTop || m === c)) found.push(m);
    }
  }
  found.sort((a, b) => a.length - b.length || a.localeCompare(b));
  return found[0];
}

export function detectLayout(names: string[], modelType: string, expectedLayers?: number): WeightLayout {
  const stack = findLayerStack(names, expectedLayers);
  if (!stack) return { ...STANDARD_LAYOUT, family: names.length ? 'unknown' : 'standard' };
  const has = (m: string) => stack.layer0.has(m);
  // Top-level modules only (embedding, final norm, head): layer tensors are most of the names.
  const modules = new Set(names.filter((n) => !/\.\d+\./.test(n)).map(moduleOf));
  const layout: WeightLayout = { ...STANDARD_LAYOUT, root: stack.root, layersKey: stack.key, layerCount: stack.count, layer0: [...stack.layer0].sort() };
  let known = true;

  const attention = ATTENTION_VARIANTS.find((v) => v.qkv.every((q) => has(`${v.attn}.${q}`)) && has(`${v.attn}.${v.o}`));
  if (attention) {
    layout.attn = attention.attn;
    layout.qkv = attention.qkv;
    layout.o = attention.o;
    layout.qkvPacking = attention.groupedFor?.includes(modelType) ? 'grouped' : attention.packing;
    layout.qkvBias = attention.qkv.some((q) => stack.biases.has(`${attention.attn}.${q}`));
    layout.qNorm = Q_NORMS.find((n) => has(`${attention.attn}.${n}`));
    layout.kNorm = K_NORMS.find((n) => has(`${attention.attn}.${n}`));
  } else {
    const mlaAttn = ['self_attn', 'attention'].find((a) => MLA_MODULES.some((m) => has(`${a}.${m}`)));
    if (mlaAttn) {
      layout.mla = true;
      layout.attn = mlaAttn;
    } else known = false;
  }

  const moe = [...stack.layer0].find((m) => /(^|\.)experts\.\d+\./.test(m + '.'));
  if (moe) layout.moeModule = moe.slice(0, moe.search(/(^|\.)experts\.\d+/));
  const mlp = MLP_VARIANTS.find((v) => [...v.gateUp, v.up ?? v.down, v.down].every((p) => has(`${v.mlp}.${p}`)));
  if (mlp) {
    layout.mlp = mlp.mlp;
    layout.gateUp = mlp.gateUp;
    layout.up = mlp.up;
    layout.down = mlp.down;
  } else if (layout.moeModule) {
    layout.mlp = layout.moeModule || 'mlp';
  } else known = false;

  const inputNorm = INPUT_NORMS.find(has);
  const postNorm = POST_NORMS.find(has);
  if (inputNorm) layout.inputNorm = inputNorm;
  else known = false;
  if (postNorm) layout.postNorm = postNorm;
  else known = false;

  const root = stack.root;
  const parent = root.includes('.') ? root.slice(0, root.lastIndexOf('.')) : '';
  layout.embed = findTopLevel(modules, root, EMBEDDINGS) ?? findTopLevel(modules, parent, EMBEDDINGS) ?? `${root}.embed_tokens`;
  layout.finalNorm = findTopLevel(modules, root, FINAL_NORMS) ?? `${root}.norm`;
  const headCandidates = LM_HEADS.map((h) => (parent ? `${parent}.${h}` : h));
  layout.lmHead = [...headCandidates, ...LM_HEADS].find((h) => modules.has(h)) ?? findTopLevel(modules, parent, LM_HEADS);

  const isStandard =
    known &&
    root === 'model' &&
    stack.key === 'layers' &&
    layout.attn === 'self_attn' &&
    layout.qkv.join() === 'q_proj,k_proj,v_proj' &&
    layout.o === 'o_proj' &&
    (layout.moeModule !== undefined || (layout.mlp === 'mlp' && layout.gateUp.join() === 'gate_proj,up_proj' && layout.down === 'down_proj')) &&
    layout.inputNorm === 'input_layernorm' &&
    layout.postNorm === 'post_attention_layernorm' &&
    layout.embed === 'model.embed_tokens' &&
    layout.finalNorm === 'model.norm' &&
    (layout.lmHead === undefined || layout.lmHead === 'lm_head');
  layout.family = !known ? 'unknown' : isStandard ? 'standard' : 'mapped';
  return layout;
}

/** Every linear module (full name) the generated code loads, for the quantization check. */
export function linearModules(layout: WeightLayout, layerIndex: number): string[] {
  const layer = `${layout.root ? layout.root + '.' : ''}${layout.layersKey}.${layerIndex}`;
  const attn = layout.mla ? [] : [...layout.qkv, layout.o].map((n) => `${layer}.${layout.attn}.${n}`);
  const mlp = layout.moeModule !== undefined && !layout.gateUp.length && !layout.up ? [] : [...layout.gateUp, ...(layout.up ? [layout.up] : []), layout.down].map((n) => `${layer}.${layout.mlp}.${n}`);
  return [...attn, ...mlp];
}

export { escape as escapeRegExp };

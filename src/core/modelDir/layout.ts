/**
 * Which tensor-naming family a checkpoint uses, found from its own tensor names, and how each
 * part maps onto the v3 building blocks. The variants are data: the first whose modules all exist
 * in layer 0 wins.
 */

import { builtinFamilies, type FamilyCatalogue, type FamilyNaming, type QkvPacking } from '../families';
export type { QkvPacking };

interface AttentionVariant {
  attn: string;
  qkv: string[];
  o: string;
  packing: QkvPacking;
}

interface MlpVariant {
  mlp: string;
  /** gate then up (one entry when packed); empty for a plain (un-gated) MLP. */
  gateUp: string[];
  /** The up projection of a plain MLP. */
  up?: string;
  down: string;
}

/** The names to look for, collected from every catalogue family (the model's own family first). */
export interface LayoutCandidates {
  attention: AttentionVariant[];
  mlp: MlpVariant[];
  inputNorms: string[];
  postNorms: string[];
  qNorms: string[];
  kNorms: string[];
  embeddings: string[];
  finalNorms: string[];
  lmHeads: string[];
  containers: string[];
}

const lastSegment = (name: string) => name.slice(name.lastIndexOf('.') + 1);
const uniq = <T>(items: T[], key: (t: T) => string) => {
  const seen = new Set<string>();
  return items.filter((t) => (seen.has(key(t)) ? false : (seen.add(key(t)), true)));
};
const cache = new WeakMap<FamilyCatalogue, Map<string, LayoutCandidates>>();

/** Every naming in the catalogue as layout candidates, `modelType`'s own first. Cached per catalogue. */
export function layoutCandidates(catalogue: FamilyCatalogue, modelType: string): LayoutCandidates {
  let perType = cache.get(catalogue);
  if (!perType) cache.set(catalogue, (perType = new Map()));
  const hit = perType.get(modelType);
  if (hit) return hit;
  const namings: { naming: FamilyNaming; packing: QkvPacking }[] = [];
  const own = catalogue.entry(modelType);
  if (own) namings.push({ naming: own.facts.naming, packing: own.facts.qkvPacking });
  for (const id of catalogue.ids()) {
    const facts = catalogue.entry(id)!.facts;
    namings.push({ naming: facts.naming, packing: facts.qkvPacking });
  }
  const names = (pick: (n: FamilyNaming) => string | undefined) => uniq(namings.map((n) => pick(n.naming)).filter((x): x is string => !!x && x !== 'none'), (x) => x);
  const candidates: LayoutCandidates = {
    // Separate q/k/v before packed ones: a checkpoint with both shapes is rare, the separate is the safer read.
    attention: uniq(
      namings.map(({ naming, packing }) => ({ attn: naming.attn, qkv: naming.qkv, o: naming.o, packing: naming.qkv.length === 1 ? packing : 'separate' })),
      (v) => `${v.attn}|${v.qkv.join()}|${v.o}`,
    ),
    mlp: uniq(
      namings.map(({ naming }) => ({ mlp: naming.mlp, gateUp: naming.gateUp, up: naming.up, down: naming.down })),
      (v) => `${v.mlp}|${v.gateUp.join()}|${v.up ?? ''}|${v.down}`,
    ),
    inputNorms: names((n) => n.inputNorm),
    postNorms: names((n) => n.postNorm),
    qNorms: names((n) => n.qNorm),
    kNorms: names((n) => n.kNorm),
    embeddings: names((n) => n.embed.slice(n.root.length ? n.root.length + 1 : 0) || lastSegment(n.embed)),
    finalNorms: names((n) => (n.finalNorm.startsWith(n.root + '.') ? n.finalNorm.slice(n.root.length + 1) : lastSegment(n.finalNorm))),
    lmHeads: names((n) => lastSegment(n.lmHead)),
    containers: names((n) => n.layers),
  };
  // Embedding names relative to a parent of the root (chatglm's transformer.embedding.word_embeddings).
  for (const { naming } of namings) {
    const parent = naming.root.includes('.') ? naming.root.slice(0, naming.root.lastIndexOf('.')) : '';
    if (parent && naming.embed.startsWith(parent + '.')) {
      const rel = naming.embed.slice(parent.length + 1);
      if (!candidates.embeddings.includes(rel)) candidates.embeddings.push(rel);
    }
  }
  perType.set(modelType, candidates);
  return candidates;
}

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
  /** undefined when layer 0 has none of the catalogue's pre-attention / pre-MLP norm names. */
  inputNorm?: string;
  postNorm?: string;
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
  /** Whether the output projection carries a bias in the weights. */
  oBias?: boolean;
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

/** Tensors of multi-head latent attention (DeepSeek V2/V3). */
const MLA_MODULES = ['q_a_proj', 'kv_a_proj_with_mqa'];

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const moduleOf = (name: string) => name.slice(0, name.lastIndexOf('.') < 0 ? name.length : name.lastIndexOf('.'));

/**
 * `<root>.<container>.<N>.<rest>` located with indexOf and a digit loop: this runs on every tensor
 * name of the index (tens of thousands), where a regex or a split per name dominates the read.
 */
function locateLayer(name: string, containers: string[]): { at: number; key: string; index: number; restAt: number } | undefined {
  let best: { at: number; key: string; index: number; restAt: number } | undefined;
  for (const key of containers) {
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
function findLayerStack(names: string[], expectedLayers: number | undefined, containers: string[]): { root: string; key: string; count: number; layer0: Set<string>; biases: Set<string> } | undefined {
  const stacks = new Map<string, { root: string; key: string; indexes: Set<number>; layer0: Set<string>; biases: Set<string> }>();
  // Consecutive names share their stack: reuse it instead of building the root and key strings again.
  let last: { root: string; key: string; indexes: Set<number>; layer0: Set<string>; biases: Set<string> } | undefined;
  for (const name of names) {
    const hit = locateLayer(name, containers);
    if (!hit) continue;
    let stack = last;
    if (!stack || stack.key !== hit.key || hit.at !== (stack.root ? stack.root.length + 1 : 0) || !name.startsWith(stack.root)) {
      const root = hit.at > 0 ? name.slice(0, hit.at - 1) : '';
      const id = `${root}|${hit.key}`;
      stack = stacks.get(id);
      if (!stack) stacks.set(id, (stack = { root, key: hit.key, indexes: new Set(), layer0: new Set(), biases: new Set() }));
      last = stack;
    }
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

export function detectLayout(names: string[], modelType: string, expectedLayers?: number, candidates: LayoutCandidates = layoutCandidates(builtinFamilies(), modelType)): WeightLayout {
  const c = candidates;
  const stack = findLayerStack(names, expectedLayers, c.containers);
  if (!stack) return { ...STANDARD_LAYOUT, family: names.length ? 'unknown' : 'standard' };
  const has = (m: string) => stack.layer0.has(m);
  // Top-level modules only (embedding, final norm, head): layer tensors are most of the names.
  const modules = new Set(names.filter((n) => !/\.\d+\./.test(n)).map(moduleOf));
  const layout: WeightLayout = { ...STANDARD_LAYOUT, root: stack.root, layersKey: stack.key, layerCount: stack.count, layer0: [...stack.layer0].sort() };
  let known = true;

  const attention = c.attention.find((v) => v.qkv.every((q) => has(`${v.attn}.${q}`)) && has(`${v.attn}.${v.o}`));
  if (attention) {
    layout.attn = attention.attn;
    layout.qkv = attention.qkv;
    layout.o = attention.o;
    layout.qkvPacking = attention.packing;
    layout.qkvBias = attention.qkv.some((q) => stack.biases.has(`${attention.attn}.${q}`));
    layout.oBias = stack.biases.has(`${attention.attn}.${attention.o}`);
    layout.qNorm = c.qNorms.find((n) => has(`${attention.attn}.${n}`));
    layout.kNorm = c.kNorms.find((n) => has(`${attention.attn}.${n}`));
  } else {
    const mlaAttn = ['self_attn', 'attention'].find((a) => MLA_MODULES.some((m) => has(`${a}.${m}`)));
    if (mlaAttn) {
      layout.mla = true;
      layout.attn = mlaAttn;
    } else known = false;
  }

  const moe = [...stack.layer0].find((m) => /(^|\.)experts\.\d+\./.test(m + '.'));
  if (moe) layout.moeModule = moe.slice(0, moe.search(/(^|\.)experts\.\d+/));
  const mlp = c.mlp.find((v) => [...v.gateUp, v.up ?? v.down, v.down].every((p) => has(`${v.mlp}.${p}`)));
  if (mlp) {
    layout.mlp = mlp.mlp;
    layout.gateUp = mlp.gateUp;
    layout.up = mlp.up;
    layout.down = mlp.down;
  } else if (layout.moeModule) {
    layout.mlp = layout.moeModule || 'mlp';
  } else known = false;

  // Norms are confirmed against the family later (parallel-residual and post-norm families lack one).
  const inputNorm = c.inputNorms.find(has);
  const postNorm = c.postNorms.find(has);
  layout.inputNorm = inputNorm;
  layout.postNorm = postNorm;
  if (!inputNorm && !postNorm) known = false;

  const root = stack.root;
  const parent = root.includes('.') ? root.slice(0, root.lastIndexOf('.')) : '';
  layout.embed = findTopLevel(modules, root, c.embeddings) ?? findTopLevel(modules, parent, c.embeddings) ?? `${root}.embed_tokens`;
  layout.finalNorm = findTopLevel(modules, root, c.finalNorms) ?? `${root}.norm`;
  const headCandidates = c.lmHeads.map((h) => (parent ? `${parent}.${h}` : h));
  layout.lmHead = [...headCandidates, ...c.lmHeads].find((h) => modules.has(h)) ?? findTopLevel(modules, parent, c.lmHeads);

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

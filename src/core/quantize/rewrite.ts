/**
 * The W8A8 / W8A8SC rewrite of an old-style layer (docs/atb-layers.md sections 3-4), as edits
 * on the original text. It first recognises the layer's parts (input norm, QKV linears, o_proj,
 * post-attention norm, MLP) from the graph wiring, refuses with a specific reason when a part is
 * missing or of a kind it cannot rewrite safely, and only then edits.
 */
import { msg, type Message } from '../i18n';
import type { Node } from '../syntax';
import {
  ACTIVATION_PARAM,
  BETA_ENTRY,
  COMMON_HELPER_NAMESPACES,
  CREATE_OPERATION_CALLS,
  HELPERS,
  LAYER_NORM_PARAM,
  LINEAR_INT8,
  LINEAR_PARAM,
  LINEAR_PARAM_INIT_ORDER,
  LINEAR_SPARSE_INIT,
  NAMING,
  NEW_STYLE_BASE,
  NEW_STYLE_MARKERS,
  NORM_PARAM,
  QUANT_BLOCK_COMMENT,
  QUANT_ENTRY,
  BETA_NAME,
  QUANTIZED_OP,
  ANTI_OUTLIER_ADD,
  ELEWISE_PARAM,
  migrationFor,
  modelLocalHelper,
  type ModelLocalMigration,
  QUANT_FLAG,
  QUANT_INT8,
  QUANT_MARKERS,
  SUFFIX,
  V1_HELPERS,
  V1_MIGRATIONS,
  PLAIN_LINEAR_TO_ROW,
  HOLDER_ENTRY,
  ROW_AS_MLP_DOWN,
  helperNamespace,
  helperQuantFields,
  helperScalars,
  type HelperLayout,
  type QuantMode,
  type V1Migration,
} from './catalog';
import { appendToList, EditList } from './edits';
import { completeTrailingSlots } from './slots';
import { findMiswiring } from './wiring';
import { MultiMlpRefusal, pairMlpsWithNorms, type MlpPair } from './multiMlp';
import { enclosingStatement, identifiersNamed, ofType, type CountConst, type FileKey, type GraphNode, type LayerModel, type SourceFile } from '../layer/model';

export class RefuseError extends Error {
  constructor(readonly code: string, readonly args: Message['args'] = {}, readonly file?: FileKey, readonly node?: Node) {
    super(code);
  }
}

function refuse(code: string, args?: Message['args'], file?: FileKey, node?: Node): never {
  throw new RefuseError(code, args, file, node);
}

export interface RewriteResult {
  cpp: string;
  h: string;
  addedTensors: string[];
  /** Things the user has to do outside the layer files (e.g. set the new scalars in the model). */
  notes: Message[];
  counts: { name: string; before: number; after: number }[];
  renamed: { from: string; to: string }[];
}

export interface RewriteNames {
  /** Base names (no extension) of the input and output headers, for the own-header include and guard. */
  headerBase: string;
  headerFile: string;
  outHeaderFile: string;
  /** Set when the header is not named like the .cpp: the new include guard names the layer. */
  guardStem?: string;
}

const last = (s: string): string => s.split('::').pop()!.trim();

/** Checks that do not depend on the graph: new style, already quantized, mixed branches. */
export function refuseUnsupportedStyle(model: LayerModel): void {
  const files = model.h ? [model.cpp, model.h] : [model.cpp];
  for (const f of files) {
    for (const cls of ofType(f.tree.rootNode, ['class_specifier', 'struct_specifier'])) {
      const base = cls.namedChildren.find((c) => c?.type === 'base_class_clause');
      if (base && NEW_STYLE_BASE.test(base.text)) refuse('quantize.new-style', {}, f.key, cls);
    }
    const marker = identifiersNamed(f, NEW_STYLE_MARKERS)[0];
    if (marker) refuse('quantize.new-style', {}, f.key, marker);
  }
  const fn = model.layerFunction;
  if (!fn) refuse('quantize.not-a-layer');
  if (!model.tensorEnum) refuse('quantize.no-enum');
  for (const cond of ofType(fn.body, ['if_statement'])) {
    const c = cond.childForFieldName('condition');
    const flag = c && ofType(c, ['field_identifier', 'identifier']).find((id) => QUANT_FLAG.test(id.text));
    if (flag) refuse('quantize.mixed-branches', { flag: flag.text }, 'cpp', cond);
  }
  const quantEntry = model.tensorEnum.entries.find((e) => QUANT_ENTRY.test(e.name));
  if (quantEntry) refuse('quantize.already-quantized', { evidence: quantEntry.name }, model.tensorEnum.file, quantEntry.node);
  // IN_BETA read by a norm is a quant norm's offset; anti-outlier float layers add theirs after the norm.
  for (const g of model.nodes) {
    const type = g.paramVar ? model.paramVars.get(g.paramVar)?.[0]?.type ?? '' : '';
    const beta = /NormParam$/.test(type) ? g.inputs?.names.find((n) => BETA_NAME.test(n)) : undefined;
    if (beta) refuse('quantize.already-quantized', { evidence: `${g.name}: ${beta}` }, 'cpp', g.inputs!.list);
  }
  const marker = identifiersNamed(model.cpp, QUANT_MARKERS, fn.body)[0];
  if (marker) refuse('quantize.already-quantized', { evidence: marker.text }, 'cpp', marker);
}

/** pairMlpsWithNorms, its refusal located at the MLP's creation. */
function pairMlps(...args: Parameters<typeof pairMlpsWithNorms>): MlpPair[] {
  try {
    return pairMlpsWithNorms(...args);
  } catch (e) {
    if (e instanceof MultiMlpRefusal) refuse(e.code, e.args, 'cpp', e.node.createStatement);
    throw e;
  }
}

interface Linear {
  node: GraphNode;
  weight: string;
  existingBias?: string;
  deq: string;
  bias: string;
  index?: string;
}

export function rewriteLayer(model: LayerModel, mode: QuantMode, names: RewriteNames): RewriteResult {
  refuseUnsupportedStyle(model);
  const slip = findMiswiring(model);
  if (slip) refuse(slip.code, { node: slip.node, lines: slip.lines.join(', '), missing: slip.missing.join(', ') }, 'cpp', slip.at);
  const fn = model.layerFunction!;
  const tensorEnum = model.tensorEnum!;
  const entryNames = new Set(tensorEnum.entries.map((e) => e.name));
  const existingHolder = tensorEnum.entries.find((e) => e.kind === 'in' && /HOLDER/.test(e.name))?.name;
  const holder = existingHolder ?? HOLDER_ENTRY;
  const isWeight = (name: string) => entryNames.has(name) && name.startsWith('IN_') && /WEIGHT/.test(name);
  const typeOf = (g: GraphNode) => (g.paramVar ? model.paramVars.get(g.paramVar)?.[0]?.type : undefined);
  /** Slot layouts of model-local helpers (the shared ones use HELPERS). */
  const layouts = new Map<GraphNode, HelperLayout>();
  /** Plain Linears with a float input that move to the row helper (see PLAIN_LINEAR_TO_ROW). */
  const plainRows = new Set<GraphNode>();
  const includes = new Set(ofType(model.cpp.tree.rootNode, ['preproc_include']).map((n) => n.childForFieldName('path')?.text.slice(1, -1) ?? ''));
  const migrationOf = (g: GraphNode) => (plainRows.has(g) ? PLAIN_LINEAR_TO_ROW : migrationFor(g.creatorQualified ?? g.creator ?? '', g.creator ?? '', includes));
  const byPos = (a: GraphNode, b: GraphNode) => (a.createStatement?.startIndex ?? 0) - (b.createStatement?.startIndex ?? 0);

  // 1. Recognise the parts from how the graph is wired.
  const norms: GraphNode[] = [];
  /** LayerNorm nodes: their own bias is the quant beta, and they give a float and an int8 output. */
  const layerNorms = new Set<GraphNode>();
  const linears: GraphNode[] = [];
  const rows: GraphNode[] = [];
  const mlps: GraphNode[] = [];
  let hasActivation = false;
  const others: GraphNode[] = [];
  for (const g of [...model.nodes].sort(byPos)) {
    const creator = g.creator ?? '';
    const knownHelper = HELPERS[creator] !== undefined || V1_HELPERS[creator] !== undefined;
    const migration = migrationOf(g);
    const local = modelLocalHelper(g.creatorQualified ?? creator);
    if (local) {
      layouts.set(g, local.layout);
      (local.role === 'row' ? rows : mlps).push(g);
      continue;
    }
    if (knownHelper && !migration && !COMMON_HELPER_NAMESPACES.has(helperNamespace(g.creatorQualified ?? creator))) {
      refuse('quantize.model-local-helper', { node: g.name, helper: g.creatorQualified ?? creator }, 'cpp', g.createStatement);
    }
    if (V1_HELPERS[creator] && !migration) refuse('quantize.v1-helper', { node: g.name, helper: creator, v2: V1_HELPERS[creator] }, 'cpp', g.createStatement);
    const type = last(typeOf(g) ?? '');
    if (CREATE_OPERATION_CALLS.has(creator)) {
      if (type === NORM_PARAM) norms.push(g);
      else if (type === LAYER_NORM_PARAM) {
        norms.push(g);
        layerNorms.add(g);
      }
      else if (type === LINEAR_PARAM) linears.push(g);
      else {
        if (type === ACTIVATION_PARAM) hasActivation = true;
        others.push(g);
      }
    } else if (creator === HELPERS.RowParallelLinearV2.name || migration?.v2 === HELPERS.RowParallelLinearV2.name) rows.push(g);
    else if (creator === HELPERS.MlpGateLayerV2.name || migration?.v2 === HELPERS.MlpGateLayerV2.name) mlps.push(g);
    else others.push(g);
  }
  for (const g of others) {
    const weight = g.inputs?.names.find(isWeight);
    if (!weight) continue;
    if (g.creator && CREATE_OPERATION_CALLS.has(g.creator)) {
      refuse('quantize.unsupported-node', { node: g.name, creator: typeOf(g) ?? g.creator }, 'cpp', g.createStatement);
    }
    // An operation built outside this layer (a model-local graph, or `node.operation = new X(...)`).
    const assigned = (model.assignments.get(g.name) ?? []).find((a) => a.path === 'operation');
    const op = g.creatorQualified ?? assigned?.value.text.replace(/\(.*$/s, '').replace(/^new\s+/, '') ?? '?';
    // W8A16 / W8A8 operations: the weights are quantized already (weight-only or fully).
    if (QUANTIZED_OP.test(op)) refuse('quantize.already-quantized', { evidence: `${g.name}: ${op}` }, 'cpp', g.createStatement ?? assigned?.statement);
    refuse('quantize.model-local-op', { node: g.name, creator: op, weight }, 'cpp', g.createStatement ?? assigned?.statement);
  }
  /**
   * A plain Linear that no quantizing norm feeds has a float input: an INT8 linear there needs a quant
   * node the layer does not have (visualglm's o_proj, gptneox pa's dense layers).
   */
  const activationOuts = new Set(others.filter((g) => last(typeOf(g) ?? '') === ACTIVATION_PARAM).flatMap((g) => g.outputs?.names ?? []));
  const refuseStray = (g: GraphNode): never => {
    const input = g.inputs?.names[0] ?? '?';
    if (activationOuts.has(input)) refuse('quantize.unrolled-mlp', { node: g.name, creator: g.creatorQualified ?? '?' }, 'cpp', g.createStatement);
    refuse('quantize.float-input-linear', { node: g.name, input }, 'cpp', g.createStatement);
  };
  /**
   * Anti-outlier float layers (llama anti_float, internlm 20b antioutlier) add a smoothing bias right
   * after each RmsNorm: norm -> Elewise ADD(normOut, IN_..BIAS) -> linears. Their hand-written quant
   * twins fold that add into the quantizing norm: the bias becomes the norm's beta input, the Add
   * node and its output go, and the linears read the norm's output.
   */
  const folds = new Map<GraphNode, { add: GraphNode; bias: string; out: string }>();
  const readers = (tensor: string) => model.nodes.filter((g) => g.inputs?.names.includes(tensor));
  for (const n of norms) {
    if (layerNorms.has(n) || n.inputs?.names.length !== 2 || n.outputs?.names.length !== 1) continue;
    const out = n.outputs.names[0];
    const users = readers(out);
    const add = users[0];
    if (users.length !== 1 || !others.includes(add) || add.inputs?.names.length !== 2 || add.inputs.names[0] !== out || add.outputs?.names.length !== 1) continue;
    if (last(typeOf(add) ?? '') !== ELEWISE_PARAM) continue;
    const kind = (model.assignments.get(add.paramVar ?? '') ?? []).find((a) => a.path === 'elewiseType');
    if (!kind?.value.text.includes(ANTI_OUTLIER_ADD)) continue;
    const bias = add.inputs.names[1];
    const sum = add.outputs.names[0];
    if (!entryNames.has(bias) || !bias.startsWith('IN_') || tensorEnum.entries.find((e) => e.name === sum)?.kind !== 'inter') continue;
    folds.set(n, { add, bias, out: sum });
  }
  /** Tensors the quantized nodes read in place of what the float layer wired (anti-outlier sums -> norm outputs). */
  const rewire = new Map<string, string>();
  for (const [n, f] of folds) rewire.set(f.out, n.outputs!.names[0]);
  const inputNorm = norms[0];
  if (!inputNorm) refuse('quantize.missing-part', { part: 'input RmsNorm / LayerNorm' });
  const outputsOf = (g: GraphNode) => new Set([...(g.outputs?.names ?? []), ...(folds.has(g) ? [folds.get(g)!.out] : [])]);
  const inputNormOut = outputsOf(inputNorm);
  const qkv = linears.filter((g) => inputNormOut.has(g.inputs?.names[0] ?? ''));
  if (!qkv.length) refuse('quantize.missing-part', { part: 'QKV linear (LinearParam fed by the input norm)' });
  // A plain Linear that no norm feeds (attention output, activation output) has a float input: it
  // becomes the row helper, which quantizes its own input, when its param means nothing more than it.
  const normOuts = new Set(norms.flatMap((n) => [...outputsOf(n)]));
  for (const g of linears) {
    if (qkv.includes(g) || normOuts.has(g.inputs?.names[0] ?? '') || !g.inputs || !g.paramVar) continue;
    if (g.inputAssignments !== 1 || g.createCount !== 1) refuse('quantize.ambiguous-node', { node: g.name }, 'cpp', g.createStatement);
    const n = g.inputs.names.length;
    const decl = model.paramVars.get(g.paramVar)?.[0]?.declaration;
    const hasInit = !!decl && ofType(decl, ['init_declarator']).length > 0;
    // hasBias has to match the inputs; transposeB may say anything (int8 weights are stored transposed).
    const odd = (model.assignments.get(g.paramVar) ?? []).find((a) => !(a.path === 'transposeB' || (a.path === 'hasBias' && a.value.text === String(n === 3))));
    if (n < 2 || n > 3 || hasInit || odd) {
      refuse('quantize.plain-linear-param', { node: g.name, param: g.paramVar, field: odd?.path ?? (hasInit ? '{...}' : 'inputs') }, 'cpp', odd?.statement ?? g.createStatement);
    }
    plainRows.add(g);
    rows.push(g);
  }
  for (const g of plainRows) linears.splice(linears.indexOf(g), 1);
  // Several MLPs (vlmo's text and image MLPs): each must read a norm of its own (multiMlp.ts).
  const mlpPairs = mlps.length > 1 ? pairMlps(mlps, norms.filter((g) => g !== inputNorm), outputsOf, (g) => layouts.get(g) ?? HELPERS.MlpGateLayerV2) : undefined;
  // The MLP is an MlpGateLayerV2 node, or unrolled (gptneox): Linear(s) fed by the post-attention
  // norm, an activation, and a RowParallelLinearV2 down projection after the o_proj one.
  const [mlp] = mlps as (GraphNode | undefined)[];
  const rowsInOrder = [...rows].sort(byPos);
  let ups: GraphNode[] = [];
  let down: GraphNode | undefined;
  let postNorm: GraphNode | undefined;
  if (mlp) {
    if (rows.length !== 1) refuse(rows.length ? 'quantize.ambiguous-node' : 'quantize.missing-part', { part: 'o_proj (RowParallelLinearV2)', node: rows[1]?.name ?? '' }, 'cpp', rows[1]?.createStatement);
    // Parallel attention with one norm (falcon 7b): the MLP reads the input norm's output too.
    postNorm = mlpPairs?.[0].norm ?? norms.find((g) => g !== inputNorm && outputsOf(g).has(mlp.inputs?.names[0] ?? '')) ?? (outputsOf(inputNorm).has(mlp.inputs?.names[0] ?? '') ? inputNorm : norms[1]);
  } else {
    const rest = linears.filter((g) => !qkv.includes(g));
    postNorm = norms.find((g) => g !== inputNorm && rest.some((l) => outputsOf(g).has(l.inputs?.names[0] ?? '')));
    ups = postNorm ? rest.filter((l) => outputsOf(postNorm!).has(l.inputs?.names[0] ?? '')) : [];
    if (!ups.length || !hasActivation || rows.length !== 2) {
      const stray = rest.find((l) => !ups.includes(l)) ?? rest[0];
      // Linears fed by the norm plus an activation: an unrolled MLP whose down projection is not a row helper.
      if (stray && ups.length && hasActivation) refuse('quantize.unrolled-mlp', { node: stray.name, creator: stray.creatorQualified ?? '?' }, 'cpp', stray.createStatement);
      if (stray) refuseStray(stray);
      refuse('quantize.missing-part', { part: 'MLP (MlpGateLayerV2)', node: '' });
    }
    down = rowsInOrder[1];
  }
  for (const g of linears) if (!qkv.includes(g) && !ups.includes(g)) refuseStray(g);
  if (!rowsInOrder.length) refuse('quantize.missing-part', { part: 'o_proj (RowParallelLinearV2)', node: '' });
  const oProj = rowsInOrder[0];
  if (!postNorm) refuse('quantize.missing-part', { part: 'post-attention RmsNorm / LayerNorm' });
  const quantNorms = [...new Set([inputNorm, postNorm, ...(mlpPairs ?? []).map((p) => p.norm)])];
  const mlpNodes = mlp ? mlps : [...ups, down!];
  const touched = [inputNorm, ...qkv, oProj, ...quantNorms.slice(1), ...mlpNodes];
  for (const [n, f] of folds) {
    if (!quantNorms.includes(n)) continue;
    const stranger = readers(f.out).find((g) => !touched.includes(g));
    if (stranger) refuse('quantize.anti-outlier-shared', { node: stranger.name, tensor: f.out }, 'cpp', stranger.inputs?.list);
  }
  for (const n of [...folds.keys()]) if (!quantNorms.includes(n)) folds.delete(n);
  for (const g of touched) {
    if (g.createCount !== 1 || g.inputAssignments !== 1 || !g.inputs || !g.paramVar || (model.paramVars.get(g.paramVar)?.length ?? 0) !== 1) {
      refuse('quantize.ambiguous-node', { node: g.name }, 'cpp', g.createStatement);
    }
  }
  // A param shared with a node that stays float would quantize that node too.
  const users = (param: string) => model.nodes.filter((g) => g.paramVar === param);
  const allowedUsers = (param: string, allowed: GraphNode[]) => {
    const stranger = users(param).find((g) => !allowed.includes(g));
    if (stranger) refuse('quantize.shared-param', { param, node: stranger.name }, 'cpp', stranger.createStatement);
  };
  for (const g of quantNorms) allowedUsers(g.paramVar!, quantNorms);
  // A plain linear that moves to the row helper gets a param of its own, so it may share the QKV one.
  for (const g of [...qkv, ...ups]) allowedUsers(g.paramVar!, [...qkv, ...ups, ...plainRows]);
  if (!plainRows.has(oProj)) allowedUsers(oProj.paramVar!, [oProj]);
  for (const g of mlp ? mlps : []) allowedUsers(g.paramVar!, [g]);
  if (down && !plainRows.has(down)) allowedUsers(down.paramVar!, [down]);
  for (const g of plainRows) {
    if (!touched.includes(g)) refuseStray(g);
    const others = users(g.paramVar!).filter((u) => !plainRows.has(u) && !qkv.includes(u) && !ups.includes(u));
    if (others.length) refuse('quantize.shared-param', { param: g.paramVar!, node: others[0].name }, 'cpp', others[0].createStatement);
  }

  // 2. Decide the new input tensors (msit naming) and each node's new inputs.
  const sparse = mode === 'w8a8sc';
  const added: string[] = [];
  const addEntry = (name: string) => {
    if (entryNames.has(name)) refuse('quantize.name-collision', { name }, tensorEnum.file);
    if (!added.includes(name)) added.push(name);
  };
  const plan = (node: GraphNode, weight: string, existingBias: string | undefined): Linear => {
    if (!entryNames.has(weight) || !weight.startsWith('IN_')) refuse('quantize.unsupported-node', { node: node.name, creator: node.creatorQualified ?? '?' }, 'cpp', node.createStatement);
    const l: Linear = { node, weight, existingBias, deq: weight + SUFFIX.deqScale, bias: existingBias ?? weight + SUFFIX.bias };
    if (sparse) l.index = weight + SUFFIX.index;
    return l;
  };
  const qkvLinears = [...qkv, ...ups].map((g) => {
    const n = g.inputs!.names;
    if (n.length < 2 || n.length > 3) refuse('quantize.unexpected-inputs', { node: g.name, actual: n.length, expected: '2 or 3' }, 'cpp', g.inputs!.list);
    return plan(g, n[1], n[2]);
  });
  /** Nodes whose V2 call lacked trailing placeholder slots, with how many. */
  const padded = new Map<GraphNode, number>();
  /** The node's inputs in the V2 slot layout (a V1 node's inputs are spread into it, the rest IN_HOLDER). */
  const v2Slots = (g: GraphNode, h: HelperLayout): string[] => {
    const n = g.inputs!.names;
    const migration = migrationOf(g);
    if (!migration) {
      if (n.length === h.slots) return [...n];
      // Only trailing placeholder slots missing (slots.ts): the full list is certain; noted below.
      const check = completeTrailingSlots(n, h, holder, isWeight);
      if (!check.ok) refuse(check.code, { node: g.name, ...check.args }, 'cpp', g.inputs!.list);
      padded.set(g, check.missing);
      return check.slots;
    }
    const map = migration.slotMaps[n.length];
    if (!map) refuse('quantize.helper-slots', { node: g.name, helper: g.creator!, expected: Object.keys(migration.slotMaps).join(' or '), actual: n.length }, 'cpp', g.inputs!.list);
    const slots: string[] = Array(h.slots).fill(holder);
    map.forEach((to, from) => (slots[to] = n[from]));
    return slots;
  };
  /**
   * The helper's linears, one per weight slot; a weight slot holding the placeholder is a linear the
   * layer does not have (packed gate-up leaves the gate slot empty, noGate MLPs too): it gets no quant
   * inputs and its deq/bias/index slots stay placeholders.
   */
  const helperLinears = (g: GraphNode, h: HelperLayout): (Linear | undefined)[] => {
    const n = v2Slots(g, h);
    const ls = h.weights.map((slot, i) => {
      for (const s of [h.deqScale[i], h.index[i]]) if (n[s] !== holder) refuse('quantize.already-quantized', { evidence: `${g.name}: ${n[s]}` }, 'cpp', g.inputs!.list);
      if (n[slot] === holder) return undefined;
      // Only a tensor named as a bias is the linear's own bias; a zero placeholder in the slot (internlm's
      // antioutlier MLP passes IN_BETA as down bias) gets its own quant bias, as the hand-written twin does.
      const bias = n[h.bias[i]];
      return plan(g, n[slot], bias !== holder && /BIAS/.test(bias) ? bias : undefined);
    });
    if (ls.every((l) => !l)) refuse('quantize.unsupported-node', { node: g.name, creator: g.creatorQualified ?? '?' }, 'cpp', g.createStatement);
    return ls;
  };
  const helperNodes: [GraphNode, HelperLayout][] = [[oProj, layouts.get(oProj) ?? HELPERS.RowParallelLinearV2]];
  if (mlpPairs) for (const p of mlpPairs) helperNodes.push([p.mlp, { ...(layouts.get(p.mlp) ?? HELPERS.MlpGateLayerV2), scalarStem: p.scalarStem }]);
  else if (mlp) helperNodes.push([mlp, layouts.get(mlp) ?? HELPERS.MlpGateLayerV2]);
  if (down) helperNodes.push([down, layouts.has(down) ? { ...layouts.get(down)!, scalarStem: ROW_AS_MLP_DOWN.scalarStem } : ROW_AS_MLP_DOWN]);
  const helperPlans = helperNodes.map(([g, h]) => [g, h, helperLinears(g, h)] as const);
  for (const l of [...qkvLinears, ...helperPlans.flatMap(([, , ls]) => ls)]) {
    if (!l) continue;
    addEntry(l.deq);
    if (!l.existingBias) addEntry(l.bias);
    if (l.index) addEntry(l.index);
  }
  // An RmsNorm quantizes with an IN_BETA offset input; a LayerNorm's own bias plays that role.
  if (quantNorms.some((g) => !layerNorms.has(g) && !folds.has(g))) addEntry(BETA_ENTRY);
  const migrated = helperNodes.map(([g]) => g).filter((g) => migrationOf(g));
  if ((migrated.length || padded.size) && !existingHolder) addEntry(HOLDER_ENTRY);

  const files: Record<FileKey, SourceFile | undefined> = { cpp: model.cpp, h: model.h };
  const edits: Record<FileKey, EditList | undefined> = {
    cpp: new EditList(model.cpp.text, model.cpp.eol),
    h: model.h ? new EditList(model.h.text, model.h.eol) : undefined,
  };
  const cppEdits = edits.cpp!;

  // A quantizing LayerNorm gives a float and an int8 output (starcoder's hand-written quant layer):
  // `<OUT>_QUANT` is a new intermediate next to the norm's output, and the quantized linears read it.
  const quantOut = new Map<string, string>();
  for (const g of quantNorms) {
    if (!layerNorms.has(g)) continue;
    const outs = g.outputs?.names ?? [];
    const entry = tensorEnum.entries.find((e) => e.name === outs[0]);
    if (outs.length !== 1 || !entry || entry.kind !== 'inter') {
      refuse('quantize.layer-norm-output', { node: g.name, outputs: outs.join(', ') || '?' }, 'cpp', g.outputs?.list ?? g.createStatement);
    }
    if (g.inputs!.names.length !== 3) refuse('quantize.layer-norm-no-bias', { node: g.name, actual: g.inputs!.names.length }, 'cpp', g.inputs!.list);
    const name = outs[0] + '_QUANT';
    if (entryNames.has(name)) refuse('quantize.name-collision', { name }, tensorEnum.file);
    quantOut.set(outs[0], name);
  }

  // 3. Enum: the block goes among the inputs, right after the last input entry before OUT_*.
  const enumEdits = edits[tensorEnum.file]!;
  for (const [out, name] of quantOut) {
    const entry = tensorEnum.entries.find((e) => e.name === out)!;
    const after = enumEdits.text.slice(entry.node.endIndex);
    if (!/^\s*,/.test(after)) enumEdits.insert(entry.node.endIndex, ',');
    enumEdits.insertLinesAfter(entry.node, [name + ',']);
  }
  const outAt = tensorEnum.entries.findIndex((e) => e.kind === 'out');
  const firstOut = tensorEnum.entries[outAt];
  const lastIn = tensorEnum.entries[outAt - 1];
  // Split enums end the In enum with a sentinel: the block still goes right after the last input.
  const splitEnum = tensorEnum.names.length > 1;
  if (lastIn && (splitEnum || lastIn.node.endPosition.row < firstOut.node.startPosition.row)) {
    const indent = enumEdits.indentAt(lastIn.node.startIndex);
    enumEdits.insertLinesAfter(lastIn.node, [QUANT_BLOCK_COMMENT, ...added.map((n) => n + ',')], indent);
  } else {
    enumEdits.insert(firstOut.node.startIndex, added.map((n) => n + ', ').join(''));
  }

  // 4. IN_TENSOR_COUNT follows the enum.
  const inBefore = tensorEnum.entries.filter((e) => e.kind === 'in').length;
  const after = new Map<CountConst, number>();
  const before = new Map<CountConst, number>();
  const sentinelNames = new Set(tensorEnum.sentinels.map((e) => e.name));
  /** `IN_TENSOR_MAX` or `INTERNAL_TENSOR_MAX - OUT_TENSOR_MAX`: the count follows the enum by itself. */
  const followsEnum = (c: CountConst) => {
    const ids = c.valueNode.text.match(/[A-Za-z_]\w*/g) ?? [];
    return ids.length > 0 && ids.every((id) => sentinelNames.has(id)) && /^[\w\s+\-()]*$/.test(c.valueNode.text);
  };
  /** Moves a count constant by `delta` (new input tensors, LayerNorm int8 outputs, folded anti-outlier adds). */
  const shiftCount = (pattern: RegExp, name: string, delta: number, entriesBefore?: number) => {
    if (!delta) return;
    const c = model.counts.find((x) => pattern.test(x.name));
    if (!c) refuse('quantize.no-count', { name });
    if (c.value === undefined && entriesBefore !== undefined && followsEnum(c)) {
      before.set(c, entriesBefore);
      after.set(c, entriesBefore + delta);
      return;
    }
    if (c.value === undefined) refuse('quantize.count-not-literal', { name: c.name, text: c.valueNode.text }, c.file, c.valueNode);
    after.set(c, c.value + delta);
    edits[c.file]!.replaceNode(c.valueNode, String(c.value + delta));
  };
  shiftCount(/^IN_TENSOR_/, 'IN_TENSOR_COUNT', added.length, inBefore);
  shiftCount(/^(INTERMEDIATE|INTERMIDATE|INTERNAL)_TENSOR_/, 'INTERMEDIATE_TENSOR_COUNT', quantOut.size - folds.size, tensorEnum.entries.filter((e) => e.kind === 'inter').length);
  shiftCount(/^NODE_(COUNT|NUM)$/, 'NODE_COUNT', -folds.size);
  // The folded adds go: their node reference, creation, wiring and reshape lines, their enum entry,
  // and their param when nothing else uses it.
  for (const f of folds.values()) {
    const ref = model.nodeRefs.find((d) => ofType(d, ['identifier']).some((i) => i.text === f.add.name));
    if (!ref || !/\.\s*at\s*\(\s*\w+\s*\+\+\s*\)/.test(ref.text)) refuse('quantize.anti-outlier-node-index', { node: f.add.name }, 'cpp', ref ?? f.add.createStatement);
    const statements = new Map<number, Node>();
    for (const id of identifiersNamed(model.cpp, [f.add.name], fn.body)) {
      const st = enclosingStatement(id);
      statements.set(st.startIndex, st);
    }
    if (f.add.paramVar && users(f.add.paramVar).length === 1) {
      const decl = model.paramVars.get(f.add.paramVar)![0].declaration;
      statements.set(decl.startIndex, decl);
      for (const a of model.assignments.get(f.add.paramVar) ?? []) statements.set(a.statement.startIndex, a.statement);
    }
    for (const st of statements.values()) cppEdits.deleteStatement(st);
    const entry = tensorEnum.entries.find((e) => e.name === f.out)!;
    deleteEnumerator(enumEdits, entry.node);
  }
  const counts = model.counts.map((c) => ({ name: c.name, before: before.get(c) ?? c.value ?? NaN, after: after.get(c) ?? c.value ?? NaN }));

  // 5. Node params and inputs.
  const layerParam = layerParamName(fn.node) ?? 'param';
  const setFields = (paramVar: string, fields: [string, string][]) => {
    const assignments = model.assignments.get(paramVar) ?? [];
    const decl = model.paramVars.get(paramVar)![0].declaration;
    const firstCreate = users(paramVar).map((g) => g.createStatement!).sort((a, b) => a.startIndex - b.startIndex)[0];
    const before = assignments.filter((a) => a.expr.startIndex < firstCreate.startIndex && a.expr.startIndex > decl.startIndex);
    const anchor = before.length ? before[before.length - 1].statement : decl;
    const lines: string[] = [];
    for (const [path, value] of fields) {
      const existing = before.filter((a) => a.path === path).pop();
      if (existing) {
        if (existing.value.text !== value) cppEdits.replaceNode(existing.value, value);
      } else lines.push(`${paramVar}.${path} = ${value};`);
    }
    cppEdits.insertLinesAfter(anchor, lines);
  };
  for (const v of new Set(quantNorms.map((g) => g.paramVar!))) setFields(v, [['normParam.quantType', QUANT_INT8]]);
  /** The param turns transposeB off, by assignment or by its brace initialiser. */
  const saysNotTransposed = (paramVar: string): boolean => {
    if ((model.assignments.get(paramVar) ?? []).some((a) => a.path === 'transposeB' && a.value.text !== 'true')) return true;
    const declarator = ofType(model.paramVars.get(paramVar)![0].declaration, ['init_declarator'])[0];
    const init = declarator?.childForFieldName('value');
    if (init?.type !== 'initializer_list') return false;
    const items = init.namedChildren.filter((c): c is Node => !!c && c.type !== 'comment');
    const item = items[LINEAR_PARAM_INIT_ORDER.indexOf('transposeB')];
    return !!item && item.text !== 'true';
  };
  for (const g of quantNorms) {
    if (layerNorms.has(g)) {
      appendToList(cppEdits, g.outputs!.list, g.outputs!.items, [quantOut.get(g.outputs!.names[0])!]);
      continue;
    }
    if (g.inputs!.names.length !== 2) refuse('quantize.unexpected-inputs', { node: g.name, actual: g.inputs!.names.length, expected: 2 }, 'cpp', g.inputs!.list);
    appendToList(cppEdits, g.inputs!.list, g.inputs!.items, [folds.get(g)?.bias ?? BETA_ENTRY]);
  }
  /** The int8 output of a LayerNorm, for a node that reads that norm's float output first. */
  const quantInput = (g: GraphNode) => {
    const first = g.inputs!.names[0];
    const wired = rewire.get(first) ?? first;
    return quantOut.get(wired) ?? (wired !== first ? wired : undefined);
  };
  for (const g of [...qkv, ...ups]) {
    const q = quantInput(g);
    if (q) cppEdits.replaceNode(g.inputs!.items[0], q);
  }

  for (const v of new Set([...qkv, ...ups].map((g) => g.paramVar!))) {
    if (sparse) toLinearSparse(cppEdits, model, v);
    else setFields(v, [['hasBias', 'true'], ['linearType', LINEAR_INT8], ...(saysNotTransposed(v) ? [['transposeB', 'true'] as [string, string]] : [])]);
  }
  for (const l of qkvLinears) {
    const extra = [...(l.existingBias ? [] : [l.bias]), l.deq, ...(l.index ? [l.index] : [])];
    appendToList(cppEdits, l.node.inputs!.list, l.node.inputs!.items, extra);
  }

  for (const [g, h, ls] of helperPlans) {
    if (!plainRows.has(g)) setFields(g.paramVar!, [...(migrationOf(g)?.setFields ?? []), ...helperQuantFields(h, mode, layerParam)]);
    const migration = migrationOf(g);
    const q = quantInput(g);
    if (migration || padded.has(g)) {
      // V1 -> V2, or a V2 call missing trailing slots: the whole slot list is rewritten in the V2 layout.
      const slots = v2Slots(g, h);
      if (q) slots[0] = q;
      ls.forEach((l, i) => {
        if (!l) return;
        slots[h.bias[i]] = l.bias;
        slots[h.deqScale[i]] = l.deq;
        if (l.index) slots[h.index[i]] = l.index;
      });
      const list = g.inputs!.list;
      if (!migration) {
        // Missing trailing slots only: the given items change in place and the rest is appended.
        const { names, items } = g.inputs!;
        items.forEach((item, i) => slots[i] !== names[i] && cppEdits.replaceNode(item, slots[i]));
        appendToList(cppEdits, list, items, slots.slice(items.length));
        continue;
      }
      const inner = cppEdits.text.slice(list.startIndex + 1, list.endIndex - 1);
      const pad = /^\s/.test(inner) && /\s$/.test(inner) && !inner.includes('\n') ? ' ' : '';
      cppEdits.replaceNode(list, `{${pad}${slots.join(', ')}${pad}}`);
      if (plainRows.has(g)) plainLinearToRow(cppEdits, model, g, helperQuantFields(h, mode, layerParam));
      else migrateToV2(cppEdits, model, g, migration);
      continue;
    }
    const items = g.inputs!.items;
    if (q) cppEdits.replaceNode(items[0], q);
    ls.forEach((l, i) => {
      if (!l) return;
      if (!l.existingBias) cppEdits.replaceNode(items[h.bias[i]], l.bias);
      cppEdits.replaceNode(items[h.deqScale[i]], l.deq);
      if (l.index) cppEdits.replaceNode(items[h.index[i]], l.index);
    });
  }
  // A LinearParam that only the moved plain linears used is now unused: it goes with its assignments.
  for (const v of new Set([...plainRows].map((g) => g.paramVar!))) {
    if (!users(v).every((u) => plainRows.has(u))) continue;
    cppEdits.deleteStatement(model.paramVars.get(v)![0].declaration);
    for (const a of model.assignments.get(v) ?? []) cppEdits.deleteStatement(a.statement);
  }
  // The V2 helpers' headers replace the V1 ones.
  for (const migration of new Set(migrated.map((g) => migrationOf(g)!))) {
    const includes = ofType(model.cpp.tree.rootNode, ['preproc_include']);
    const include = includes.find((n) => n.childForFieldName('path')?.text === `"${migration.header[0]}"`);
    if (includes.some((n) => n.childForFieldName('path')?.text === `"${migration.header[1]}"`)) continue;
    if (include) cppEdits.replaceNode(include.childForFieldName('path')!, `"${migration.header[1]}"`);
    else {
      const includes = ofType(model.cpp.tree.rootNode, ['preproc_include']);
      const after = includes[includes.length - 1];
      if (after) cppEdits.insert(after.endIndex, `#include "${migration.header[1]}"${model.cpp.eol}`);
    }
  }

  // 6. Param struct and from_json gain the activation-quant scalars the helpers read.
  const structName = fn.paramStruct;
  const scalars = [...new Map(helperPlans.flatMap(([, h]) => helperScalars(h)).map((x) => [x.name, x])).values()];
  const struct = structName ? findStruct(files, structName) : undefined;
  if (!struct) refuse('quantize.no-param-struct', { name: structName ?? '?' });
  const fieldList = struct.node.childForFieldName('body')!;
  const fields = fieldList.namedChildren.filter((c): c is Node => c?.type === 'field_declaration');
  const existingFields = new Set(fields.flatMap((f) => ofType(f, ['field_identifier']).map((i) => i.text)));
  const newScalars = scalars.filter((s) => !existingFields.has(s.name));
  const structEdits = edits[struct.file]!;
  if (fields.length) structEdits.insertLinesAfter(fields[fields.length - 1], newScalars.map((s) => s.decl));
  else structEdits.insert(fieldList.startIndex + 1, newScalars.map((s) => structEdits.eol + '    ' + s.decl).join(''));
  let fromJsons = findFromJson(files, structName!);
  if (!fromJsons.length) fromJsons = findCreateReader(files, `Create${fn.name}`, structName!);
  // No reader in the layer: the model's own .cpp fills the param struct field by field (starcoder,
  // paged layers; their hand-written quant twins do the same), so it has to set the new scalars too.
  const notes: Message[] = [...padded].map(([g, missing]) =>
    msg('quantize.slots.note.padded', { line: g.inputs!.list.startPosition.row + 1, node: g.name, helper: g.creatorQualified ?? g.creator ?? '?', expected: missing + g.inputs!.names.length, actual: g.inputs!.names.length, missing, holder }),
  );
  const unread = scalars.filter((s) => !existingFields.has(s.name));
  if (!fromJsons.length && unread.length) notes.push(msg('quantize.note.set-scalars', { struct: struct.node.childForFieldName('name')?.text ?? structName!, names: unread.map((s) => s.name).join(', ') }));
  for (const fj of fromJsons) {
    const e = edits[fj.file]!;
    const alreadyRead = new Set(ofType(fj.body, ['string_literal']).map((l) => l.text.slice(1, -1)));
    const read = (s: { name: string; decl: string }) =>
      fj.style === 'get_to'
        ? `${fj.json}.at("${s.name}").get_to(${fj.param}.${s.name});`
        : `${fj.param}.${s.name} = ${fj.json}["${s.name}"].get<${s.decl.split(' ')[0]}>();`;
    const lines = scalars.filter((s) => !alreadyRead.has(s.name)).map(read);
    if (fj.lastStatement) e.insertLinesAfter(fj.lastStatement, lines);
    else e.insert(fj.body.startIndex + 1, lines.map((l) => e.eol + '    ' + l).join(''));
  }

  // 7. Rename the layer's symbols consistently across .cpp and .h.
  const renamed = renameSymbols(model, files, edits, mode, names, structName!);

  return {
    cpp: cppEdits.apply(),
    h: edits.h ? edits.h.apply() : '',
    addedTensors: added,
    notes,
    counts,
    renamed,
  };
}

/** Moves a V1 helper node to its V2 helper: call, param type and the fields that moved into the comm struct. */
function migrateToV2(edits: EditList, model: LayerModel, g: GraphNode, migration: V1Migration | ModelLocalMigration): void {
  const decl = model.paramVars.get(g.paramVar!)![0].declaration;
  if ('call' in migration) {
    // A model-local helper: the whole qualified call and param type move to the shared namespace.
    const call = ofType(g.createStatement!, ['call_expression']).find((c) => c.childForFieldName('function')?.text.replace(/\s+/g, '') === g.creatorQualified);
    if (call) edits.replaceNode(call.childForFieldName('function')!, migration.call);
    edits.replaceNode(decl.childForFieldName('type')!, migration.param);
  } else {
    const call = identifiersNamed(model.cpp, [g.creator!], g.createStatement!)[0];
    if (call) edits.replaceNode(call, migration.v2);
    const typeId = ofType(decl.childForFieldName('type')!, ['type_identifier']).find((t) => t.text === migration.paramV1);
    if (typeId) edits.replaceNode(typeId, migration.paramV2);
  }
  for (const a of model.assignments.get(g.paramVar!) ?? []) {
    const to = migration.fieldMoves[a.path];
    if (!to) continue;
    const left = a.expr.text.slice(0, a.value.startIndex - a.expr.startIndex).replace(/\s*=\s*$/, '');
    edits.replace(a.expr.startIndex, a.expr.startIndex + left.length, `${g.paramVar}.${to}`);
  }
}

/**
 * `CREATE_OPERATION(linearParam, &x.operation);` -> a ParallelParamV2 of the node's own (the float
 * LinearParam may be shared with the QKV linear, which stays a plain INT8 Linear), its quant fields,
 * and the row helper call on the same operation pointer.
 */
function plainLinearToRow(edits: EditList, model: LayerModel, g: GraphNode, fields: [string, string][]): void {
  const st = g.createStatement!;
  const call = ofType(st, ['call_expression'])[0];
  const target = call?.childForFieldName('arguments')?.namedChildren.filter((c): c is Node => !!c && c.type !== 'comment')[1];
  if (!target) refuse('quantize.plain-linear-param', { node: g.name, param: g.paramVar ?? '?', field: 'operation' }, 'cpp', st);
  const param = g.name.replace(/Node$/, '') + 'ParamV2';
  if (identifiersNamed(model.cpp, [param])[0]) refuse('quantize.name-collision', { name: param });
  const indent = edits.indentAt(st.startIndex);
  const lines = [
    `${PLAIN_LINEAR_TO_ROW.paramType} ${param};`,
    ...fields.map(([path, value]) => `${param}.${path} = ${value};`),
    `${PLAIN_LINEAR_TO_ROW.call}(${param}, ${target.text});`,
  ];
  edits.replaceNode(st, lines.join(edits.eol + indent));
}

/** Removes an enumerator with its comma, and its line when nothing else is on it. */
function deleteEnumerator(edits: EditList, node: Node): void {
  const text = edits.text;
  let end = node.endIndex;
  const comma = /^[ \t]*,/.exec(text.slice(end));
  if (comma) end += comma[0].length;
  const start = edits.lineStart(node.startIndex);
  const lineEnd = edits.lineEnd(end);
  const rest = text.slice(end, lineEnd);
  if (/^[ \t]*$/.test(text.slice(start, node.startIndex)) && /^[ \t]*(\/\/.*)?$/.test(rest)) {
    const next = text.startsWith('\r\n', lineEnd) ? lineEnd + 2 : text.startsWith('\n', lineEnd) ? lineEnd + 1 : lineEnd;
    edits.replace(start, next, '');
  } else edits.replace(node.startIndex, end + (/^[ \t]*/.exec(rest)?.[0].length ?? 0), '');
}

function layerParamName(fn: Node): string | undefined {
  const params = fn.childForFieldName('declarator')?.childForFieldName('parameters');
  const first = params?.namedChildren.find((p) => p?.type === 'parameter_declaration');
  const ids = first ? ofType(first, ['identifier']) : [];
  return ids[ids.length - 1]?.text;
}

/** `atb::infer::LinearParam p; p.x = ...;` -> `atb::infer::LinearSparseParam p = {false, true, 8, 8};` */
function toLinearSparse(edits: EditList, model: LayerModel, paramVar: string): void {
  const decl = model.paramVars.get(paramVar)![0].declaration;
  const type = decl.childForFieldName('type')!;
  const typeIds = ofType(type, ['type_identifier']);
  const typeId = typeIds[typeIds.length - 1];
  if (typeId) edits.replaceNode(typeId, 'LinearSparseParam');
  const declarator = decl.childForFieldName('declarator')!;
  if (declarator.type === 'init_declarator') edits.replaceNode(declarator.childForFieldName('value')!, LINEAR_SPARSE_INIT);
  else edits.insert(declarator.endIndex, ' = ' + LINEAR_SPARSE_INIT);
  for (const a of model.assignments.get(paramVar) ?? []) edits.deleteStatement(a.statement);
}

function findStruct(files: Record<FileKey, SourceFile | undefined>, name: string): { file: FileKey; node: Node } | undefined {
  for (const key of ['h', 'cpp'] as const) {
    const f = files[key];
    if (!f) continue;
    const node = ofType(f.tree.rootNode, ['struct_specifier', 'class_specifier']).find(
      (s) => s.childForFieldName('name')?.text === name && s.childForFieldName('body'),
    );
    if (node) return { file: key, node };
  }
  return undefined;
}

interface FromJson {
  file: FileKey;
  body: Node;
  lastStatement?: Node;
  json: string;
  param: string;
  /** `from_json` reads with `.at("k").get_to(p.k)`; a Create function that fills a local param reads `p.k = j["k"].get<T>()`. */
  style: 'get_to' | 'assign';
}

/**
 * Layers without from_json (llama2-70b, llama) fill a local param in `Create<Layer>` from the json
 * (`param.headNum = paramJson["headNum"].get<int>();`): the new scalars are read there, after the
 * last statement that reads the json.
 */
function findCreateReader(files: Record<FileKey, SourceFile | undefined>, createName: string, struct: string): FromJson[] {
  const out: FromJson[] = [];
  for (const key of ['cpp', 'h'] as const) {
    const f = files[key];
    if (!f) continue;
    for (const fn of ofType(f.tree.rootNode, ['function_definition'])) {
      const declarator = ofType(fn.childForFieldName('declarator') ?? fn, ['function_declarator'])[0];
      const name = declarator?.childForFieldName('declarator');
      if (!name || last(name.text) !== createName) continue;
      const jsonParam = (declarator.childForFieldName('parameters')?.namedChildren ?? []).find((p) => p?.type === 'parameter_declaration' && /json/.test(p.text));
      const json = jsonParam ? ofType(jsonParam, ['identifier']).pop()?.text : undefined;
      const body = fn.childForFieldName('body');
      if (!json || !body) continue;
      const local = body.namedChildren.find((c) => c?.type === 'declaration' && last(c.childForFieldName('type')?.text ?? '') === struct);
      const param = local ? ofType(local.childForFieldName('declarator') ?? local, ['identifier'])[0]?.text : undefined;
      if (!param) continue;
      const reads = body.namedChildren.filter((c): c is Node => !!c && c.type !== 'comment' && c.text.includes(`${param}.`) && new RegExp(`\\b${json}\\s*(\\[|\\.)`).test(c.text));
      if (!reads.length) continue;
      out.push({ file: key, body, lastStatement: reads[reads.length - 1], json, param, style: 'assign' });
    }
  }
  return out;
}

function findFromJson(files: Record<FileKey, SourceFile | undefined>, struct: string): FromJson[] {
  const out: FromJson[] = [];
  for (const key of ['cpp', 'h'] as const) {
    const f = files[key];
    if (!f) continue;
    for (const fn of ofType(f.tree.rootNode, ['function_definition'])) {
      const declarator = fn.childForFieldName('declarator');
      const name = declarator?.type === 'function_declarator' ? declarator.childForFieldName('declarator') : null;
      if (!name || last(name.text) !== 'from_json') continue;
      const params = (declarator!.childForFieldName('parameters')?.namedChildren ?? []).filter((p): p is Node => p?.type === 'parameter_declaration');
      if (params.length !== 2 || !params[1].text.includes(struct)) continue;
      const id = (p: Node) => ofType(p, ['identifier']).pop()?.text;
      const body = fn.childForFieldName('body')!;
      const statements = body.namedChildren.filter((c): c is Node => !!c && c.type !== 'comment');
      out.push({ file: key, body, lastStatement: statements[statements.length - 1], json: id(params[0]) ?? 'paramJson', param: id(params[1]) ?? 'param', style: 'get_to' });
    }
  }
  return out;
}

function renameSymbols(
  model: LayerModel,
  files: Record<FileKey, SourceFile | undefined>,
  edits: Record<FileKey, EditList | undefined>,
  mode: QuantMode,
  names: RewriteNames,
  structName: string,
): { from: string; to: string }[] {
  const naming = NAMING[mode];
  const fnName = model.layerFunction!.name;
  const symbols = new Set([fnName, `Create${fnName}`, structName]);
  for (const n of model.tensorEnum?.names ?? []) symbols.add(n);
  for (const f of [files.cpp, files.h]) {
    if (!f) continue;
    for (const cls of ofType(f.tree.rootNode, ['class_specifier'])) {
      const n = cls.childForFieldName('name')?.text;
      const base = cls.namedChildren.find((c) => c?.type === 'base_class_clause');
      if (n && base && /HostTensorBinder/.test(base.text)) symbols.add(n);
    }
  }
  // Other external-linkage free functions of the .cpp (e.g. a `reshapeHeads` helper) would be
  // defined twice when float and quant layers link into one library.
  for (const def of ofType(files.cpp!.tree.rootNode, ['function_definition'])) {
    if (!def.parent || (def.parent.type !== 'translation_unit' && def.parent.type !== 'declaration_list')) continue;
    if (def.parent.type === 'declaration_list' && !def.parent.parent?.childForFieldName('name')) continue; // anonymous namespace
    if (def.namedChildren.some((c) => c?.type === 'storage_class_specifier' && c.text === 'static')) continue;
    const d = def.childForFieldName('declarator');
    const id = d?.type === 'function_declarator' ? d.childForFieldName('declarator') : null;
    if (id?.type === 'identifier' && id.text !== 'from_json' && id.text !== 'to_json') symbols.add(id.text);
  }
  const rename = (s: string) =>
    s.startsWith('Create') && s !== fnName
      ? 'Create' + naming.symbol + s.slice(6)
      : /^[a-z]/.test(s)
        ? naming.symbol[0].toLowerCase() + naming.symbol.slice(1) + s[0].toUpperCase() + s.slice(1)
        : naming.symbol + s;
  const map = new Map([...symbols].map((s) => [s, rename(s)]));
  const found = new Set<string>();
  // Include guard of the header.
  const h = files.h;
  if (h) {
    const guard = ofType(h.tree.rootNode, ['preproc_ifdef'])[0]?.childForFieldName('name')?.text;
    if (guard) {
      const stem = names.headerBase.toUpperCase().replace(/[^A-Z0-9]/g, '_');
      const idx = guard.lastIndexOf(stem);
      if (names.guardStem) map.set(guard, naming.guard + names.guardStem.toUpperCase().replace(/[^A-Z0-9]/g, '_') + '_' + guard);
      else map.set(guard, idx >= 0 ? guard.slice(0, idx) + naming.guard + guard.slice(idx) : naming.guard + guard);
    }
  }
  for (const f of [files.cpp, files.h]) {
    if (!f) continue;
    const e = edits[f.key]!;
    for (const n of identifiersNamed(f, map.keys())) {
      if (n.type === 'field_identifier') continue; // a member access, not the layer's symbol
      e.replaceNode(n, map.get(n.text)!);
      found.add(n.text);
    }
    for (const n of ofType(f.tree.rootNode, ['preproc_include'])) {
      if (f.key === 'cpp') {
        const p = n.childForFieldName('path');
        if (p?.type === 'string_literal') {
          const inner = p.text.slice(1, -1);
          const slash = Math.max(inner.lastIndexOf('/'), inner.lastIndexOf('\\'));
          if (inner.slice(slash + 1) === names.headerFile) {
            e.replace(p.startIndex + 1 + slash + 1, p.endIndex - 1, names.outHeaderFile);
            found.add(names.headerFile);
            map.set(names.headerFile, names.outHeaderFile);
          }
        }
      }
    }
  }
  return [...map].filter(([from]) => found.has(from)).map(([from, to]) => ({ from, to }));
}

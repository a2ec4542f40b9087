/**
 * Lowering before the quant rewrite: nodes the rewrite cannot quantize as they stand, but whose
 * meaning is certain, are written out as plain ATB nodes it knows (a float-equivalent layer):
 *  - a model-local graph op (`CreateLlamaMultiLayerLinearOperation`, a packed SwiGLU MLP...) whose
 *    own .cpp, found through the layer's #include, has one of the shapes of LOCAL_OP_SHAPES: its
 *    nodes are inlined (Linear, Split, Activation, Mul);
 *  - a RowParallel `LinearParallelParam` without bias: a Linear and an AllReduce with the same
 *    communication fields;
 *  - a layer without its own tensor-id enum that uses the enum of a header it includes (deepseek's
 *    layer without experts): the enum is copied into the layer, the include dropped.
 * Mixture-of-experts ops are refused here with their own reason. Nothing here writes files.
 */
import type { FileReader } from '../common';
import type { Node, Syntax } from '../syntax';
import {
  analyzeLayer,
  enclosingStatement,
  findEnum,
  freeModel,
  identifiersNamed,
  INTERMEDIATE_PREFIXES,
  ofType,
  parseFile,
  type FileKey,
  type GraphNode,
  type LayerModel,
  type SourceFile,
} from '../layer/model';
import { CREATE_OPERATION_CALLS, QUANTIZED_OP } from './catalog';
import { EditList } from './edits';
import { ELEWISE_MUL, LINEAR_PARALLEL, LOCAL_OP_SHAPES, MOE_OP_CREATOR, SIMPLE_PARAMS } from './localOpShapes';
import { RefuseError, refuseUnsupportedStyle } from './rewrite';
import './localOpsMessages';

/** A header the layer includes with quotes, where it was found (next to the layer or above it), and its .cpp. */
export interface IncludedSource {
  include: string;
  headerPath?: string;
  headerText?: string;
  cppPath?: string;
  cppText?: string;
}

/** A call of a model-local graph op (`CreateXxxOperation(...)`, not ATB's own `CreateOperation`). */
const LOCAL_OP_CALL = /\bCreate(?!Operation\b)\w+Operation\s*\(/;
/** Includes are tried in the layer's folder and this many folders above it (`deepseek/16b_dense/operation/x.h` from models/). */
const INCLUDE_LEVELS = 5;

const last = (s: string): string => s.split('::').pop()!.trim();
const cap = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

function dirOf(p: string): string {
  return p.slice(0, Math.max(p.lastIndexOf('/'), p.lastIndexOf('\\')) + 1);
}
function baseName(p: string): string {
  return p.slice(Math.max(p.lastIndexOf('/'), p.lastIndexOf('\\')) + 1);
}

async function quiet<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch {
    return undefined;
  }
}

/**
 * The quoted includes of a layer that calls model-local ops, read through the FileReader (nothing
 * is read for other layers). A header not found anywhere is listed without a path, so a refusal can
 * name it.
 */
export async function readIncludedSources(reader: FileReader, cppPath: string, cppText: string, headerPath: string): Promise<IncludedSource[]> {
  if (!LOCAL_OP_CALL.test(cppText)) return [];
  const sep = cppPath.includes('\\') && !cppPath.includes('/') ? '\\' : '/';
  const dirs: string[] = [];
  for (let d = dirOf(cppPath), i = 0; d && i < INCLUDE_LEVELS; i++) {
    dirs.push(d);
    const parent = dirOf(d.slice(0, -1));
    if (parent === d) break;
    d = parent;
  }
  const out: IncludedSource[] = [];
  for (const m of cppText.matchAll(/^[ \t]*#[ \t]*include[ \t]*"([^"]+)"/gm)) {
    const src: IncludedSource = { include: m[1] };
    const rel = m[1].replace(/[\\/]/g, sep);
    // The layer's own header is read by the caller already.
    if (dirs.some((dir) => dir + rel === headerPath)) continue;
    for (const dir of dirs) {
      const p = dir + rel;
      if ((await quiet(reader.size(p))) === undefined) continue;
      src.headerPath = p;
      src.headerText = await quiet(reader.readText(p));
      const cpp = p.replace(/\.(h|hpp)$/i, '.cpp');
      if (cpp !== p) {
        src.cppPath = cpp;
        src.cppText = await quiet(reader.readText(cpp));
      }
      break;
    }
    out.push(src);
  }
  return out;
}

export interface Lowered {
  cppText: string;
  hText: string | undefined;
  /** Offsets of the lowered texts back to the original ones. */
  toOriginal: Record<FileKey, (offset: number) => number>;
}

/** A stand-in syntax node for a refusal range in the original text (only positions are read). */
export function spanIn(text: string, start: number, end: number): Node {
  const at = (offset: number) => {
    const before = text.slice(0, offset);
    const row = before.split('\n').length - 1;
    return { row, column: offset - (before.lastIndexOf('\n') + 1) };
  };
  return { startIndex: start, endIndex: end, startPosition: at(start), endPosition: at(end) } as unknown as Node;
}

function refuse(code: string, args?: Record<string, string | number>, file?: FileKey, node?: Node): never {
  throw new RefuseError(code, args, file, node);
}

/** Layer nodes that run a model-local graph op on a weight (not ops on quantized weights: those are refused as such). */
function localOpNodes(model: LayerModel): GraphNode[] {
  return model.nodes.filter(
    (g) =>
      !!g.creator &&
      !CREATE_OPERATION_CALLS.has(g.creator) &&
      /^Create\w+Operation$/.test(g.creator) &&
      !QUANTIZED_OP.test(g.creator) &&
      !!g.inputs?.names.some((n) => /^IN_\w*WEIGHT/.test(n)),
  );
}

function paramType(model: LayerModel, g: GraphNode): string {
  return g.paramVar ? last(model.paramVars.get(g.paramVar)?.[0]?.type ?? '') : '';
}

/**
 * The lowered layer, or undefined when nothing needs lowering. Throws RefuseError (ranges in the
 * original text) when a node is a mixture-of-experts op, or a local op whose source is missing or
 * of an unknown shape.
 */
export function lowerLayer(syntax: Syntax, model: LayerModel, included: IncludedSource[]): Lowered | undefined {
  const locals = localOpNodes(model);
  const parallels = model.nodes.filter((g) => g.creator && CREATE_OPERATION_CALLS.has(g.creator) && paramType(model, g) === LINEAR_PARALLEL.param);
  if (!model.layerFunction || (!locals.length && !parallels.length)) return undefined;
  // New-style, already quantized and mixed-branch layers keep their own reasons; a missing enum may be borrowed.
  try {
    refuseUnsupportedStyle(model);
  } catch (error) {
    if (!(error instanceof RefuseError && error.code === 'quantize.no-enum')) throw error;
  }
  const moe = locals.find((g) => MOE_OP_CREATOR.test(g.creator!));
  if (moe) refuse('quantize.local-op.moe', { node: moe.name, creator: moe.creatorQualified ?? moe.creator! }, 'cpp', moe.createStatement);
  const identity = (o: number) => o;
  if (!model.tensorEnum) {
    if (!locals.length) return undefined;
    const borrowed = borrowEnum(syntax, model, included);
    if (!borrowed) return undefined;
    const stage = analyzeLayer(syntax, borrowed.text, model.h?.text);
    try {
      const rest = lowerNodes(syntax, stage, included);
      const h = rest?.hText ?? model.h?.text;
      const toOriginalCpp = (o: number) => borrowed.toOriginal(rest ? rest.toOriginal.cpp(o) : o);
      return { cppText: rest?.cppText ?? borrowed.text, hText: h, toOriginal: { cpp: toOriginalCpp, h: rest?.toOriginal.h ?? identity } };
    } catch (error) {
      if (error instanceof RefuseError && error.node && error.file !== 'h') {
        const node = spanIn(model.cpp.text, borrowed.toOriginal(error.node.startIndex), borrowed.toOriginal(error.node.endIndex));
        throw new RefuseError(error.code, error.args, error.file, node);
      }
      throw error;
    } finally {
      freeModel(stage);
    }
  }
  return lowerNodes(syntax, model, included);
}

/** Top-level names a header declares (structs, classes, enums, free functions), not enumerators. */
function declaredNames(file: SourceFile): string[] {
  const out: string[] = [];
  for (const n of ofType(file.tree.rootNode, ['struct_specifier', 'class_specifier', 'function_declarator', 'alias_declaration', 'type_definition'])) {
    let p = n.parent;
    let inClass = false;
    while (p) {
      if (p.type === 'field_declaration_list') inClass = true;
      p = p.parent;
    }
    if (inClass) continue;
    const name = n.type === 'function_declarator' ? n.childForFieldName('declarator') : n.childForFieldName('name');
    if (name && (n.type !== 'struct_specifier' && n.type !== 'class_specifier' ? true : !!n.childForFieldName('body'))) out.push(last(name.text));
  }
  return out;
}

function namespacePath(node: Node): string {
  const names: string[] = [];
  for (let p = node.parent; p; p = p.parent) if (p.type === 'namespace_definition') names.unshift(p.childForFieldName('name')?.text ?? '');
  return names.join('::');
}

/**
 * The enum of an included header that holds every tensor id the layer wires, copied into the layer
 * where its counts are (same namespace), with that include dropped: the quant layer gets an enum
 * of its own to add inputs to, and float and quant layers stay includable together.
 */
function borrowEnum(syntax: Syntax, model: LayerModel, included: IncludedSource[]): { text: string; toOriginal: (o: number) => number } | undefined {
  const used = new Set(model.nodes.flatMap((g) => [...(g.inputs?.names ?? []), ...(g.outputs?.names ?? [])]));
  for (const src of included) {
    if (src.headerText === undefined) continue;
    const h = parseFile(syntax, 'h', src.headerText);
    try {
      const e = findEnum(h);
      if (!e || e.names.length !== 1 || ![...used].every((n) => e.entries.some((x) => x.name === n))) continue;
      const anchor = model.counts.find((c) => c.file === 'cpp')?.valueNode ?? model.layerFunction!.node;
      const anchorStatement = anchor === model.layerFunction!.node ? anchor : enclosingStatement(anchor);
      if (namespacePath(e.node) !== namespacePath(anchorStatement)) {
        refuse('quantize.local-op.enum-namespace', { file: baseName(src.headerPath!), ns: namespacePath(e.node) || '::' }, 'cpp', anchorStatement);
      }
      const include = ofType(model.cpp.tree.rootNode, ['preproc_include']).find((n) => n.childForFieldName('path')?.text === `"${src.include}"`);
      if (!include) continue;
      // The header may not be dropped when the layer uses anything else it declares.
      const own = [model.cpp, ...(model.h ? [model.h] : [])];
      for (const name of declaredNames(h)) {
        if (name === e.name) continue;
        const use = own.map((f) => identifiersNamed(f, [name])[0]).find(Boolean);
        if (use) refuse('quantize.local-op.enum-header-shared', { file: baseName(src.headerPath!), name }, 'cpp', use);
      }
      const edits = new EditList(model.cpp.text, model.cpp.eol);
      edits.deleteStatement(include);
      // Intermediates the layer does not use at the end of the enum (the other layer's) are past its
      // count anyway: they are left out, so the copy and INTERMEDIATE_TENSOR_COUNT agree.
      let keep = e.entries.length - 1;
      while (keep > 0 && e.entries[keep].kind === 'inter' && !used.has(e.entries[keep].name)) keep--;
      const body = e.node.childForFieldName('body')!;
      const copied =
        keep === e.entries.length - 1 || e.sentinels.length
          ? src.headerText.slice(e.node.startIndex, e.node.endIndex)
          : src.headerText.slice(e.node.startIndex, e.entries[keep].node.endIndex) + ',\n' + src.headerText.slice(body.endIndex - 1, e.node.endIndex);
      const enumText = copied.replace(/\r?\n/g, model.cpp.eol);
      const at = edits.lineStart(anchorStatement.startIndex);
      edits.insert(at, edits.indentAt(anchorStatement.startIndex) + enumText + ';' + model.cpp.eol + model.cpp.eol);
      const mapped = edits.applyMapped();
      return { text: mapped.text, toOriginal: mapped.toOriginal };
    } finally {
      h.tree.delete();
    }
  }
  return undefined;
}

/** One plain node of a lowered op, in layer terms. */
interface SimpleNode {
  /** '' for the layer's own node variable, else the suffix of a new one. */
  nodeSuffix: string;
  paramSuffix: string;
  paramType: string;
  /** Brace initialiser, or undefined. */
  init?: string;
  fields: [string, string][];
  inputs: string[];
  outputs: string[];
}

interface Replacement {
  g: GraphNode;
  nodes: SimpleNode[];
  /** New intermediate tensors, in the order they are written. */
  inters: string[];
}

interface OpSource {
  src: IncludedSource;
  file: SourceFile;
}

function findOpSource(syntax: Syntax, g: GraphNode, included: IncludedSource[], cache: Map<IncludedSource, SourceFile>): OpSource | undefined {
  for (const src of included) {
    if (src.headerText === undefined) continue;
    let file = cache.get(src);
    if (!file) {
      file = parseFile(syntax, 'h', src.headerText);
      cache.set(src, file);
    }
    const declares = ofType(file.tree.rootNode, ['function_declarator']).some((d) => last(d.childForFieldName('declarator')?.text ?? '') === g.creator);
    if (declares) return { src, file };
  }
  return undefined;
}

function lowerNodes(syntax: Syntax, model: LayerModel, included: IncludedSource[]): Lowered | undefined {
  const headers = new Map<IncludedSource, SourceFile>();
  try {
    const replacements: Replacement[] = [];
    for (const g of localOpNodes(model)) replacements.push(inlineLocalOp(syntax, model, g, included, headers));
    for (const g of model.nodes) {
      if (g.creator && CREATE_OPERATION_CALLS.has(g.creator) && paramType(model, g) === LINEAR_PARALLEL.param) replacements.push(splitLinearParallel(model, g));
    }
    if (!replacements.length) return undefined;
    return emit(model, replacements);
  } finally {
    for (const f of headers.values()) f.tree.delete();
  }
}

/** Field values of a param the layer sets (`p.x = v;`), by field; refuses a param built from a brace list. */
function layerFields(model: LayerModel, g: GraphNode, creator: string, file: string): Map<string, string> {
  const decl = model.paramVars.get(g.paramVar ?? '');
  const sharer = model.nodes.find((o) => o !== g && o.paramVar === g.paramVar);
  if (g.paramVar && sharer) refuse('quantize.shared-param', { param: g.paramVar, node: sharer.name }, 'cpp', sharer.createStatement);
  if (!g.paramVar || decl?.length !== 1) refuse('quantize.local-op.param', { creator, file, expr: g.paramVar ?? '?', param: g.paramVar ?? '?' }, 'cpp', g.createStatement);
  if (ofType(decl[0].declaration, ['init_declarator']).length) refuse('quantize.local-op.param', { creator, file, expr: decl[0].declaration.text, param: g.paramVar }, 'cpp', decl[0].declaration);
  const out = new Map<string, string>();
  for (const a of model.assignments.get(g.paramVar) ?? []) {
    if (out.has(a.path)) refuse('quantize.local-op.param', { creator, file, expr: `${g.paramVar}.${a.path}`, param: g.paramVar }, 'cpp', a.statement);
    out.set(a.path, a.value.text);
  }
  return out;
}

function inlineLocalOp(syntax: Syntax, model: LayerModel, g: GraphNode, included: IncludedSource[], headers: Map<IncludedSource, SourceFile>): Replacement {
  const creator = g.creatorQualified ?? g.creator!;
  const found = findOpSource(syntax, g, included, headers);
  if (!found) {
    const missing = included.filter((s) => !s.headerPath).map((s) => s.include);
    // Name the one include spelled like the op when there is one (deepseek_dense_multi_layer_linear.h).
    const squash = (x: string) => x.toLowerCase().replace(/[^a-z0-9]/g, '');
    const named = missing.filter((m) => squash(g.creator!).includes(squash(baseName(m).replace(/\.\w+$/, ''))));
    if (named.length === 1) missing.splice(0, missing.length, named[0]);
    refuse('quantize.local-op.source-missing', { node: g.name, creator, file: missing.join(', ') || '-' }, 'cpp', g.createStatement);
  }
  const { src } = found;
  if (src.cppText === undefined) refuse('quantize.local-op.source-missing', { node: g.name, creator, file: baseName(src.cppPath ?? src.include) }, 'cpp', g.createStatement);
  const opFile = baseName(src.cppPath!);
  const op = analyzeLayer(syntax, src.cppText, src.headerText);
  try {
    const shape: (signature: string) => never = (signature) => refuse('quantize.local-op.unknown-shape', { node: g.name, creator, file: opFile, signature }, 'cpp', g.createStatement);
    const fn = op.layerFunction;
    const e = op.tensorEnum;
    if (!fn || fn.name !== g.creator || !e) shape('no graph function with a tensor-id enum');
    // Tensor ids are positions: the enum must count from 0 without gaps.
    if (e.entries.slice(1).some((x) => x.node.text.includes('='))) shape('enum with explicit values');
    const ins = e.entries.filter((x) => x.kind === 'in').map((x) => x.name);
    const outs = e.entries.filter((x) => x.kind === 'out').map((x) => x.name);
    if (ins.length !== g.inputs!.names.length || outs.length !== (g.outputs?.names.length ?? -1)) {
      refuse('quantize.local-op.wiring', { node: g.name, creator, file: opFile, actual: `${g.inputs!.names.length}/${g.outputs?.names.length ?? 0}`, expected: `${ins.length}/${outs.length}` }, 'cpp', g.inputs!.list);
    }
    const fields = layerFields(model, g, creator, opFile);
    // `param.x` of the op: what the layer sets, else the default in the op's param struct.
    const opParam = ofType(fn.node.childForFieldName('declarator') ?? fn.node, ['parameter_declaration'])[0];
    const opParamName = opParam ? ofType(opParam, ['identifier']).pop()?.text : undefined;
    const structDefault = (field: string): string | undefined => {
      for (const f of [op.h, op.cpp]) {
        if (!f) continue;
        const st = ofType(f.tree.rootNode, ['struct_specifier']).find((s) => s.childForFieldName('name')?.text === fn.paramStruct && s.childForFieldName('body'));
        const decl = st && ofType(st, ['field_declaration']).find((d) => d.childForFieldName('declarator')?.text === field);
        const value = decl?.childForFieldName('default_value');
        if (value) return value.text;
      }
      return undefined;
    };
    const subst = (text: string): string => {
      if (!opParamName) return text;
      const out = text.replace(new RegExp(`\\b${opParamName}\\s*\\.\\s*(\\w+)`, 'g'), (whole, field: string) => {
        const v = fields.get(field) ?? structDefault(field);
        if (v === undefined) refuse('quantize.local-op.param', { creator, file: opFile, expr: whole, param: g.paramVar ?? '?' }, 'cpp', g.createStatement);
        return v;
      });
      return out;
    };
    // The op's nodes in graph order, as a signature and as plain nodes.
    const byName = new Map(op.nodes.map((n) => [n.name, n]));
    const order = op.nodeRefs.map((r) => ofType(r, ['identifier']).map((i) => i.text).find((t) => byName.has(t))).filter((x): x is string => !!x);
    const reshaped = new Map<string, number[]>();
    for (const a of ofType(fn.body, ['assignment_expression'])) {
      const m = /^(\w+)\.inTensorReshapeFuncs(?:\[(\d+)\]|\.at\((\d+)\))$/.exec(a.childForFieldName('left')?.text.replace(/\s+/g, '') ?? '');
      if (m) reshaped.set(m[1], [...(reshaped.get(m[1]) ?? []), Number(m[2] ?? m[3])]);
    }
    const names = new Map<string, string>();
    ins.forEach((n, i) => names.set(n, `in${i}`));
    outs.forEach((n, i) => names.set(n, `out${i}`));
    const opInters: string[] = [];
    const sig: string[] = [];
    const nodes: SimpleNode[] = [];
    for (const name of order) {
      const n = byName.get(name)!;
      const decls = n.paramVar ? op.paramVars.get(n.paramVar) : undefined;
      if (!n.creator || !CREATE_OPERATION_CALLS.has(n.creator) || decls?.length !== 1 || !n.inputs || !n.outputs || n.createCount !== 1) shape(`${name}: not a plain ATB node`);
      if (op.nodes.some((o) => o !== n && o.paramVar === n.paramVar)) shape(`${name}: shared param`);
      const type = last(decls[0].type);
      const init = ofType(decls[0].declaration, ['init_declarator'])[0]?.childForFieldName('value');
      const items = init?.type === 'initializer_list' ? init.namedChildren.filter((c): c is Node => !!c && c.type !== 'comment').map((c) => c.text) : undefined;
      const assigned = op.assignments.get(n.paramVar!) ?? [];
      const field = (p: string) => assigned.find((a) => a.path === p)?.value.text;
      let kind = `?${type}`;
      const simple: SimpleNode = { nodeSuffix: nodes.length ? cap(name.replace(/Node$/, '')) : '', paramSuffix: cap(n.paramVar!), paramType: '', fields: [], inputs: [], outputs: [] };
      if ((SIMPLE_PARAMS.matmul as readonly string[]).includes(type) && items && !assigned.length && items[0] === 'false' && (type === 'MatmulParam' ? items.length === 2 : items.length === 3 && items[2] === 'false')) {
        kind = 'matmul';
        simple.paramType = 'atb::infer::LinearParam';
        simple.fields = [['transposeB', subst(items[1])], ['hasBias', 'false']];
      } else if (type === SIMPLE_PARAMS.split && items?.length === 2 && !assigned.length && items.every((x) => /^\d+$/.test(x))) {
        kind = `split[${items.join(',')}]`;
        simple.paramType = 'atb::infer::SplitParam';
        simple.init = `{${items.join(', ')}}`;
      } else if (type === SIMPLE_PARAMS.act && !items && assigned.length === 1 && field('activationType')) {
        kind = `act[${last(field('activationType')!)}]`;
        simple.paramType = 'atb::infer::ActivationParam';
        simple.fields = [['activationType', subst(field('activationType')!)]];
      } else if (type === SIMPLE_PARAMS.elewise && !items && assigned.length === 1 && last(field('elewiseType') ?? '') === ELEWISE_MUL) {
        kind = 'mul';
        simple.paramType = 'atb::infer::ElewiseParam';
        simple.fields = [['elewiseType', field('elewiseType')!]];
      }
      const marks = (reshaped.get(name) ?? []).map((i) => (i === 0 ? '~' : `~${i}`)).join('');
      for (const t of n.outputs.names) {
        if (!names.has(t)) {
          if (e.entries.find((x) => x.name === t)?.kind !== 'inter') shape(`${name}: writes ${t}`);
          names.set(t, `t${opInters.length}`);
          opInters.push(t);
        }
      }
      const id = (t: string) => names.get(t) ?? '?';
      sig.push(`${kind}${marks}(${n.inputs.names.map(id).join(',')})>${n.outputs.names.map(id).join(',')}`);
      simple.inputs = n.inputs.names;
      simple.outputs = n.outputs.names;
      nodes.push(simple);
    }
    const signature = sig.join(' ');
    if (!LOCAL_OP_SHAPES.some((s) => s.signature === signature)) shape(signature);
    // Op tensors -> layer tensors: inputs and outputs by position, internal ones get new names.
    const prefix = INTERMEDIATE_PREFIXES.find((p) => model.tensorEnum!.entries.some((x) => x.kind === 'inter' && x.name.startsWith(p))) ?? 'INTERMEDIATE_';
    const base = g.name.replace(/Node$/, '');
    const toLayer = new Map<string, string>();
    ins.forEach((n, i) => toLayer.set(n, g.inputs!.names[i]));
    outs.forEach((n, i) => toLayer.set(n, g.outputs!.names[i]));
    const inters = opInters.map((t) => {
      const stripped = INTERMEDIATE_PREFIXES.reduce((s, p) => (s.startsWith(p) ? s.slice(p.length) : s), t);
      const name = `${prefix}${base.toUpperCase()}_${stripped}`;
      toLayer.set(t, name);
      return name;
    });
    for (const s of nodes) {
      s.inputs = s.inputs.map((t) => toLayer.get(t)!);
      s.outputs = s.outputs.map((t) => toLayer.get(t)!);
    }
    return { g, nodes, inters };
  } finally {
    freeModel(op);
  }
}

/** RowParallel LinearParallel without bias -> Linear + AllReduce carrying the same comm fields. */
function splitLinearParallel(model: LayerModel, g: GraphNode): Replacement {
  const fields = layerFields(model, g, LINEAR_PARALLEL.param, 'atb::infer');
  for (const [f, v] of Object.entries(LINEAR_PARALLEL.required)) {
    if (fields.get(f) !== v) {
      const a = (model.assignments.get(g.paramVar!) ?? []).find((x) => x.path === f);
      refuse('quantize.local-op.linear-parallel', { node: g.name, field: f, value: fields.get(f) ?? '-', expected: v }, 'cpp', a?.statement ?? g.createStatement);
    }
  }
  for (const [f] of fields) {
    if (f in LINEAR_PARALLEL.required || f === LINEAR_PARALLEL.transpose || LINEAR_PARALLEL.comm.includes(f)) continue;
    const a = (model.assignments.get(g.paramVar!) ?? []).find((x) => x.path === f)!;
    refuse('quantize.local-op.linear-parallel', { node: g.name, field: f, value: fields.get(f)!, expected: '-' }, 'cpp', a.statement);
  }
  if (g.inputs?.names.length !== 2 || g.outputs?.names.length !== 1) {
    refuse('quantize.local-op.wiring', { node: g.name, creator: LINEAR_PARALLEL.param, file: 'atb::infer', actual: `${g.inputs?.names.length ?? 0}/${g.outputs?.names.length ?? 0}`, expected: '2/1' }, 'cpp', g.inputs?.list ?? g.createStatement);
  }
  const partial = g.outputs.names[0] + LINEAR_PARALLEL.partialSuffix;
  const transpose = fields.get(LINEAR_PARALLEL.transpose);
  return {
    g,
    inters: [partial],
    nodes: [
      {
        nodeSuffix: '',
        paramSuffix: 'LinearParam',
        paramType: LINEAR_PARALLEL.linearType,
        fields: [...(transpose !== undefined ? [['transposeB', transpose] as [string, string]] : []), ['hasBias', 'false']],
        inputs: g.inputs.names,
        outputs: [partial],
      },
      {
        nodeSuffix: 'AllReduce',
        paramSuffix: 'AllReduceParam',
        paramType: LINEAR_PARALLEL.allReduceType,
        fields: LINEAR_PARALLEL.comm.filter((f) => fields.has(f)).map((f): [string, string] => [f, fields.get(f)!]),
        inputs: [partial],
        outputs: g.outputs.names,
      },
    ],
  };
}

/** Deletes a statement of the op's param, with a comment that shares its line (it spoke of that field). */
function deleteLine(edits: EditList, node: Node): void {
  const start = edits.lineStart(node.startIndex);
  const end = edits.lineEnd(node.endIndex);
  if (/^[ \t]*$/.test(edits.text.slice(start, node.startIndex)) && /^[ \t]*(\/\/.*)?$/.test(edits.text.slice(node.endIndex, end))) {
    const next = edits.text.startsWith('\r\n', end) ? end + 2 : edits.text.startsWith('\n', end) ? end + 1 : end;
    edits.replace(start, next, '');
  } else edits.deleteStatement(node);
}

/** Writes the replacements: node references, params, creations, wiring, enum entries and counts. */
function emit(model: LayerModel, replacements: Replacement[]): Lowered {
  const edits: Record<FileKey, EditList | undefined> = {
    cpp: new EditList(model.cpp.text, model.cpp.eol),
    h: model.h ? new EditList(model.h.text, model.h.eol) : undefined,
  };
  const cpp = edits.cpp!;
  const eol = model.cpp.eol;
  const tensorEnum = model.tensorEnum!;
  const enumEdits = edits[tensorEnum.file]!;
  const creates = model.nodes.map((n) => n.creator).filter((c): c is string => !!c && CREATE_OPERATION_CALLS.has(c));
  const createCall = creates.includes('CreateOperation') || !creates.length ? 'CreateOperation' : creates[0];
  const taken = new Set<string>();
  const claim = (name: string, g: GraphNode) => {
    const clash = taken.has(name) || identifiersNamed(model.cpp, [name])[0] || (model.h && identifiersNamed(model.h, [name])[0]) || tensorEnum.entries.some((e) => e.name === name);
    if (clash) refuse('quantize.local-op.name-taken', { node: g.name, name }, 'cpp', g.createStatement);
    taken.add(name);
    return name;
  };
  let addedNodes = 0;
  let addedInters = 0;
  for (const { g, nodes, inters } of replacements) {
    const base = g.name.replace(/Node$/, '');
    if (g.createCount !== 1 || g.inputAssignments !== 1 || !g.createStatement || !g.inputs || !g.outputs) refuse('quantize.ambiguous-node', { node: g.name }, 'cpp', g.createStatement);
    const reshape = ofType(model.layerFunction!.body, ['field_expression']).find((f) => f.text.replace(/\s+/g, '') === `${g.name}.inTensorReshapeFuncs`);
    if (reshape) refuse('quantize.local-op.reshape', { node: g.name }, 'cpp', enclosingStatement(reshape));
    const ref = model.nodeRefs.find((d) => ofType(d, ['identifier']).some((i) => i.text === g.name));
    if (!ref || !/\.\s*at\s*\(\s*\w+\s*\+\+\s*\)/.test(ref.text)) refuse('quantize.local-op.node-index', { node: g.name }, 'cpp', ref ?? g.createStatement);
    const nodeNames = nodes.map((s) => (s.nodeSuffix ? claim(`${base}${s.nodeSuffix}Node`, g) : g.name));
    const params = nodes.map((s) => claim(`${base}${s.paramSuffix}`, g));
    inters.forEach((t) => claim(t, g));
    const indent = cpp.indentAt(g.createStatement.startIndex);
    const paramLines = (s: SimpleNode, p: string) => [`${s.paramType} ${p}${s.init ? ` = ${s.init}` : ''};`, ...s.fields.map(([f, v]) => `${p}.${f} = ${v};`)];
    const createLine = (p: string, n: string) => `${createCall}(${p}, &${n}.operation);`;
    // The layer's node becomes the first plain node.
    const decl = model.paramVars.get(g.paramVar!)![0].declaration;
    deleteLine(cpp, decl);
    for (const a of model.assignments.get(g.paramVar!) ?? []) deleteLine(cpp, a.statement);
    cpp.replaceNode(g.createStatement, [...paramLines(nodes[0], params[0]), createLine(params[0], g.name)].join(eol + indent));
    cpp.replaceNode(g.inputs.list, `{${nodes[0].inputs.join(', ')}}`);
    cpp.replaceNode(g.outputs.list, `{${nodes[0].outputs.join(', ')}}`);
    // The others follow its wiring, in the op's order, with node references after its own.
    const wiring = [enclosingStatement(g.inputs.list), enclosingStatement(g.outputs.list)].sort((a, b) => b.endIndex - a.endIndex)[0];
    const lines: string[] = [];
    nodes.slice(1).forEach((s, i) => {
      const n = nodeNames[i + 1];
      lines.push('', ...paramLines(s, params[i + 1]), createLine(params[i + 1], n), `${n}.inTensorIds = {${s.inputs.join(', ')}};`, `${n}.outTensorIds = {${s.outputs.join(', ')}};`);
    });
    cpp.insert(cpp.lineEnd(wiring.endIndex), lines.map((l) => eol + (l ? indent + l : '')).join(''));
    const refIndent = cpp.indentAt(ref.startIndex);
    const refLines = nodeNames.slice(1).map((n) => ref.text.replace(new RegExp(`\\b${g.name}\\b`), n));
    cpp.insert(cpp.lineEnd(ref.endIndex), refLines.map((l) => eol + refIndent + l).join(''));
    addedNodes += nodes.length - 1;
    // New intermediates go right before the node's first output, which must be an intermediate.
    const first = tensorEnum.entries.find((x) => x.name === g.outputs!.names[0]);
    if (!first || first.kind !== 'inter') refuse('quantize.local-op.wiring', { node: g.name, creator: g.creatorQualified ?? '?', file: '-', actual: g.outputs.names[0], expected: 'INTERMEDIATE_*' }, 'cpp', g.outputs.list);
    if (inters.length) {
      const lineStart = enumEdits.lineStart(first.node.startIndex);
      const own = /^[ \t]*$/.test(enumEdits.text.slice(lineStart, first.node.startIndex));
      const entryIndent = enumEdits.indentAt(first.node.startIndex);
      if (own) enumEdits.insert(lineStart, inters.map((t) => `${entryIndent}${t},${enumEdits.eol}`).join(''));
      else enumEdits.insert(first.node.startIndex, inters.map((t) => `${t}, `).join(''));
      addedInters += inters.length;
    }
  }
  const shift = (pattern: RegExp, name: string, delta: number) => {
    if (!delta) return;
    const c = model.counts.find((x) => pattern.test(x.name));
    if (!c) refuse('quantize.no-count', { name });
    if (c.value === undefined) refuse('quantize.count-not-literal', { name: c.name, text: c.valueNode.text }, c.file, c.valueNode);
    edits[c.file]!.replaceNode(c.valueNode, String(c.value + delta));
  };
  shift(/^NODE_(COUNT|NUM)$/, 'NODE_COUNT', addedNodes);
  shift(/^(INTERMEDIATE|INTERMIDATE|INTERNAL)_TENSOR_/, 'INTERMEDIATE_TENSOR_COUNT', addedInters);
  const c = cpp.applyMapped();
  const h = edits.h?.applyMapped();
  return { cppText: c.text, hText: h?.text ?? model.h?.text, toOriginal: { cpp: c.toOriginal, h: h?.toOriginal ?? ((o: number) => o) } };
}

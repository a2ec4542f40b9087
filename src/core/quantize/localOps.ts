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
import type { Node, Syntax } from '../syntax';
import { analyzeLayer, firstSyntaxError, freeModel, INTERMEDIATE_PREFIXES, ofType, parseFile, type GraphNode, type LayerModel, type SourceFile } from '../layer/model';
import { CREATE_OPERATION_CALLS, QUANTIZED_OP } from './catalog';
import { borrowEnum } from './borrowEnum';
import type { IncludedSource } from './includedSources';
import { baseName } from './paths';
import { ELEWISE_MUL, LINEAR_PARALLEL, LOCAL_OP_SHAPES, MOE_OP_CREATOR, SIMPLE_PARAMS } from './localOpShapes';
import { emit } from './lowerEmit';
import { cap, last, refuse, spanIn, type Lowered, type Replacement, type SimpleNode } from './lowered';
import { RefuseError, refuseUnsupportedStyle } from './rewrite';
import './localOpsMessages';

export type { Lowered } from './lowered';

/**
 * What a reshape lambda does, from its assignments to `newShape`: `flat` for `[a, b, c] -> [a*b, c]`,
 * `unflat` for `[m, n] -> [1, m, n]` or `[k, m/k, n]` (the last dim kept, the data untouched),
 * otherwise `?` (a shape the inlining does not reproduce).
 */
function reshapeKind(lambda: Node | null): string {
  const body = lambda?.type === 'lambda_expression' ? lambda.childForFieldName('body') : null;
  if (!body) return '?';
  const sets = new Map<string, string>();
  for (const a of ofType(body, ['assignment_expression'])) {
    const left = a.childForFieldName('left')?.text.replace(/\s+/g, '') ?? '';
    const m = /^newShape\.(dimNum|dims\[(\d)\])$/.exec(left);
    if (m) sets.set(m[2] ?? 'n', (a.childForFieldName('right')?.text ?? '').replace(/[\s()]+/g, ''));
  }
  const is = (want: Record<string, string>) => sets.size === Object.keys(want).length && Object.entries(want).every(([k, v]) => sets.get(k) === v);
  if (is({ n: '2', 0: 'oldShape.dims[0]*oldShape.dims[1]', 1: 'oldShape.dims[2]' })) return 'flat';
  if (is({ n: '3', 0: '1', 1: 'oldShape.dims[0]', 2: 'oldShape.dims[1]' })) return 'unflat';
  const k = sets.get('0');
  if (k && is({ n: '3', 0: k, 1: `oldShape.dims[0]/${k}`, 2: 'oldShape.dims[1]' })) return 'unflat';
  return '?';
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
    // Values are copied from the op's text: an op source that does not parse is not read further.
    for (const [f, path] of [[op.cpp, src.cppPath!], [op.h, src.headerPath!]] as const) {
      const broken = f && firstSyntaxError(f.tree);
      if (broken) refuse('quantize.syntax-error', { file: baseName(path), line: broken.startPosition.row + 1 }, 'cpp', g.createStatement);
    }
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
    const reshaped = new Map<string, string[]>();
    for (const a of ofType(fn.body, ['assignment_expression'])) {
      const m = /^(\w+)\.inTensorReshapeFuncs(?:\[(\d+)\]|\.at\((\d+)\))$/.exec(a.childForFieldName('left')?.text.replace(/\s+/g, '') ?? '');
      if (!m) continue;
      const input = Number(m[2] ?? m[3]);
      const kind = reshapeKind(a.childForFieldName('right'));
      reshaped.set(m[1], [...(reshaped.get(m[1]) ?? []), `~${input === 0 ? '' : input}${kind}`]);
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
        // Written in ATB's own spelling: the op's text is only trusted for the name it ends with.
        simple.fields = [['activationType', `atb::infer::ActivationType::${last(field('activationType')!)}`]];
      } else if (type === SIMPLE_PARAMS.elewise && !items && assigned.length === 1 && last(field('elewiseType') ?? '') === ELEWISE_MUL) {
        kind = 'mul';
        simple.paramType = 'atb::infer::ElewiseParam';
        simple.fields = [['elewiseType', `atb::infer::ElewiseParam::ElewiseType::${ELEWISE_MUL}`]];
      }
      const marks = (reshaped.get(name) ?? []).join('');
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


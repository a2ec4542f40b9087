/**
 * A read-only model of an old-style ATB layer (free function building an `atb::GraphParam`),
 * built from tree-sitter syntax nodes of the .cpp and its .h. The quantize rewrite and the
 * layer diagnostics both work on this model; neither looks at the text with regexes.
 */
import type { Node, Syntax, Tree } from '../syntax';

export type FileKey = 'cpp' | 'h';

export interface SourceFile {
  key: FileKey;
  text: string;
  tree: Tree;
  /** The file's own line ending, kept on every inserted line. */
  eol: string;
}

export type EntryKind = 'in' | 'out' | 'inter';

export interface EnumEntry {
  name: string;
  node: Node;
  kind: EntryKind;
}

export interface TensorEnum {
  file: FileKey;
  name: string;
  nameNode: Node | null;
  node: Node;
  entries: EnumEntry[];
  /**
   * Names of all the enums the ids live in: usually one; falcon 7b and bloom split them into
   * In/Out/Internal enums chained by `..._MAX` sentinels (`OUT_LAYER_OUT = IN_TENSOR_MAX`).
   */
  names: string[];
  /** `IN_TENSOR_MAX`-style end markers: not tensors; counts written as sentinel arithmetic follow the enum. */
  sentinels: EnumEntry[];
}

/** An enum end marker (`IN_TENSOR_MAX`, `INTERNAL_TENSOR_MAX`), not a tensor id. */
export const SENTINEL = /_MAX$/;

export interface CountConst {
  file: FileKey;
  name: string;
  /** The initialiser (a number literal in practice). */
  valueNode: Node;
  value: number | undefined;
}

/** Where some text is, without holding a syntax node. */
export interface Span {
  startIndex: number;
  endIndex: number;
  text: string;
}

/** `var.path = value` inside the layer function. */
export class Assignment {
  private stmt?: Node;
  constructor(
    /** Text after `var.`, whitespace removed, e.g. `normParam.epsilon`. */
    readonly path: string,
    readonly expr: Node,
    readonly value: Span,
  ) {}
  /** The enclosing statement (with its `;`), looked up only when an edit needs it. */
  get statement(): Node {
    return (this.stmt ??= enclosingStatement(this.expr));
  }
}

/** `name.a.b =` at the start of an assignment's text (plain `=` only). */
const FIELD_ASSIGNMENT = /^(\w+)\s*\.\s*((?:\w+\s*\.\s*)*\w+)\s*=(?!=)\s*/;

export interface ParamVar {
  name: string;
  type: string;
  declaration: Node;
}

export interface IdList {
  list: Node;
  items: Node[];
  names: string[];
}

export interface GraphNode {
  /** Variable of the `atb::Node &x = opGraph.nodes.at(...)` reference. */
  name: string;
  /** Last segment of the creating function: CreateOperation, CREATE_OPERATION, RowParallelLinearV2... */
  creator?: string;
  creatorQualified?: string;
  /** First argument of the creating call when it is a plain variable. */
  paramVar?: string;
  createStatement?: Node;
  createCount: number;
  inputs?: IdList;
  inputAssignments: number;
  outputs?: IdList;
}

export interface LayerModel {
  cpp: SourceFile;
  h?: SourceFile;
  tensorEnum?: TensorEnum;
  counts: CountConst[];
  layerFunction?: { name: string; node: Node; body: Node; paramStruct?: string };
  nodes: GraphNode[];
  /** `atb::Node &x = ...nodes.at(...)` references, in order. */
  nodeRefs: Node[];
  paramVars: Map<string, ParamVar[]>;
  assignments: Map<string, Assignment[]>;
}

export const INTERMEDIATE_PREFIXES = ['INTERMIDATE_', 'INTERMEDIATE_', 'INTERNAL_'];

export function entryKind(name: string): EntryKind {
  if (name.startsWith('IN_')) return 'in';
  if (name.startsWith('OUT_')) return 'out';
  return 'inter';
}

export function detectEol(text: string): string {
  const i = text.indexOf('\n');
  return i > 0 && text[i - 1] === '\r' ? '\r\n' : '\n';
}

export function parseFile(syntax: Syntax, key: FileKey, text: string): SourceFile {
  const parser = syntax.parser('cpp');
  try {
    const tree = parser.parse(text);
    if (!tree) throw new Error('tree-sitter returned no tree');
    return { key, text, tree, eol: detectEol(text) };
  } finally {
    parser.delete();
  }
}

/** Yields every descendant (pre-order) of `node`, including itself. */
export function* walk(node: Node): Generator<Node> {
  const cursor = node.walk();
  try {
    let descending = true;
    for (;;) {
      if (descending) {
        yield cursor.currentNode;
        if (cursor.gotoFirstChild()) continue;
      }
      if (cursor.gotoNextSibling()) {
        descending = true;
        continue;
      }
      if (!cursor.gotoParent()) return;
      descending = false;
      if (cursor.currentNode.id === node.id) return;
    }
  } finally {
    cursor.delete();
  }
}

/**
 * Node types the layer code looks for many times. One traversal per tree collects them all;
 * later lookups filter that list by range instead of walking the tree again.
 */
const INDEXED = [
  'enum_specifier',
  'init_declarator',
  'function_definition',
  'class_specifier',
  'struct_specifier',
  'if_statement',
  'preproc_include',
  'preproc_ifdef',
];
const INDEXED_SET = new Set(INDEXED);
const indexes = new WeakMap<Tree, Map<string, Node[]>>();

function indexOf(tree: Tree): Map<string, Node[]> {
  let index = indexes.get(tree);
  if (!index) {
    index = new Map(INDEXED.map((t) => [t, [] as Node[]]));
    for (const n of tree.rootNode.descendantsOfType(INDEXED)) if (n) index.get(n.type)!.push(n);
    indexes.set(tree, index);
  }
  return index;
}

/** Descendants (or the node itself) of the given types, in document order. */
export function ofType(node: Node, types: string[]): Node[] {
  if (types.every((t) => INDEXED_SET.has(t))) {
    const index = indexOf(node.tree);
    const out: Node[] = [];
    for (const t of types) {
      for (const n of index.get(t)!) if (n.startIndex >= node.startIndex && n.endIndex <= node.endIndex) out.push(n);
    }
    return types.length > 1 ? out.sort((a, b) => a.startIndex - b.startIndex || b.endIndex - a.endIndex) : out;
  }
  const out = node.descendantsOfType(types).filter((n): n is Node => !!n);
  if (types.includes(node.type) && out[0]?.id !== node.id) out.unshift(node);
  return out;
}

const IDENTIFIER_TYPES = new Set(['identifier', 'type_identifier', 'namespace_identifier', 'field_identifier']);

/**
 * Identifier nodes spelled as one of `names` inside `within` (default: the whole file). Candidates
 * come from a text search; each is confirmed as an identifier token by the syntax tree, so words in
 * comments and strings never match.
 */
export function identifiersNamed(file: SourceFile, names: Iterable<string>, within: Node = file.tree.rootNode): Node[] {
  const out: Node[] = [];
  const text = file.text;
  for (const name of names) {
    if (!name) continue;
    for (let i = text.indexOf(name, within.startIndex); i >= 0 && i + name.length <= within.endIndex; i = text.indexOf(name, i + 1)) {
      if (/\w/.test(text[i - 1] ?? '') || /\w/.test(text[i + name.length] ?? '')) continue;
      const n = file.tree.rootNode.descendantForIndex(i, i + name.length);
      if (n && IDENTIFIER_TYPES.has(n.type) && n.startIndex === i && n.text === name) out.push(n);
    }
  }
  return out.sort((a, b) => a.startIndex - b.startIndex);
}

function lastSegment(text: string): string {
  const parts = text.split('::');
  return parts[parts.length - 1].trim();
}

function stripSpace(text: string): string {
  return text.replace(/\s+/g, '');
}

export function findEnum(file: SourceFile): TensorEnum | undefined {
  const found: { node: Node; entries: EnumEntry[]; sentinels: EnumEntry[] }[] = [];
  for (const node of ofType(file.tree.rootNode, ['enum_specifier'])) {
    const body = node.childForFieldName('body');
    if (!body) continue;
    const entries: EnumEntry[] = [];
    const sentinels: EnumEntry[] = [];
    for (const e of body.namedChildren) {
      if (e?.type !== 'enumerator') continue;
      // An enumerator's text starts with its name (`IN_X` or `IN_X = 0`).
      const name = /^\w+/.exec(e.text)?.[0];
      if (!name) continue;
      (SENTINEL.test(name) ? sentinels : entries).push({ name, node: e, kind: entryKind(name) });
    }
    found.push({ node, entries, sentinels });
  }
  const make = (parts: typeof found): TensorEnum => {
    const nameNode = parts[0].node.childForFieldName('name');
    return {
      file: file.key,
      name: nameNode?.text ?? '',
      nameNode,
      node: parts[0].node,
      entries: parts.flatMap((p) => p.entries),
      names: parts.map((p) => p.node.childForFieldName('name')?.text ?? '').filter(Boolean),
      sentinels: parts.flatMap((p) => p.sentinels),
    };
  };
  const has = (p: (typeof found)[number], kind: EntryKind) => p.entries.some((e) => e.kind === kind);
  const whole = found.find((p) => has(p, 'in') && has(p, 'out'));
  if (whole) return make([whole]);
  // Split enums: an In enum followed by an Out enum (and an intermediate one) chained by sentinels.
  const inAt = found.findIndex((p) => has(p, 'in') && p.entries.every((e) => e.kind === 'in') && p.sentinels.length);
  const out = found[inAt + 1];
  if (inAt < 0 || !out || !has(out, 'out') || out.entries.some((e) => e.kind === 'in')) return undefined;
  const inter = found[inAt + 2];
  const parts = [found[inAt], out];
  if (inter && inter.entries.length && inter.entries.every((e) => e.kind === 'inter')) parts.push(inter);
  return make(parts);
}

const COUNT_NAME = /^(IN|OUT|INTERMEDIATE|INTERMIDATE|INTERNAL)_TENSOR_(COUNT|NUM)$|^NODE_(COUNT|NUM)$/;

function findCounts(file: SourceFile): CountConst[] {
  const out: CountConst[] = [];
  for (const decl of ofType(file.tree.rootNode, ['init_declarator'])) {
    if (!COUNT_NAME.test(/^\w*/.exec(decl.text)![0])) continue;
    const name = decl.childForFieldName('declarator');
    const value = decl.childForFieldName('value');
    if (!name || !value || name.type !== 'identifier' || !COUNT_NAME.test(name.text)) continue;
    const parsed = value.type === 'number_literal' ? Number.parseInt(value.text, 10) : undefined;
    out.push({ file: file.key, name: name.text, valueNode: value, value: Number.isNaN(parsed) ? undefined : parsed });
  }
  return out;
}

/** The function whose body resizes `opGraph.nodes`: the layer function. */
function findLayerFunction(file: SourceFile): LayerModel['layerFunction'] {
  for (const fn of ofType(file.tree.rootNode, ['function_definition'])) {
    // Cheap text test first; the syntax check below confirms it.
    if (!file.text.slice(fn.startIndex, fn.endIndex).includes('resize')) continue;
    const body = fn.childForFieldName('body');
    const declarator = fn.childForFieldName('declarator');
    if (!body || !declarator) continue;
    const hasResize = ofType(body, ['call_expression']).some((c) => {
      const f = c.childForFieldName('function');
      return f?.type === 'field_expression' && f.childForFieldName('field')?.text === 'resize' && /\bnodes$/.test(f.childForFieldName('argument')?.text ?? '');
    });
    if (!hasResize) continue;
    const nameNode = declarator.type === 'function_declarator' ? declarator.childForFieldName('declarator') : null;
    if (!nameNode) continue;
    const params = declarator.childForFieldName('parameters');
    const first = params?.namedChildren.find((p) => p?.type === 'parameter_declaration');
    const type = first?.childForFieldName('type');
    return { name: lastSegment(nameNode.text), node: fn, body, paramStruct: type ? lastSegment(type.text) : undefined };
  }
  return undefined;
}

function idList(value: Node): IdList | undefined {
  if (value.type !== 'initializer_list') return undefined;
  const items = value.namedChildren.filter((n): n is Node => !!n && n.type !== 'comment');
  return { list: value, items, names: items.map((n) => n.text) };
}

export function enclosingStatement(node: Node): Node {
  let cur: Node | null = node;
  while (cur && cur.type !== 'expression_statement' && cur.type !== 'declaration') cur = cur.parent;
  return cur ?? node;
}

export function analyzeLayer(syntax: Syntax, cppText: string, headerText: string | undefined): LayerModel {
  const cpp = parseFile(syntax, 'cpp', cppText);
  const h = headerText === undefined ? undefined : parseFile(syntax, 'h', headerText);
  const files = h ? [cpp, h] : [cpp];
  const model: LayerModel = {
    cpp,
    h,
    tensorEnum: findEnum(cpp) ?? (h ? findEnum(h) : undefined),
    counts: files.flatMap(findCounts),
    layerFunction: findLayerFunction(cpp),
    nodes: [],
    nodeRefs: [],
    paramVars: new Map(),
    assignments: new Map(),
  };
  const fn = model.layerFunction;
  if (!fn) return model;
  const byName = new Map<string, GraphNode>();
  const node = (name: string): GraphNode => {
    let n = byName.get(name);
    if (!n) {
      n = { name, createCount: 0, inputAssignments: 0 };
      byName.set(name, n);
    }
    return n;
  };
  for (const n of ofType(fn.body, ['declaration', 'assignment_expression', 'call_expression'])) {
    if (n.type === 'declaration') {
      if (n.parent?.type === 'condition_clause' || n.parent?.type === 'for_range_loop') continue;
      const type = n.childForFieldName('type');
      for (const d of n.childrenForFieldName('declarator')) {
        if (!d) continue;
        // `atb::Node &x = opGraph.nodes.at(nodeId++);` (or `auto &x = ...`, as visualglm and chatglm2 paged write it)
        if (type && (lastSegment(type.text) === 'Node' || type.text === 'auto') && d.type === 'init_declarator') {
          const inner = d.childForFieldName('declarator');
          const id = inner?.type === 'reference_declarator' ? inner.namedChildren.find((c) => c?.type === 'identifier') : undefined;
          const value = d.childForFieldName('value')?.text ?? '';
          // With `auto` only the initialiser says it is a node: one element of the graph's nodes.
          if (id && (type.text === 'auto' ? /\bnodes\s*(\.\s*at\s*\(|\[)/.test(value) : /\bnodes\b/.test(value))) {
            node(id.text);
            model.nodeRefs.push(n);
            continue;
          }
        }
        const id = d.type === 'identifier' ? d : d.type === 'init_declarator' ? d.childForFieldName('declarator') : null;
        if (id?.type === 'identifier' && type) {
          const list = model.paramVars.get(id.text) ?? [];
          list.push({ name: id.text, type: stripSpace(type.text), declaration: n });
          model.paramVars.set(id.text, list);
        }
      }
    } else if (n.type === 'assignment_expression') {
      // The node's own short text tells the target; fields are fetched only for tensor-id lists.
      const text = n.text;
      const m = FIELD_ASSIGNMENT.exec(text);
      if (!m) continue;
      const base = m[1];
      const path = stripSpace(m[2]);
      if (path === 'inTensorIds' || path === 'outTensorIds') {
        const right = n.childForFieldName('right');
        const list = right ? idList(right) : undefined;
        const g = node(base);
        if (path === 'inTensorIds') {
          g.inputAssignments++;
          if (list) g.inputs = list;
        } else if (list) g.outputs = list;
        continue;
      }
      const list = model.assignments.get(base) ?? [];
      list.push(new Assignment(path, n, { startIndex: n.startIndex + m[0].length, endIndex: n.endIndex, text: text.slice(m[0].length) }));
      model.assignments.set(base, list);
    } else if (n.type === 'call_expression') {
      if (!n.text.includes('operation')) continue; // only calls that create a node's operation matter
      const args = n.childForFieldName('arguments');
      const f = n.childForFieldName('function');
      if (!args || !f) continue;
      const argNodes = args.namedChildren.filter((a): a is Node => !!a && a.type !== 'comment');
      const target = argNodes.find((a) => a.type === 'pointer_expression' && /\.operation$/.test(stripSpace(a.text)));
      if (!target) continue;
      const nodeName = stripSpace(target.text).slice(1).replace(/\.operation$/, '');
      if (!/^\w+$/.test(nodeName)) continue;
      const g = node(nodeName);
      g.createCount++;
      g.creator = lastSegment(f.text);
      g.creatorQualified = stripSpace(f.text);
      g.paramVar = argNodes[0]?.type === 'identifier' ? argNodes[0].text : undefined;
      g.createStatement = enclosingStatement(n);
    }
  }
  model.nodes = [...byName.values()].filter((g) => g.createStatement || g.inputs);
  return model;
}

export function freeModel(model: LayerModel): void {
  model.cpp.tree.delete();
  model.h?.tree.delete();
}

/** First ERROR or MISSING node of a tree, for a precise "does not parse" message. */
export function firstSyntaxError(tree: Tree): Node | undefined {
  if (!tree.rootNode.hasError) return undefined;
  for (const n of walk(tree.rootNode)) {
    if (n.type === 'ERROR' || n.isMissing) return n;
  }
  return tree.rootNode;
}

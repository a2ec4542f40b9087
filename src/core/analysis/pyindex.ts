/**
 * What a modeling file declares at top level: classes (with their __init__ submodules and scalar
 * attributes), module-level functions, imports and dict constants such as ATTENTION_CLASSES.
 * Built from syntax nodes only; cheap enough to rebuild on every analysis.
 */
import { Query, type Language, type Node, type Tree } from '../syntax';

export interface Submodule {
  attr: string;
  /** The assignment statement `self.attr = ...` (its range is the declaration's range). */
  statement: Node;
  value: Node;
}

export interface ClassInfo {
  name: string;
  node: Node;
  /** Start row of `node` in the tree it came from (a cached ClassInfo may come from an older tree). */
  row: number;
  /** Current start row minus `row`: add it to every row taken from this class's nodes. */
  delta: number;
  /** The text `node` was parsed from: node offsets index into it, not into a newer text. */
  source: string;
  /** Memo of constructedNames(). */
  constructed?: { classes: string[]; dispatch: string[] };
  /** Memo of the class part of scan signatures, per context flags. */
  signatures?: Map<string, string>;
  bases: string[];
  methods: Map<string, Node>;
  /** `self.x = <tensor-producing call>` in __init__, in order (may repeat an attr in if/else branches). */
  submodules: Submodule[];
  /** `self.x = <not a module>`: numbers, config values (used for scalar detection and repeat counts). */
  scalarAttrs: Map<string, Node>;
  /** `self.x = some_local_function` (ChatGLM's `self.activation_func = swiglu`). */
  functionAttrs: Map<string, string>;
  /** Names assigned in __init__ (`num_experts = config.n_routed_experts`). */
  initLocals: Map<string, Node>;
  /** Decorators of the class (torch.compile on a class is rare but possible). */
  decorators: Node[];
}

export interface FileIndex {
  classes: Map<string, ClassInfo>;
  functions: Map<string, Node>;
  /** Decorators per function node id. */
  decorators: Map<number, Node[]>;
  imports: { module: string; node: Node }[];
  /** Top-level `NAME = {"eager": Cls, ...}` dicts. */
  dicts: Map<string, Node>;
}

export function text(node: Node | null | undefined, source: string): string {
  return node ? source.slice(node.startIndex, node.endIndex) : '';
}

/**
 * Class infos are cached by the class's text (an unchanged class needs no new __init__ walk).
 * Their nodes belong to a copy of the tree they were built from; the copy stays alive while a
 * cached class refers to it (tree copies share their subtrees, so this is cheap).
 */
interface Holder {
  tree: Tree;
  refs: number;
}
type Generation = Map<string, { info: ClassInfo; holder: Holder }>;
/** Per document path, the classes of its last analysis (older versions are released at once). */
const classCache = new Map<string, Generation>();
const MAX_CACHED_DOCUMENTS = 32;

function release(entry: { holder: Holder }, current?: Holder): void {
  if (--entry.holder.refs === 0 && entry.holder !== current) entry.holder.tree.delete();
}

/** Forgets every cached class (benchmarks measure the uncached analysis with it). */
export function clearClassCache(): void {
  for (const generation of classCache.values()) for (const entry of generation.values()) release(entry);
  classCache.clear();
}

/** The index of a file. Call `release()` when the analysis is done with its nodes. */
export function buildIndex(tree: Tree, source: string, path: string): { index: FileIndex; release(): void } {
  const holder: Holder = { tree: tree.copy(), refs: 0 };
  const previous: Generation = classCache.get(path) ?? new Map();
  const next: Generation = new Map();
  const index: FileIndex = { classes: new Map(), functions: new Map(), decorators: new Map(), imports: [], dicts: new Map() };
  const visit = (node: Node, decorators: Node[]) => {
    switch (node.type) {
      case 'decorated_definition': {
        const decs = node.namedChildren.filter((c): c is Node => !!c && c.type === 'decorator');
        const def = node.childForFieldName('definition');
        if (def) visit(def, decs);
        break;
      }
      case 'class_definition': {
        const key = decorators.length ? decorators.map((d) => text(d, source)).join('\n') + '\u0000' + text(node, source) : text(node, source);
        const hit = previous.get(key) ?? next.get(key);
        let info: ClassInfo | undefined;
        if (hit) {
          previous.delete(key);
          next.set(key, hit);
          info = hit.info;
          info.delta = node.startPosition.row - info.row;
        } else {
          info = classInfo(node, source, decorators);
          if (info) {
            next.set(key, { info, holder });
            holder.refs++;
          }
        }
        if (info) index.classes.set(info.name, info);
        break;
      }
      case 'function_definition': {
        const name = text(node.childForFieldName('name'), source);
        if (name) index.functions.set(name, node);
        if (decorators.length) index.decorators.set(node.id, decorators);
        break;
      }
      case 'import_statement':
      case 'import_from_statement': {
        const moduleName = node.childForFieldName('module_name');
        if (node.type === 'import_from_statement' && moduleName) index.imports.push({ module: text(moduleName, source), node });
        else
          for (const child of node.namedChildren) {
            if (!child) continue;
            const target = child.type === 'aliased_import' ? child.childForFieldName('name') : child;
            if (target?.type === 'dotted_name') index.imports.push({ module: text(target, source), node });
          }
        break;
      }
      case 'expression_statement': {
        const assignment = node.namedChild(0);
        if (assignment?.type === 'assignment') {
          const left = assignment.childForFieldName('left');
          const right = assignment.childForFieldName('right');
          if (left?.type === 'identifier' && right?.type === 'dictionary') index.dicts.set(text(left, source), right);
        }
        break;
      }
      case 'if_statement':
      case 'try_statement':
      case 'block':
      case 'else_clause':
      case 'elif_clause':
      case 'except_clause':
        // Conditional imports (`if is_flash_attn_available(): from flash_attn import ...`).
        for (const child of node.namedChildren) if (child) visit(child, []);
        break;
      default:
        break;
    }
  };
  for (const child of holder.tree.rootNode.namedChildren) if (child) visit(child, []);
  // Classes of the previous version that are gone (edited or deleted) release their tree.
  for (const entry of previous.values()) release(entry, holder);
  classCache.delete(path);
  classCache.set(path, next);
  while (classCache.size > MAX_CACHED_DOCUMENTS) {
    const [oldest, generation] = classCache.entries().next().value as [string, Generation];
    classCache.delete(oldest);
    for (const entry of generation.values()) release(entry, holder);
  }
  return {
    index,
    release() {
      if (holder.refs === 0) holder.tree.delete();
    },
  };
}

function classInfo(node: Node, source: string, decorators: Node[]): ClassInfo | undefined {
  const name = text(node.childForFieldName('name'), source);
  if (!name) return undefined;
  const superclasses = node.childForFieldName('superclasses');
  const bases = (superclasses?.namedChildren ?? [])
    .filter((c): c is Node => !!c && c.type !== 'keyword_argument')
    .map((c) => text(c, source));
  const info: ClassInfo = {
    name,
    node,
    row: node.startPosition.row,
    delta: 0,
    source,
    bases,
    methods: new Map(),
    submodules: [],
    scalarAttrs: new Map(),
    functionAttrs: new Map(),
    initLocals: new Map(),
    decorators,
  };
  const body = node.childForFieldName('body');
  for (const child of body?.namedChildren ?? []) {
    if (!child) continue;
    const def = child.type === 'decorated_definition' ? child.childForFieldName('definition') : child;
    if (def?.type === 'function_definition') info.methods.set(text(def.childForFieldName('name'), source), def);
  }
  const init = info.methods.get('__init__');
  if (init) collectInit(init, info, source);
  return info;
}

const INIT_QUERY = `
(assignment left: (attribute object: (identifier) @obj attribute: (identifier) @attr) right: (_) @value) @assign
(assignment left: (identifier) @local right: (_) @localValue)
`;
const queries = new WeakMap<Language, Query>();

function initQuery(language: Language): Query {
  let query = queries.get(language);
  if (!query) queries.set(language, (query = new Query(language, INIT_QUERY)));
  return query;
}

/**
 * Walks __init__ (including if/else branches) for `self.x = ...` and local `name = ...`.
 * One query call per class: field-by-field node walking is the slow part of web-tree-sitter.
 */
function collectInit(init: Node, info: ClassInfo, source: string): void {
  const body = init.childForFieldName('body');
  if (!body) return;
  for (const match of initQuery(init.tree.language).matches(body)) {
    const get = (name: string) => match.captures.find((c) => c.name === name)?.node;
    const local = get('local');
    if (local) {
      const value = get('localValue');
      if (value) info.initLocals.set(text(local, source), value);
      continue;
    }
    const [obj, attrNode, right, assignment] = [get('obj'), get('attr'), get('value'), get('assign')];
    if (!obj || !attrNode || !right || !assignment || text(obj, source) !== 'self') continue;
    const attr = text(attrNode, source);
    const type = right.type;
    if (type === 'identifier') {
      // Either a value (`self.eps = eps`) or a local function (`self.activation_func = swiglu`).
      info.functionAttrs.set(attr, text(right, source));
      info.scalarAttrs.set(attr, right);
      continue;
    }
    const kind = classifyValue(right, type, source);
    if (kind === 'module') info.submodules.push({ attr, statement: assignment, value: right });
    else if (kind === 'function') info.functionAttrs.set(attr, text(right, source));
    else if (kind === 'scalar') info.scalarAttrs.set(attr, right);
  }
}

const SCALAR_CALLS = /^(int|float|bool|str|len|min|max|round|getattr|math\.\w+|abs|tuple|list|dict|set)$/;

/** Is the right-hand side of `self.x = ...` a submodule, a function alias, a scalar, or a tensor? (Classified from the node's own text.) */
function classifyValue(right: Node, type: string, source: string): 'module' | 'function' | 'scalar' | 'tensor' {
  const value = text(right, source);
  if (type === 'call') {
    if (/^[\w.]+\s*\[[^\]]*\]\s*\(/.test(value)) return 'module'; // ATTENTION_CLASSES[impl](config)
    const name = /^([\w.]+)\s*\(/.exec(value)?.[1] ?? '';
    if (SCALAR_CALLS.test(name)) return 'scalar';
    // `get_activation(config.activation)` (Falcon): transformers' activation factory, like ACT2FN[...].
    if (/(^|\.)get_activation$/.test(name)) return 'module';
    // `init_method(Embedding, config)`, `skip_init(nn.Linear, ...)`: a constructor through a helper.
    const first = /^[\w.]+\s*\(\s*([\w.]+)\s*[,)]/.exec(value)?.[1] ?? '';
    if (/init/i.test(name) && /^[\w.]*\b[A-Z]\w*$/.test(first)) return 'module';
    const last = name.split('.').pop() ?? '';
    if (/^[A-Z]/.test(last)) return last === 'Parameter' || last === 'Tensor' ? 'tensor' : 'module';
    return 'tensor'; // torch.ones(...), register_buffer results, ...
  }
  if (type === 'subscript') return /^(ACT2FN|ACT2CLS)\b/.test(value) ? 'module' : 'scalar';
  if (type === 'attribute') return /^(F|nn\.functional|torch)\./.test(value) ? 'function' : 'scalar';
  if (type === 'conditional_expression') {
    const first = right.namedChild(0);
    return first ? classifyValue(first, first.type, source) : 'scalar';
  }
  return 'scalar';
}

/** Local classes a class's __init__ constructs, read from the __init__ text (`Cls(`, `init_method(Cls`, `X_CLASSES[`). */
export function constructedNames(info: ClassInfo, source: string): { classes: string[]; dispatch: string[] } {
  return (info.constructed ??= readConstructedNames(info, source));
}

function readConstructedNames(info: ClassInfo, source: string): { classes: string[]; dispatch: string[] } {
  const init = info.methods.get('__init__');
  if (!init) return { classes: [], dispatch: [] };
  const body = text(init, source);
  const classes = [...body.matchAll(/\b([A-Za-z_]\w*)\s*\(\s*([A-Z]\w*)?/g)].flatMap((m) => (m[2] ? [m[1], m[2]] : [m[1]]));
  const dispatch = [...body.matchAll(/\b([A-Za-z_]\w*)\s*\[[^\]]*\]\s*\(/g)].map((m) => m[1]);
  return { classes, dispatch };
}

/** Is the class an nn.Module (directly, through PreTrainedModel, or through a local base)? */
export function isModuleClass(info: ClassInfo, index: FileIndex, seen = new Set<string>()): boolean {
  if (seen.has(info.name)) return false;
  seen.add(info.name);
  for (const base of info.bases) {
    if (/(^|\.)(Module|PreTrainedModel|ModuleList|Sequential|GenerationMixin)$/.test(base) || /PreTrainedModel$/.test(base)) return true;
    const local = index.classes.get(base);
    if (local && isModuleClass(local, index, seen)) return true;
  }
  return false;
}

/** Methods of the class or of its local base classes. */
export function findMethod(info: ClassInfo, name: string, index: FileIndex, seen = new Set<string>()): { node: Node; owner: string } | undefined {
  if (seen.has(info.name)) return undefined;
  seen.add(info.name);
  const own = info.methods.get(name);
  if (own) return { node: own, owner: info.name };
  for (const base of info.bases) {
    const local = index.classes.get(base);
    const found = local && findMethod(local, name, index, seen);
    if (found) return found;
  }
  return undefined;
}

/** `def swiglu(x): ...` nested in `__init__` (then `self.activation_func = swiglu`), here or in a base class. */
export function findInitFunction(info: ClassInfo, name: string, index: FileIndex): { node: Node; owner: string } | undefined {
  const init = findMethod(info, '__init__', index);
  for (const def of init?.node.childForFieldName('body')?.descendantsOfType('function_definition') ?? []) {
    if (def && def.childForFieldName('name')?.text === name) return { node: def, owner: init!.owner };
  }
  return undefined;
}

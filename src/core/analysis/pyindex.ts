/**
 * What a modeling file declares at top level: classes (with their __init__ submodules and scalar
 * attributes), module-level functions, imports and dict constants such as ATTENTION_CLASSES.
 * Built from syntax nodes only; cheap enough to rebuild on every analysis.
 */
import type { Node, Tree } from '../syntax';

export interface Submodule {
  attr: string;
  /** The assignment statement `self.attr = ...` (its range is the declaration's range). */
  statement: Node;
  value: Node;
}

export interface ClassInfo {
  name: string;
  node: Node;
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

export function buildIndex(tree: Tree, source: string): FileIndex {
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
        const info = classInfo(node, source, decorators);
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
  for (const child of tree.rootNode.namedChildren) if (child) visit(child, []);
  return index;
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

/** Walks __init__ (including if/else branches) for `self.x = ...` and local `name = ...`. */
function collectInit(init: Node, info: ClassInfo, source: string): void {
  const assignments = init.childForFieldName('body')?.descendantsOfType('assignment') ?? [];
  for (const assignment of assignments) {
    if (!assignment) continue;
    const left = assignment.childForFieldName('left');
    const right = assignment.childForFieldName('right');
    if (!left || !right) continue;
    if (left.type === 'identifier') {
      info.initLocals.set(text(left, source), right);
      continue;
    }
    if (left.type !== 'attribute' || text(left.childForFieldName('object'), source) !== 'self') continue;
    const attr = text(left.childForFieldName('attribute'), source);
    const statement = assignment.parent?.type === 'expression_statement' ? assignment.parent : assignment;
    if (right.type === 'identifier') {
      // Either a value (`self.eps = eps`) or a local function (`self.activation_func = swiglu`).
      info.functionAttrs.set(attr, text(right, source));
      info.scalarAttrs.set(attr, right);
      continue;
    }
    const kind = classifyValue(right, source);
    if (kind === 'module') info.submodules.push({ attr, statement, value: right });
    else if (kind === 'function') info.functionAttrs.set(attr, text(right, source));
    else if (kind === 'scalar') info.scalarAttrs.set(attr, right);
  }
}

const SCALAR_CALLS = /^(int|float|bool|str|len|min|max|round|getattr|math\.\w+|abs|tuple|list|dict|set)$/;

/** Is the right-hand side of `self.x = ...` a submodule, a function alias, a scalar, or a tensor? */
function classifyValue(right: Node, source: string): 'module' | 'function' | 'scalar' | 'tensor' {
  if (right.type === 'call') {
    const callee = right.childForFieldName('function');
    const name = text(callee, source);
    if (SCALAR_CALLS.test(name)) return 'scalar';
    if (callee?.type === 'subscript') return 'module'; // ATTENTION_CLASSES[impl](config)
    // `init_method(Embedding, config)`, `skip_init(nn.Linear, ...)`: a constructor through a helper.
    const first = right.childForFieldName('arguments')?.namedChildren.find((a) => a && a.type !== 'comment');
    if (/init/i.test(name) && first && /^[\w.]*\b[A-Z]\w*$/.test(text(first, source))) return 'module';
    const last = name.split('.').pop() ?? '';
    if (/^[A-Z]/.test(last)) return last === 'Parameter' || last === 'Tensor' ? 'tensor' : 'module';
    return 'tensor'; // torch.ones(...), register_buffer results, ...
  }
  if (right.type === 'subscript') {
    // ACT2FN[config.hidden_act] is a module; anything else indexing is a value.
    return /ACT2FN|ACT2CLS/.test(text(right.childForFieldName('value'), source)) ? 'module' : 'scalar';
  }
  if (right.type === 'attribute') return /^(F|nn\.functional|torch)\./.test(text(right, source)) ? 'function' : 'scalar';
  if (right.type === 'conditional_expression') {
    const first = right.namedChild(0);
    return first ? classifyValue(first, source) : 'scalar';
  }
  return 'scalar';
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

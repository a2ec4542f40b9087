/**
 * Scans one function body for operation uses: calls, operators, slicing, attention dispatch and
 * data-dependent control flow. The result is position-relative to the function's first line and
 * cached by the function's text, so re-analysis after an edit only rescans the edited function.
 */
import type { Catalog, CatalogEntry, Verdict } from '../catalog';
import type { Range } from '../common';
import { msg, type Message } from '../i18n';
import type { Node } from '../syntax';
import type { OpUse } from './types';
import { findInitFunction, findMethod, text, type ClassInfo, type FileIndex } from './pyindex';

/** A use with its range relative to the scanned function's first line. */
export type ScanUse = Omit<OpUse, 'id' | 'owner' | 'path'>;

export interface Callee {
  /** `init-function`: a function defined inside `__init__` and stored on self (ChatGLM's swiglu). */
  kind: 'method' | 'helper' | 'init-function';
  name: string;
}

export interface ScanResult {
  uses: ScanUse[];
  calls: Callee[];
}

export interface ScanContext {
  source: string;
  catalog: Catalog;
  index: FileIndex;
  cls?: ClassInfo;
  /** Inside attention code: matmul/softmax/mask arithmetic are fused into SelfAttention. */
  attention: boolean;
  /** Inside a norm class: `x * torch.rsqrt(...)` is the RmsNorm idiom. */
  norm: boolean;
  /** `signature(ctx)` computed once by the caller (it is the same for every method of a class). */
  signature?: string;
}

const SCAN_TYPES = [
  'call',
  'binary_operator',
  'unary_operator',
  'comparison_operator',
  'augmented_assignment',
  'subscript',
  'if_statement',
  'elif_clause',
  'while_statement',
  'for_statement',
  'import_statement',
  'import_from_statement',
];
/** SCAN_TYPES plus assignments: one tree walk per function body serves every pass. */
const WALK_TYPES = [...SCAN_TYPES, 'assignment'];
const SCANNED = new Set(SCAN_TYPES);

/** Roots whose dotted calls are library functions rather than tensor methods. */
const LIBRARY_ROOTS = new Set(['torch', 'F', 'nn', 'functional', 'einops', 'xops', 'xformers', 'flash_attn', 'triton']);
const SKIP_ROOTS = new Set(['math', 'np', 'numpy', 'os', 'logger', 'logging', 'warnings', 'inspect', 'copy', 're', 'sys', 'typing', 'itertools', 'functools', 'json', 'time', 'random', 'dist', 'kwargs', 'super']);
const DATA_DEPENDENT = /\.(item|tolist|any|all|nonzero|unique|cpu|numpy)\(|torch\.(any|all|nonzero|unique)\(|torch\.where\([^,()]*\)/;

/** Inside `try: ... except ImportError` (or any except) or under `if is_x_available():`. */
export function isOptionalImport(node: Node, source: string): boolean {
  for (let p = node.parent; p; p = p.parent) {
    if (p.type === 'try_statement') {
      const handlers = p.namedChildren.filter((c) => c?.type === 'except_clause');
      if (handlers.some((h) => /ImportError|ModuleNotFoundError|Exception|^except\s*:/.test(source.slice(h!.startIndex, h!.startIndex + 80)))) return true;
    }
    if (p.type === 'if_statement' && /is_\w+_available\(|available/.test(text(p.childForFieldName('condition'), source))) return true;
  }
  return false;
}

export function normalizeCallee(name: string): string {
  return name
    .replace(/^torch\.nn\.functional\./, 'F.')
    .replace(/^nn\.functional\./, 'F.')
    .replace(/^functional\./, 'F.')
    .replace(/^torch\.nn\./, 'nn.');
}

/** `a.b.c` for identifier/attribute chains, undefined for anything else (calls, subscripts). */
function dotted(node: Node, source: string): string | undefined {
  if (node.type === 'identifier') return text(node, source);
  if (node.type === 'attribute') {
    const object = node.childForFieldName('object');
    const head = object && dotted(object, source);
    return head === undefined ? undefined : `${head}.${text(node.childForFieldName('attribute'), source)}`;
  }
  return undefined;
}

function relRange(node: Node, baseRow: number): Range {
  return {
    start: { line: node.startPosition.row - baseRow, character: node.startPosition.column },
    end: { line: node.endPosition.row - baseRow, character: node.endPosition.column },
  };
}

function callArgs(call: Node, source: string): OpUse['args'] {
  const positional: string[] = [];
  const keywords: Record<string, string> = {};
  const args = call.childForFieldName('arguments');
  for (const arg of args?.namedChildren ?? []) {
    if (!arg || arg.type === 'comment') continue;
    if (arg.type === 'keyword_argument') keywords[text(arg.childForFieldName('name'), source)] = clip(text(arg.childForFieldName('value'), source));
    else positional.push(clip(text(arg, source)));
  }
  return { positional, keywords };
}

function clip(s: string): string {
  const flat = s.replace(/\s+/g, ' ');
  return flat.length > 80 ? flat.slice(0, 77) + '...' : flat;
}

const cache = new WeakMap<Catalog, Map<string, ScanResult>>();
const namesByCatalog = new WeakMap<Catalog, [string, CatalogEntry][]>();

/** The catalogue's `names:` entries as a flat list (looked for in every function body). */
function namedEntries(catalog: Catalog): [string, CatalogEntry][] {
  let list = namesByCatalog.get(catalog);
  if (!list) namesByCatalog.set(catalog, (list = catalog.entries.flatMap((e) => (e.names ?? []).map((n): [string, CatalogEntry] => [n, e]))));
  return list;
}

/** Forgets cached function scans (benchmarks measure the uncached analysis with it). */
export function clearScanCache(catalog: Catalog): void {
  cache.delete(catalog);
}

/** Scans `fn` (a function_definition), using and filling the per-catalogue cache. */
export function scanFunction(fn: Node, ctx: ScanContext): ScanResult {
  const key = `${text(fn, ctx.source)}\u0000${ctx.signature ?? signature(ctx)}`;
  let perCatalog = cache.get(ctx.catalog);
  if (!perCatalog) cache.set(ctx.catalog, (perCatalog = new Map()));
  const hit = perCatalog.get(key);
  if (hit) return hit;
  const result = detached(new FunctionScanner(fn, ctx).run());
  if (perCatalog.size > 20000) perCatalog.clear();
  perCatalog.set(detached(key), result);
  return result;
}

/**
 * A copy of `value` (plain data) whose strings are its own. Texts sliced from a document keep the
 * whole document alive in V8; a cache that outlives the document (the language server re-analyses on
 * every edit) must not hold one document text per edit.
 */
function detached<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

const fileSignatures = new WeakMap<FileIndex, string>();

function fileSignature(index: FileIndex): string {
  let sig = fileSignatures.get(index);
  if (sig === undefined) {
    // Module-level functions and every class's methods: `self.helper()` may resolve through a base class.
    const methods = [...index.classes.values()].map((c) => `${c.name}(${c.bases.join(',')}):${[...c.methods.keys()].join(',')}`);
    fileSignatures.set(index, (sig = [...index.functions.keys()].join(',') + '|' + methods.join(';')));
  }
  return sig;
}

/** Everything outside the function text that changes its scan (the class part is memoised on the class). */
export function signature(ctx: ScanContext): string {
  const cls = ctx.cls;
  const flags = `${ctx.attention ? 'A' : ''}${ctx.norm ? 'N' : ''}`;
  let classPart = '';
  if (cls) {
    cls.signatures ??= new Map();
    let memo = cls.signatures.get(flags);
    if (memo === undefined) {
      memo = [
        cls.name,
        cls.submodules.map((s) => s.attr).join(','),
        [...cls.functionAttrs].map(([a, f]) => `${a}=${f}`).join(','),
        [...cls.scalarAttrs.keys()].join(','),
        [...cls.methods.keys()].join(',') + '|' + cls.bases.join(','),
      ].join('\u0001');
      cls.signatures.set(flags, memo);
    }
    classPart = memo;
  }
  return `${flags}\u0001${classPart}\u0001${fileSignature(ctx.index)}`;
}

class FunctionScanner {
  private readonly source: string;
  private readonly baseRow: number;
  private readonly uses: ScanUse[] = [];
  private readonly calls: Callee[] = [];
  private readonly scalarNames = new Set<string>();
  /** Locals unpacked from a shape (`bsz, q_len, _ = x.size()`): sequence lengths vary per request. */
  private readonly shapeNames = new Set<string>();
  private readonly params = new Set<string>();
  private readonly tainted = new Set<string>();
  private taintRegex: RegExp | undefined;
  private readonly aliases = new Map<string, string>();

  constructor(private readonly fn: Node, private readonly ctx: ScanContext) {
    this.source = ctx.source;
    this.baseRow = fn.startPosition.row;
  }

  run(): ScanResult {
    this.collectParams();
    this.scanDecorators();
    const body = this.fn.childForFieldName('body');
    if (!body) return { uses: this.uses, calls: this.calls };
    // One walk (in source order) instead of one per pass: each walk marshals every matching node.
    const nodes = body.descendantsOfType(WALK_TYPES).filter((n): n is Node => !!n);
    this.collectLocals(nodes);
    const training = this.trainingOnlyRanges(body, nodes);
    for (const node of nodes) {
      if (SCANNED.has(node.type) && !training.some(([from, to]) => node.startIndex >= from && node.startIndex < to)) this.visit(node);
    }
    this.scanNames(body);
    return { uses: this.uses, calls: this.calls };
  }

  /**
   * Bodies of `if self.training ...:`, `if self.gradient_checkpointing and self.training:` and
   * `if labels is not None:` (jitter, dropout, checkpointing, losses): not part of inference.
   */
  private trainingOnlyRanges(body: Node, nodes: Node[]): [number, number][] {
    if (!/\bself\.(training|gradient_checkpointing)\b|\blabels is not None\b/.test(text(body, this.source))) return [];
    const ranges: [number, number][] = [];
    for (const stmt of nodes) {
      if (stmt.type !== 'if_statement') continue;
      const condition = stmt.childForFieldName('condition');
      const consequence = stmt.childForFieldName('consequence');
      const test = condition ? text(condition, this.source) : '';
      // A conjunction with one training-only term is training-only; `or` and `not` are not.
      const terms = test.replace(/^\((.*)\)$/s, '$1').split(/\band\b/).map((t) => t.trim());
      const trainingOnly = terms.some((t) => /^\(?\s*self\.(training|gradient_checkpointing)\s*\)?$/.test(t) || /^\(?\s*labels is not None\s*\)?$/.test(t));
      if (condition && consequence && trainingOnly && !/\b(or|not)\b(?! None)/.test(test.replace(/\bis not None\b/g, ''))) {
        ranges.push([stmt.startIndex, consequence.endIndex]);
      }
    }
    return ranges;
  }

  // ---- scopes ---------------------------------------------------------------------------------

  private collectParams(): void {
    for (const param of this.fn.childForFieldName('parameters')?.namedChildren ?? []) {
      if (!param) continue;
      const name = param.type === 'identifier' ? text(param, this.source) : text(param.childForFieldName('name') ?? param.namedChild(0), this.source);
      if (param.type === 'identifier' || param.type === 'typed_parameter' || param.type === 'default_parameter' || param.type === 'typed_default_parameter') this.params.add(name);
      const type = text(param.childForFieldName('type'), this.source);
      const value = param.childForFieldName('value');
      if (/^(Optional\[)?(int|float|bool|str)\]?$/.test(type) || (value && this.isScalar(value) && value.type !== 'none')) this.scalarNames.add(name);
    }
  }

  private taint(name: string): void {
    if (this.tainted.has(name)) return;
    this.tainted.add(name);
    this.taintRegex = new RegExp(`\\b(${[...this.tainted].map((t) => t.replace(/\W/g, '')).join('|')})\\b`);
  }

  /** Does the text depend on data (a data-dependent call, or a tainted local)? */
  private dependsOnData(t: string): boolean {
    // `self.h` is a module attribute, not the local `h` (a tainted local never taints an attribute).
    return DATA_DEPENDENT.test(t) || (this.taintRegex?.test(t.replace(/\bself(\.\w+)+/g, 'self')) ?? false);
  }

  /** Locals in source order: scalars (`bsz, q_len, _ = x.size()`), taints and function aliases. */
  private collectLocals(nodes: Node[]): void {
    this.collectAssignments(nodes);
    // `for i, n in enumerate(tokens_per_expert)` over host data: the loop variables are data too.
    for (const loop of nodes) {
      if (loop.type !== 'for_statement') continue;
      const right = loop?.childForFieldName('right');
      const left = loop?.childForFieldName('left');
      if (!right || !left) continue;
      if (!this.dependsOnData(text(right, this.source))) continue;
      for (const id of left.type === 'identifier' ? [left] : left.descendantsOfType('identifier')) if (id) this.taint(text(id, this.source));
    }
  }

  private collectAssignments(nodes: Node[]): void {
    for (const assignment of nodes) {
      if (assignment.type !== 'assignment') continue;
      const left = assignment.childForFieldName('left');
      const right = assignment.childForFieldName('right');
      if (!left || !right) continue;
      const names = left.type === 'identifier' ? [left] : left.descendantsOfType('identifier').filter((n): n is Node => !!n);
      const rightText = text(right, this.source);
      const scalar = this.isScalar(right) || /\.(size|shape|dim)\b/.test(rightText) && names.length > 1;
      // A tensor's dtype / device never depends on its values, even when the tensor does.
      const dataDependent = !/^[\w.]+\.(dtype|device)$/.test(rightText) && this.dependsOnData(rightText);
      const fromShape = /\.(size\(|shape\b)/.test(rightText) && !/\.(weight|bias)\b/.test(rightText);
      for (const n of names) {
        const name = text(n, this.source);
        if (scalar) this.scalarNames.add(name);
        if (fromShape && scalar) this.shapeNames.add(name);
        if (dataDependent) this.taint(name);
      }
      // `attention_interface = eager_attention_forward`, `mask_function = create_causal_mask if ... else ...`
      const aliased = right.type === 'conditional_expression' ? right.namedChild(0) : right;
      const aliasedText = aliased ? text(aliased, this.source) : '';
      if (left.type === 'identifier' && aliased?.type === 'identifier' && (this.ctx.index.functions.has(aliasedText) || this.ctx.catalog.lookup('helpers', aliasedText))) {
        this.aliases.set(text(left, this.source), aliasedText);
      }
    }
  }

  /** Numbers, shapes, config values, scalar attributes: operators on these are Python, not ATB. */
  private isScalar(node: Node): boolean {
    switch (node.type) {
      case 'integer':
      case 'float':
      case 'true':
      case 'false':
      case 'none':
      case 'string':
      case 'concatenated_string':
      case 'tuple':
      case 'list':
      case 'dictionary':
      case 'list_splat':
        return true;
      case 'parenthesized_expression': {
        const inner = node.namedChild(0);
        return !!inner && this.isScalar(inner);
      }
      case 'unary_operator': {
        const arg = node.childForFieldName('argument');
        return !!arg && this.isScalar(arg);
      }
      case 'binary_operator': {
        const l = node.childForFieldName('left');
        const r = node.childForFieldName('right');
        return !!l && !!r && this.isScalar(l) && this.isScalar(r);
      }
      case 'identifier': {
        const name = text(node, this.source);
        return this.scalarNames.has(name) || /^[A-Z][A-Z0-9_]+$/.test(name) || name === 'config';
      }
      case 'attribute': {
        const t = text(node, this.source);
        if (/\b(config|shape|dtype|device|ndim|training|is_causal|num_\w+|head_dim|hidden_size)\b/.test(t) && !/\.(weight|bias)$/.test(t)) return true;
        // `torch.float32`, `torch.bfloat16`: dtype constants (`if input_dtype == torch.float32:` is not data-dependent).
        if (/^torch\.(u?int\d*|float\d*|half|bfloat16|double|long|bool|complex\d*)$/.test(t)) return true;
        const object = node.childForFieldName('object');
        if (object && text(object, this.source) === 'self') return this.ctx.cls?.scalarAttrs.has(text(node.childForFieldName('attribute'), this.source)) ?? false;
        return false;
      }
      case 'subscript': {
        const value = node.childForFieldName('value');
        return !!value && this.isScalar(value);
      }
      case 'call': {
        const callee = text(node.childForFieldName('function'), this.source);
        return /^(len|int|float|round|min|max|math\.\w+|getattr)$/.test(callee) || /\.(size|dim|numel|item|get_seq_length|get_usable_length)$/.test(callee);
      }
      default:
        return false;
    }
  }

  // ---- recording --------------------------------------------------------------------------------

  private record(node: Node, name: string, kind: OpUse['kind'], entry: CatalogEntry | undefined, args?: OpUse['args'], reason?: Message): void {
    let verdict: Verdict;
    let atbOp: string | undefined;
    if (entry) {
      const within = this.ctx.attention ? entry.within?.attention : undefined;
      verdict = within?.verdict ?? entry.verdict;
      atbOp = within ? within.atbOp : entry.atbOp;
      if (within?.note && !reason) reason = this.ctx.catalog.withinNote(entry, 'attention');
    } else {
      verdict = 'unsupported';
    }
    this.uses.push({
      name,
      kind,
      verdict,
      ...(atbOp ? { atbOp } : {}),
      ...(entry ? { catalogId: entry.id } : {}),
      reason: reason ?? (entry ? this.ctx.catalog.noteMessage(entry) : msg('analysis.reason.unknown', { name })),
      range: relRange(node, this.baseRow),
      ...(args ? { args } : {}),
    });
  }

  private scanDecorators(): void {
    // Only decorated functions have `@...` on the line above (checked on the text: parent lookups cost).
    const lineStart = this.source.lastIndexOf('\n', this.fn.startIndex - 1);
    const above = this.source.slice(this.source.lastIndexOf('\n', lineStart - 1) + 1, lineStart).trim();
    if (!above.startsWith('@') && !above.endsWith(')')) return;
    const parent = this.fn.parent;
    // Module-level functions' decorators are reported once by the file analysis.
    if (parent?.type !== 'decorated_definition' || parent.parent?.type === 'module') return;
    for (const decorator of parent.namedChildren) {
      if (!decorator || decorator.type !== 'decorator') continue;
      const expr = decorator.namedChild(0);
      if (!expr) continue;
      const callee = expr.type === 'call' ? expr.childForFieldName('function') : expr;
      const name = callee && dotted(callee, this.source);
      if (!name) continue;
      const normalized = normalizeCallee(name);
      if (this.ctx.catalog.ignored('functions', normalized)) continue;
      const entry = this.ctx.catalog.lookup('functions', normalized) ?? this.ctx.catalog.lookup('helpers', name.split('.').pop()!);
      if (entry) this.record(decorator, normalized, 'function', entry);
    }
  }

  private scanNames(body: Node): void {
    const bodyText = text(body, this.source);
    const wanted = new Map<string, CatalogEntry>();
    for (const [name, entry] of namedEntries(this.ctx.catalog)) if (bodyText.includes(name) && !wanted.has(name)) wanted.set(name, entry);
    if (!wanted.size) return;
    for (const id of body.descendantsOfType('identifier')) {
      if (!id) continue;
      const entry = wanted.get(text(id, this.source));
      if (entry) this.record(id, text(id, this.source), 'idiom', entry);
    }
  }

  // ---- visiting ---------------------------------------------------------------------------------

  private visit(node: Node): void {
    switch (node.type) {
      case 'call':
        return this.visitCall(node);
      case 'binary_operator':
        return this.visitBinary(node);
      case 'unary_operator':
        return this.visitUnary(node);
      case 'comparison_operator':
        return this.visitComparison(node);
      case 'augmented_assignment':
        return this.visitAugmented(node);
      case 'subscript':
        return this.visitSubscript(node);
      case 'import_statement':
      case 'import_from_statement':
        return this.visitImport(node);
      case 'for_statement': {
        const right = node.childForFieldName('right');
        if (right && this.isTokenLoop(right)) {
          this.record(right, 'token-loop', 'idiom', this.ctx.catalog.lookup('idioms', 'token-loop'));
          return;
        }
        if (right) this.checkControl(right);
        return;
      }
      default: {
        const condition = node.childForFieldName('condition');
        if (condition) this.checkControl(condition);
      }
    }
  }

  /** `from fused_mlp_cuda import forward` inside a forward: a kernel library loaded at run time. */
  private visitImport(node: Node): void {
    if (isOptionalImport(node, this.source)) return;
    const moduleName = node.childForFieldName('module_name');
    const names = node.type === 'import_from_statement' && moduleName ? [moduleName] : node.namedChildren.map((c) => (c?.type === 'aliased_import' ? c.childForFieldName('name') : c));
    for (const target of names) {
      if (!target || target.type !== 'dotted_name') continue;
      const name = text(target, this.source);
      const entry = this.ctx.catalog.lookup('imports', name);
      if (entry) this.record(node, name, 'idiom', entry);
    }
  }

  private checkControl(expr: Node): void {
    const t = text(expr, this.source);
    if (!this.dependsOnData(t)) return;
    // `if attention_mask is not None and not attention_mask.all():` decides whether to build a mask.
    const maskDecision = /mask/i.test(t) ? this.ctx.catalog.lookup('idioms', 'mask-decision') : undefined;
    if (maskDecision) return this.record(expr, 'mask-decision', 'idiom', maskDecision);
    const entry = this.ctx.catalog.lookup('idioms', 'data-dependent-control-flow');
    this.record(expr, 'data-dependent-control-flow', 'idiom', entry);
  }

  /**
   * `for t in range(x.shape[1])`, `for i in range(seq_len)` (seq_len from a shape), `for tok in
   * hidden_states`: a loop whose trip count is a tensor's size. Loops over experts, layers or
   * config numbers are not (their count is fixed when the model is built).
   */
  private isTokenLoop(iterable: Node): boolean {
    const t = text(iterable, this.source);
    if (/self\.|config|experts?|layers?|heads?|past|cache|kwargs|\bargs\b|outputs/i.test(t)) return false;
    if (iterable.type === 'identifier') return this.params.has(t) && !this.scalarNames.has(t);
    // `for tok in hidden_states.unbind(1)`: one iteration per position.
    if (/^\w+\.unbind\(/.test(t)) return true;
    if (iterable.type !== 'call' || text(iterable.childForFieldName('function'), this.source) !== 'range') return false;
    const args = iterable.childForFieldName('arguments')?.namedChildren.filter((a): a is Node => !!a && a.type !== 'comment') ?? [];
    return args.some((a) => {
      const at = text(a, this.source);
      if (/\.(shape|size\()|\blen\(/.test(at)) return !/\.(weight|bias)\b/.test(at);
      return a.type === 'identifier' && this.shapeNames.has(at);
    });
  }

  private visitCall(call: Node): void {
    const fn = call.childForFieldName('function');
    if (!fn) return;
    const { catalog, cls, index } = this.ctx;
    if (fn.type === 'attribute') {
      const object = fn.childForFieldName('object');
      const attr = text(fn.childForFieldName('attribute'), this.source);
      if (object && object.type === 'identifier' && text(object, this.source) === 'self') {
        if (cls?.submodules.some((s) => s.attr === attr)) return; // the submodule's own node reports it
        const helper = catalog.lookup('helpers', attr);
        if (helper) return this.record(call, attr, 'idiom', helper, callArgs(call, this.source));
        const fnAlias = cls?.functionAttrs.get(attr);
        if (fnAlias && index.functions.has(fnAlias)) return this.callHelper(call, fnAlias);
        if (fnAlias && cls && findInitFunction(cls, fnAlias, index)) {
          this.calls.push({ kind: 'init-function', name: fnAlias });
          return;
        }
        if (cls && findMethod(cls, attr, index)) this.calls.push({ kind: 'method', name: attr });
        return;
      }
      const name = dotted(fn, this.source);
      const root = name?.split('.')[0];
      if (name && root && LIBRARY_ROOTS.has(root)) return this.libraryCall(call, normalizeCallee(name));
      if (name && root && SKIP_ROOTS.has(root)) return;
      if (name) {
        const byName = catalog.lookup('functions', name);
        if (byName && !catalog.ignored('functions', name)) return this.record(call, name, 'function', byName, callArgs(call, this.source));
      }
      const receiver = text(object, this.source);
      if (/config|kwargs|cache|past_key_value|^self$|^super\(\)/i.test(receiver) || object?.type === 'string') return;
      if (catalog.ignored('methods', attr)) return;
      const entry = catalog.lookup('methods', attr);
      if (entry) this.record(call, `Tensor.${attr}`, 'method', entry, callArgs(call, this.source));
      return;
    }
    if (fn.type === 'identifier') {
      let name = text(fn, this.source);
      name = this.aliases.get(name) ?? name;
      if (catalog.ignored('functions', name)) return;
      const helper = catalog.lookup('helpers', name);
      if (helper) return this.record(call, name, 'idiom', helper, callArgs(call, this.source));
      if (index.functions.has(name)) return this.callHelper(call, name);
      if (index.classes.has(name)) return;
      const entry = catalog.lookup('functions', name);
      if (entry) this.record(call, name, 'function', entry, callArgs(call, this.source));
    }
  }

  private callHelper(_call: Node, name: string): void {
    if (!this.calls.some((c) => c.kind === 'helper' && c.name === name)) this.calls.push({ kind: 'helper', name });
  }

  private libraryCall(call: Node, name: string): void {
    const { catalog } = this.ctx;
    if (catalog.ignored('functions', name)) return;
    const argCount = (call.childForFieldName('arguments')?.namedChildren ?? []).filter((a) => a && a.type !== 'keyword_argument' && a.type !== 'comment').length;
    const entry = catalog.lookup('functions', name, argCount);
    if (entry?.verdict === 'unsupported' && !entry.anywhere && this.onWeightsOnly(call)) {
      const once = catalog.lookup('idioms', 'weight-transform');
      if (once) return this.record(call, name, 'function', once, callArgs(call, this.source));
    }
    if (entry) return this.record(call, name, 'function', entry, callArgs(call, this.source));
    // torch.* / F.* calls the catalogue does not know: say so rather than guess.
    if (/^(torch|F|nn)\./.test(name) && !/^(torch\.(float|bfloat|half|int|long|bool)\w*|nn\.init\.)/.test(name)) {
      this.record(call, name, 'function', undefined, callArgs(call, this.source), msg('analysis.reason.unknown', { name }));
    }
  }

  /** `F.normalize(self.weight)`: a function of parameters only, computed once when the weights load. */
  private onWeightsOnly(call: Node): boolean {
    const args = (call.childForFieldName('arguments')?.namedChildren ?? []).filter((a): a is Node => !!a && a.type !== 'comment' && a.type !== 'keyword_argument');
    return args.length > 0 && args.every((a) => /^self(\.\w+)*\.weight$/.test(text(a, this.source)));
  }

  private isTensorOperand(node: Node | null): boolean {
    return !!node && !this.isScalar(node);
  }

  private visitBinary(node: Node): void {
    const op = text(node.childForFieldName('operator'), this.source);
    const left = node.childForFieldName('left');
    const right = node.childForFieldName('right');
    if (!left || !right) return;
    if (left.type === 'string' || right.type === 'string') return;
    if (!this.isTensorOperand(left) && !this.isTensorOperand(right)) return;
    if (op === '*' && this.ctx.norm && (this.isRsqrt(left) || this.isRsqrt(right))) {
      const idiom = this.ctx.catalog.lookup('idioms', 'rsqrt-norm');
      if (idiom) return this.record(node, 'rsqrt-norm', 'idiom', idiom);
    }
    const entry = this.ctx.catalog.lookup('operators', op);
    if (entry) this.record(node, op, 'operator', entry);
  }

  private isRsqrt(node: Node): boolean {
    return node.type === 'call' && /(^|\.)rsqrt$/.test(text(node.childForFieldName('function'), this.source));
  }

  private visitUnary(node: Node): void {
    const op = text(node.childForFieldName('operator'), this.source);
    const arg = node.childForFieldName('argument');
    if (!arg || !this.isTensorOperand(arg) || (op !== '-' && op !== '~')) return;
    const entry = this.ctx.catalog.lookup('operators', op === '-' ? 'neg' : '~');
    if (entry) this.record(node, op === '-' ? 'neg' : '~', 'operator', entry);
  }

  private visitComparison(node: Node): void {
    const operators: string[] = [];
    for (const child of node.children) if (child && !child.isNamed) operators.push(child.type);
    if (operators.some((o) => /^(is|in|not|is not|not in)$/.test(o))) return;
    const operands = node.namedChildren.filter((c): c is Node => !!c);
    if (operands.some((o) => o.type === 'string' || o.type === 'none')) return;
    if (!operands.some((o) => this.isTensorOperand(o))) return;
    const entry = this.ctx.catalog.lookup('operators', operators[0] ?? '==');
    if (entry) this.record(node, operators[0] ?? '==', 'operator', entry);
  }

  private visitAugmented(node: Node): void {
    const op = text(node.childForFieldName('operator'), this.source).replace(/=$/, '');
    const left = node.childForFieldName('left');
    const right = node.childForFieldName('right');
    if (!left || !right || (!this.isTensorOperand(left) && !this.isTensorOperand(right)) || right.type === 'string') return;
    const entry = this.ctx.catalog.lookup('operators', op);
    if (entry) this.record(node, op, 'operator', entry);
  }

  private visitSubscript(node: Node): void {
    const value = node.childForFieldName('value');
    if (!value || this.isScalar(value)) return;
    const valueText = text(value, this.source);
    if (/^self\.\w+$/.test(valueText) && this.ctx.cls?.submodules.some((s) => `self.${s.attr}` === valueText)) return;
    if (/(shape|size|outputs|args|kwargs|cache|past_key_values?)$/i.test(valueText)) return;
    const subscripts = node.childrenForFieldName('subscript').filter((c): c is Node => !!c);
    let op: string | undefined;
    if (subscripts.some((s) => s.type === 'slice')) op = 'slice';
    else if (subscripts.some((s) => s.type === 'none')) op = 'unsqueeze';
    if (!op) return;
    const entry = this.ctx.catalog.lookup('operators', op);
    if (entry) this.record(node, op === 'slice' ? '[:]' : '[None]', 'operator', entry);
  }
}

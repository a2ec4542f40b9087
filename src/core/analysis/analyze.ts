/**
 * Static operator-support analysis of one transformers modeling file: finds the model classes,
 * builds the module tree from `__init__` declarations and collects every operation used by the
 * forwards (and the helpers they call) with its ATB verdict.
 */
import { catalogHref, VERDICTS, type Catalog, type CatalogEntry, type Verdict } from '../catalog';
import type { DiagnosticData, Range } from '../common';
import { msg, type Message } from '../i18n';
import type { Node, Syntax, Tree } from '../syntax';
import { buildIndex, constructedNames, findInitFunction, findMethod, isModuleClass, text, type ClassInfo, type FileIndex, type Submodule } from './pyindex';
import { isOptionalImport, normalizeCallee, scanFunction, signature, type Callee, type ScanUse } from './scan';
import type { AnalysisResult, ModuleNode, OpUse } from './types';
import './messages';

export interface AnalyzeOptions {
  /** config.json of the model, to resolve `config.num_hidden_layers`, `ACT2FN[config.hidden_act]`, ... */
  config?: Record<string, unknown>;
  /** Also report fused uses as information diagnostics (`atb.fused-op`). */
  reportFused?: boolean;
  /** Class to root the module tree at (config.json `architectures[0]`), when the file defines it. */
  rootClass?: string;
}

/** Larger Python files are not modeling code (generated tables, vendored bundles). */
export const MAX_SOURCE_CHARS = 2 * 1024 * 1024;
const MAX_SYNTAX_DIAGNOSTICS = 20;

/** Alternative config keys across model families (ChatGLM's num_layers, DeepSeek's n_routed_experts, ...). */
const CONFIG_ALIASES: Record<string, string[]> = {
  num_hidden_layers: ['num_layers', 'n_layers', 'n_layer'],
  num_local_experts: ['n_routed_experts', 'num_experts', 'moe_num_experts'],
  num_experts: ['num_local_experts', 'n_routed_experts', 'moe_num_experts'],
  n_routed_experts: ['num_local_experts', 'num_experts'],
  num_layers: ['num_hidden_layers', 'n_layers'],
  hidden_act: ['hidden_activation', 'activation_function'],
};

export function configValue(config: Record<string, unknown> | undefined, key: string): unknown {
  if (!config) return undefined;
  for (const k of [key, ...(CONFIG_ALIASES[key] ?? [])]) {
    if (config[k] !== undefined && config[k] !== null) return config[k];
  }
  for (const nested of ['text_config', 'llm_config', 'language_config']) {
    const sub = config[nested];
    if (sub && typeof sub === 'object') {
      const v = configValue(sub as Record<string, unknown>, key);
      if (v !== undefined) return v;
    }
  }
  return undefined;
}

export function looksLikeModelCode(tree: Tree): boolean {
  for (const child of tree.rootNode.namedChildren) {
    const def = child?.type === 'decorated_definition' ? child.childForFieldName('definition') : child;
    if (def?.type !== 'class_definition') continue;
    const bases = def.childForFieldName('superclasses')?.text ?? '';
    if (/\b(nn\.Module|Module|PreTrainedModel|\w+PreTrainedModel)\b/.test(bases)) return true;
  }
  return false;
}

export function analyzeSource(syntax: Syntax, text: string, path: string, catalog: Catalog, options: AnalyzeOptions = {}): AnalysisResult {
  if (text.length > MAX_SOURCE_CHARS) return tooLarge(path, text.length);
  const parser = syntax.parser('python');
  try {
    const tree = parser.parse(text);
    if (!tree) return emptyResult(path, [msg('analysis.note.parseFailed', { path })]);
    try {
      return analyzeTree(tree, text, path, catalog, options);
    } finally {
      tree.delete();
    }
  } finally {
    parser.delete();
  }
}

/** Works on an already parsed tree so the language server can parse incrementally. */
export function analyzeTree(tree: Tree, source: string, path: string, catalog: Catalog, options: AnalyzeOptions = {}): AnalysisResult {
  if (source.length > MAX_SOURCE_CHARS) return tooLarge(path, source.length);
  const result = emptyResult(path, []);
  const syntaxProblems = syntaxDiagnostics(tree);
  result.diagnostics.push(...syntaxProblems);
  if (syntaxProblems.length) result.notes.push(msg('analysis.note.syntaxErrors', { count: syntaxProblems.length }));
  if (!looksLikeModelCode(tree)) {
    result.notes.push(msg('analysis.note.notModelCode', { path }));
    return result;
  }
  result.isModelCode = true;
  const analyzer = new FileAnalyzer(tree, source, path, catalog, options);
  try {
    analyzer.run(result);
  } finally {
    analyzer.release();
  }
  if (!options.config && result.root && hasUnknownRepeat(result.root)) result.notes.push(msg('analysis.note.noConfig'));
  result.diagnostics.push(...useDiagnostics(result.uses, catalog, options));
  return result;
}

function hasUnknownRepeat(node: ModuleNode): boolean {
  return (node.kind === 'layers' && node.repeat === undefined) || node.children.some(hasUnknownRepeat);
}

function emptyResult(path: string, notes: Message[]): AnalysisResult {
  return { path, isModelCode: false, modelClasses: [], root: undefined, uses: [], diagnostics: [], notes };
}

function tooLarge(path: string, chars: number): AnalysisResult {
  return emptyResult(path, [msg('analysis.note.tooLarge', { path, size: (chars / 1024 / 1024).toFixed(1), limit: MAX_SOURCE_CHARS / 1024 / 1024 })]);
}

function toRange(node: Node, rowDelta = 0): Range {
  return {
    start: { line: node.startPosition.row + rowDelta, character: node.startPosition.column },
    end: { line: node.endPosition.row + rowDelta, character: node.endPosition.column },
  };
}

/** Unique per use: nested operators (`a + b + c`) start at the same place but end elsewhere. */
function useId(path: string, range: Range, name: string): string {
  return `${path}:${range.start.line}:${range.start.character}-${range.end.line}:${range.end.character}:${name}`;
}

/** Range of a node of a (possibly cached) class, in the current text. */
function rangeIn(cls: ClassInfo, node: Node): Range {
  return toRange(node, cls.delta);
}

function syntaxDiagnostics(tree: Tree): DiagnosticData[] {
  if (!tree.rootNode.hasError) return [];
  const out: DiagnosticData[] = [];
  const errors = tree.rootNode.descendantsOfType('ERROR');
  for (const node of errors) {
    if (!node || out.length >= MAX_SYNTAX_DIAGNOSTICS) break;
    out.push({ range: toRange(node), severity: 'warning', code: 'atb.python-syntax', message: msg('analysis.diag.syntax') });
  }
  // Missing tokens (`def f(:` parses with a MISSING node, not an ERROR).
  if (!out.length) {
    const stack: Node[] = [tree.rootNode];
    while (stack.length && out.length < MAX_SYNTAX_DIAGNOSTICS) {
      const node = stack.pop()!;
      if (node.isMissing) out.push({ range: toRange(node), severity: 'warning', code: 'atb.python-syntax', message: msg('analysis.diag.syntax') });
      else if (node.hasError) for (const c of node.children) if (c) stack.push(c);
    }
  }
  return out;
}

function useDiagnostics(uses: OpUse[], catalog: Catalog, options: AnalyzeOptions): DiagnosticData[] {
  const out: DiagnosticData[] = [];
  for (const use of uses) {
    if (use.verdict !== 'unsupported' && !(options.reportFused && use.verdict === 'fused')) continue;
    const entry = use.catalogId ? catalog.byId(use.catalogId) : undefined;
    out.push({
      range: use.range,
      severity: use.verdict === 'unsupported' ? 'warning' : 'information',
      code: use.verdict === 'unsupported' ? 'atb.unsupported-op' : 'atb.fused-op',
      // The use's own reason (a context note such as soft-capping inside attention) when it is a catalogue note.
      message: use.reason.code.startsWith('catalog.note.') ? msg(use.reason.code.replace(/^catalog\.note\./, 'catalog.diag.'), { name: use.name }) : entry ? catalog.diagMessage(entry, use.name) : msg('analysis.diag.unknown', { name: use.name }),
      ...(use.catalogId ? { href: catalogHref(use.catalogId) } : {}),
      data: { catalogId: use.catalogId, name: use.name, kind: use.kind, atbOp: use.atbOp, useId: use.id },
    });
  }
  return out;
}

export function zeroCounts(): Record<Verdict, number> {
  return { native: 0, fused: 0, view: 0, host: 0, unsupported: 0 };
}

export function countUses(uses: OpUse[], into = zeroCounts()): Record<Verdict, number> {
  for (const use of uses) into[use.verdict]++;
  return into;
}

class FileAnalyzer {
  private readonly index: FileIndex;
  readonly release: () => void;
  private readonly classUses = new Map<string, OpUse[]>();
  private readonly all = new Map<string, OpUse>();

  constructor(
    tree: Tree,
    private readonly source: string,
    private readonly path: string,
    private readonly catalog: Catalog,
    private readonly options: AnalyzeOptions,
  ) {
    const built = buildIndex(tree, source, path);
    this.index = built.index;
    this.release = built.release;
  }

  run(result: AnalysisResult): void {
    const wanted = this.options.rootClass;
    const allClasses = [...this.index.classes.values()].filter((c) => isModuleClass(c, this.index));
    // Classification / QA heads are not served: their argmax over pad tokens and losses stay out.
    const offPath = allClasses.filter((c) => c.name !== wanted && this.catalog.ignored('classes', c.name)).map((c) => c.name);
    const moduleClasses = offPath.length < allClasses.length ? allClasses.filter((c) => !offPath.includes(c.name)) : allClasses;
    if (moduleClasses !== allClasses && offPath.length) result.notes.push(msg('analysis.note.offPath', { classes: offPath.join(', ') }));
    const importUses = this.importUses(result);
    for (const cls of moduleClasses) this.usesOf(cls);
    result.modelClasses = this.rankRoots(moduleClasses, allClasses);
    if (wanted && this.index.classes.has(wanted)) result.modelClasses = [wanted, ...result.modelClasses.filter((c) => c !== wanted)];
    const rootClass = result.modelClasses[0] ? this.index.classes.get(result.modelClasses[0]) : undefined;
    if (rootClass) {
      result.root = this.classNode(rootClass, rootClass.name, 'model', rangeIn(rootClass, rootClass.node), new Set());
      result.root.uses.unshift(...importUses);
      result.root.counts = countUses(importUses, result.root.counts);
    }
    for (const use of importUses) this.all.set(use.id, use);
    result.uses = [...this.all.values()].sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
  }

  /** Classes nobody instantiates, most model-like first (…ForCausalLM, then …Model). */
  private rankRoots(classes: ClassInfo[], all: ClassInfo[] = classes): string[] {
    const used = new Set<string>();
    for (const cls of all) {
      // Every constructor in __init__ counts: they hide in nested builders (`build_layer`) and init helpers.
      const { classes: names, dispatch } = constructedNames(cls, cls.source);
      for (const name of names) if (name !== cls.name && this.index.classes.has(name)) used.add(name);
      for (const dict of dispatch) for (const name of this.dictTargets(dict)) used.add(name);
    }
    const score = (c: ClassInfo) =>
      /ForCausalLM$/.test(c.name) ? 0 : /ForConditionalGeneration$/.test(c.name) ? 1 : /Model$/.test(c.name) && !/PreTrainedModel$/.test(c.name) ? 2 : /PreTrainedModel$/.test(c.name) ? 9 : 5;
    return classes
      .filter((c) => !used.has(c.name) && (c.submodules.length > 0 || c.methods.has('forward')))
      .sort((a, b) => score(a) - score(b) || b.submodules.length - a.submodules.length)
      .map((c) => c.name);
  }

  /** `LLAMA_ATTENTION_CLASSES[config._attn_implementation]` -> the eager class. */
  private dispatchTargets(subscript: Node, source: string): string[] {
    return this.dictTargets(text(subscript.childForFieldName('value'), source));
  }

  private dictTargets(dictName: string): string[] {
    const dict = this.index.dicts.get(dictName);
    if (!dict) return [];
    const pairs = dict.namedChildren.filter((p): p is Node => !!p && p.type === 'pair');
    const eager = pairs.find((p) => /eager/.test(text(p.childForFieldName('key'), this.source))) ?? pairs[0];
    const name = eager ? text(eager.childForFieldName('value'), this.source) : '';
    return this.index.classes.has(name) ? [name] : [];
  }

  private importUses(result: AnalysisResult): OpUse[] {
    const uses: OpUse[] = [];
    const functionNames = new Map<number, string>();
    for (const [name, fn] of this.index.functions) functionNames.set(fn.id, name);
    // Decorators of module-level functions (`@torch.jit.script def apply_rotary_pos_emb`): the
    // function may be recognised as a helper and never scanned, but the region still matters.
    for (const [fnId, decorators] of this.index.decorators) {
      const fnName = functionNames.get(fnId) ?? '';
      for (const decorator of decorators) {
        const expr = decorator.namedChild(0);
        const callee = expr?.type === 'call' ? expr.childForFieldName('function') : expr;
        const name = normalizeCallee(text(callee, this.source));
        if (!name || this.catalog.ignored('functions', name)) continue;
        const entry = this.catalog.lookup('functions', name);
        if (!entry) continue;
        const use = this.absolute({ name, kind: 'function', verdict: entry.verdict, ...(entry.atbOp ? { atbOp: entry.atbOp } : {}), catalogId: entry.id, reason: this.catalog.noteMessage(entry), range: toRange(decorator) }, 0, fnName || '<module>');
        uses.push(this.compiledHelper(use, entry, fnName));
      }
    }
    const optional: string[] = [];
    for (const { module, node } of this.index.imports) {
      const entry = this.catalog.lookup('imports', module);
      if (!entry) continue;
      // `try: import xformers ... except ImportError:` / `if is_flash_attn_available():` has an eager fallback.
      if (isOptionalImport(node, this.source)) {
        optional.push(`${module} (${node.startPosition.row + 1})`);
        continue;
      }
      uses.push(this.absolute({ name: module, kind: 'idiom', verdict: entry.verdict, ...(entry.atbOp ? { atbOp: entry.atbOp } : {}), catalogId: entry.id, reason: this.catalog.noteMessage(entry), range: { start: { line: 0, character: node.startPosition.column }, end: { line: node.endPosition.row - node.startPosition.row, character: node.endPosition.column } } }, node.startPosition.row, '<module>'));
    }
    if (optional.length) result.notes.push(msg('analysis.note.optionalImports', { imports: optional.join(', ') }));
    return uses;
  }

  /**
   * `@torch.jit.script` on a function the catalogue maps (ChatGLM's apply_rotary_pos_emb): the
   * compile step is dropped, the function is the ATB op. On a host-scope function it is host work.
   */
  private compiledHelper(use: OpUse, entry: CatalogEntry, fnName: string): OpUse {
    if (!fnName || entry.id !== 'torch.compile') return use;
    const scope = this.catalog.lookup('scopes', fnName);
    if (scope) return this.inScope(use, scope, true);
    const helper = this.catalog.lookup('helpers', fnName);
    if (!helper || helper.verdict === 'unsupported') return use;
    const reason = msg('analysis.reason.compiledHelper', { decorator: use.name, helper: fnName, atbOp: helper.atbOp ?? helper.id });
    return { ...use, verdict: helper.verdict === 'host' ? 'host' : 'fused', ...(helper.atbOp ? { atbOp: helper.atbOp } : {}), reason };
  }

  private isAnywhere(use: OpUse): boolean {
    return !!use.catalogId && this.catalog.byId(use.catalogId)?.anywhere === true;
  }

  /** A use inside a host scope (mask builder, alibi slopes): host work, unless its verdict holds anywhere. */
  private inScope(use: OpUse, scope: CatalogEntry, force = false): OpUse {
    // The scope is the more specific reason (alibi slopes, not just "an arange"); FFT & co. keep theirs.
    if (!force && this.isAnywhere(use)) return use;
    const { atbOp: _own, ...rest } = use;
    return { ...rest, verdict: scope.verdict, ...(scope.atbOp ? { atbOp: scope.atbOp } : {}), catalogId: scope.id, reason: this.catalog.noteMessage(scope) };
  }

  /** A class holding `self.experts` and routing to them: one ATB MoE unit (see idiom.moe-block). */
  private moeEntry(cls: ClassInfo): CatalogEntry | undefined {
    if (!cls.submodules.some((s) => s.attr === 'experts')) return undefined;
    return this.catalog.lookup('idioms', 'moe-block');
  }

  private inMoe(use: OpUse, entry: CatalogEntry): OpUse {
    if (this.isAnywhere(use) || use.verdict === 'host' || use.verdict === 'view' || use.verdict === 'fused') return use;
    // A loop over tokens is no routing: ATB's MoE operations have no counterpart for it (a host scope may run one).
    if (use.name === 'token-loop') return use;
    return { ...use, verdict: 'fused', atbOp: use.atbOp ?? entry.atbOp, catalogId: entry.id, reason: this.catalog.noteMessage(entry) };
  }

  private absolute(use: ScanUse, baseRow: number, owner: string): OpUse {
    const range = {
      start: { line: use.range.start.line + baseRow, character: use.range.start.character },
      end: { line: use.range.end.line + baseRow, character: use.range.end.character },
    };
    const id = useId(this.path, range, use.name);
    return { ...use, id, owner, range };
  }

  /** The class's own entry when its body is one ATB op (RMSNorm, rotary embedding classes). */
  private absorbingEntry(cls: ClassInfo): CatalogEntry | undefined {
    const forward = cls.methods.get('forward');
    const entry = this.catalog.lookup('classes', cls.name)
      // A norm class computing `x * torch.rsqrt(...)` is an RMSNorm whatever it is called.
      ?? (forward && /norm/i.test(cls.name) && /\*\s*torch\.rsqrt\(|rsqrt\(/.test(text(forward, cls.source)) ? this.catalog.lookup('classes', 'RMSNorm') : undefined);
    // Gemma-style `x * (1 + self.weight)`: still RmsNorm, but the weight must be shifted when loading.
    if (entry?.atbOp === 'RmsNorm' && forward && /\(\s*1(\.0)?\s*\+\s*self\.weight\b/.test(text(forward, cls.source))) {
      return this.catalog.lookup('idioms', 'rmsnorm-offset') ?? entry;
    }
    return entry;
  }

  /** Uses of a class's forward and everything it calls, computed once per class. */
  private usesOf(cls: ClassInfo): OpUse[] {
    const cached = this.classUses.get(cls.name);
    if (cached) return cached;
    this.classUses.set(cls.name, []); // recursion guard
    const absorb = this.absorbingEntry(cls);
    const ctx = {
      source: this.source,
      catalog: this.catalog,
      index: this.index,
      cls,
      attention: /attention|attn/i.test(cls.name),
      norm: /norm/i.test(cls.name),
    };
    const uses: OpUse[] = [];
    const signatures = new Map<string, string>();
    const done = new Set<string>();
    const queue: Callee[] = [{ kind: 'method', name: 'forward' }];
    // Host scopes (`get_alibi_mask`, `_prepare_decoder_attention_mask`) pass on to what they call.
    const scopes = new Map<string, CatalogEntry>();
    for (const decorator of cls.decorators) {
      const entry = this.catalog.lookup('functions', text(decorator.namedChild(0)?.type === 'call' ? decorator.namedChild(0)!.childForFieldName('function') : decorator.namedChild(0), cls.source));
      if (entry) uses.push(this.absolute({ name: 'torch.compile', kind: 'function', verdict: entry.verdict, catalogId: entry.id, reason: this.catalog.noteMessage(entry), range: rangeIn(cls, decorator) }, 0, cls.name));
    }
    while (queue.length) {
      const callee = queue.shift()!;
      const key = `${callee.kind}:${callee.name}`;
      if (done.has(key)) continue;
      done.add(key);
      let fn: Node | undefined;
      let owner: string;
      let attention = ctx.attention;
      let rowDelta = 0;
      let source = this.source;
      if (callee.kind === 'method' || callee.kind === 'init-function') {
        const found = callee.kind === 'method' ? findMethod(cls, callee.name, this.index) : findInitFunction(cls, callee.name, this.index);
        if (!found) continue;
        fn = found.node;
        owner = `${found.owner}.${callee.name}`;
        const ownerClass = this.index.classes.get(found.owner);
        rowDelta = ownerClass?.delta ?? 0;
        source = ownerClass?.source ?? this.source;
      } else {
        fn = this.index.functions.get(callee.name);
        owner = callee.name;
        attention = attention || /attention|attn/i.test(callee.name);
      }
      if (!fn) continue;
      const fnCtx = { ...ctx, source, attention };
      const sigKey = `${attention}`;
      let sig = signatures.get(sigKey);
      if (sig === undefined) signatures.set(sigKey, (sig = signature(fnCtx)));
      const scan = scanFunction(fn, { ...fnCtx, signature: sig });
      const scope = scopes.get(key) ?? this.catalog.lookup('scopes', callee.name);
      for (const use of scan.uses) {
        const placed = this.absolute(use, fn.startPosition.row + rowDelta, owner);
        uses.push(scope ? this.inScope(placed, scope) : placed);
      }
      for (const call of scan.calls) if (scope && !scopes.has(`${call.kind}:${call.name}`)) scopes.set(`${call.kind}:${call.name}`, scope);
      queue.push(...scan.calls);
    }
    const moe = absorb ? undefined : this.moeEntry(cls);
    if (moe) {
      const nameNode = cls.node.childForFieldName('name') ?? cls.node;
      uses.push({ id: useId(this.path, rangeIn(cls, nameNode), 'moe-block'), name: 'moe-block', kind: 'idiom', verdict: moe.verdict, ...(moe.atbOp ? { atbOp: moe.atbOp } : {}), catalogId: moe.id, reason: this.catalog.noteMessage(moe), range: rangeIn(cls, nameNode), owner: cls.name });
    }
    uses.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
    const final = absorb ? uses.map((u) => this.absorbed(u, absorb)) : moe ? uses.map((u) => this.inMoe(u, moe)) : uses;
    for (const use of final) if (!this.all.has(use.id)) this.all.set(use.id, use);
    this.classUses.set(cls.name, final);
    return final;
  }

  private absorbed(use: OpUse, entry: CatalogEntry): OpUse {
    if (use.kind === 'idiom' && use.catalogId && this.catalog.byId(use.catalogId)?.idioms?.includes('rsqrt-norm')) return use;
    if (this.isAnywhere(use)) return use;
    // A class computed on the host (rotary cos/sin tables) is host work throughout.
    return { ...use, verdict: entry.verdict === 'host' ? 'host' : 'fused', ...(entry.atbOp ? { atbOp: entry.atbOp } : {}), reason: this.catalog.noteMessage(entry) };
  }

  private classNode(cls: ClassInfo, name: string, kind: ModuleNode['kind'], range: Range | undefined, stack: Set<string>): ModuleNode {
    const uses = [...this.usesOf(cls)];
    const node: ModuleNode = { name, className: cls.name, kind, children: [], uses, counts: zeroCounts(), ...(range ? { range } : {}) };
    if (!this.absorbingEntry(cls) && !stack.has(cls.name)) {
      const inner = new Set(stack).add(cls.name);
      for (const sub of cls.submodules) {
        const child = this.submoduleNode(sub, cls, inner);
        if (child) node.children.push(child);
      }
    }
    node.counts = this.countNode(node);
    return node;
  }

  private countNode(node: ModuleNode): Record<Verdict, number> {
    const counts = countUses(node.uses);
    for (const child of node.children) for (const v of VERDICTS) counts[v] += child.counts[v];
    return counts;
  }

  private submoduleNode(sub: Submodule, parent: ClassInfo, stack: Set<string>): ModuleNode | undefined {
    const range = rangeIn(parent, sub.statement);
    return this.valueNode(sub.attr, sub.value, range, parent, stack);
  }

  private valueNode(name: string, value: Node, range: Range, parent: ClassInfo, stack: Set<string>): ModuleNode | undefined {
    if (value.type === 'subscript') return this.activationNode(name, value, range, parent);
    // `nn.ModuleList([(DeepseekV2MLP(config)) for _ in range(n)])`: brackets change nothing.
    if (value.type === 'parenthesized_expression') {
      const inner = value.namedChildren.find((c) => c && c.type !== 'comment');
      return inner ? this.valueNode(name, inner, range, parent, stack) : undefined;
    }
    if (value.type === 'conditional_expression') {
      const first = value.namedChild(0);
      return first ? this.valueNode(name, first, range, parent, stack) : undefined;
    }
    if (value.type !== 'call') return undefined;
    const callee = value.childForFieldName('function');
    if (!callee) return undefined;
    if (callee.type === 'subscript') {
      const target = this.dispatchTargets(callee, parent.source)[0];
      const cls = target ? this.index.classes.get(target) : undefined;
      return cls ? this.instanceNode(name, cls, range, parent, stack) : undefined;
    }
    let calleeText = text(callee, parent.source);
    // `init_method(Embedding, config)` / `skip_init(nn.Linear, ...)`: the class is the first argument.
    const firstArg = value.childForFieldName('arguments')?.namedChildren.find((a) => a && a.type !== 'comment');
    if (!/^[A-Z]/.test(calleeText.split('.').pop() ?? '') && firstArg && /^[\w.]*\b[A-Z]\w*$/.test(text(firstArg, parent.source)) && /init/i.test(calleeText)) {
      calleeText = text(firstArg, parent.source);
    }
    // `LayerNormFunc = RMSNorm if config.rmsnorm else LayerNorm` then `LayerNormFunc(...)`.
    const local = parent.initLocals.get(calleeText);
    if (local && (local.type === 'conditional_expression' || local.type === 'identifier' || local.type === 'attribute')) {
      calleeText = text(local.type === 'conditional_expression' ? local.namedChild(0) : local, parent.source);
    }
    // `def build_layer(n): return GLMBlock(...)` nested in __init__, then `build_layer(i)`.
    const builder = this.nestedReturn(parent, calleeText);
    if (builder) return this.valueNode(name, builder, range, parent, stack);
    // `get_activation(config.activation)` (Falcon) is ACT2FN[config.activation] by another name.
    if (/(^|\.)get_activation$/.test(calleeText) && firstArg) return this.activationNode(name, firstArg, range, parent, `get_activation(${text(firstArg, parent.source)})`);
    const className = calleeText.split('.').pop() ?? calleeText;
    if (className === 'ModuleList' || className === 'Sequential') return this.containerNode(name, className, value, range, parent, stack);
    // `nn.Embedding` inside a local class that is itself called `Embedding` is torch's, not the local one.
    const qualified = /^(nn|torch\.nn|torch)\./.test(calleeText);
    const localClass = qualified ? undefined : this.index.classes.get(className);
    if (localClass) return this.instanceNode(name, localClass, range, parent, stack);
    if (this.catalog.ignored('modules', className)) return undefined;
    const entry = this.catalog.lookup('modules', className);
    const reason = entry ? this.catalog.noteMessage(entry) : msg('analysis.reason.unknownModule', { name: className });
    return this.opNode(name, className, range, parent, entry, reason, value);
  }

  private nestedReturn(cls: ClassInfo, name: string): Node | undefined {
    if (!/^[a-z_]\w*$/.test(name)) return undefined;
    const init = cls.methods.get('__init__');
    for (const def of init?.childForFieldName('body')?.descendantsOfType('function_definition') ?? []) {
      if (!def || text(def.childForFieldName('name'), cls.source) !== name) continue;
      const ret = def.childForFieldName('body')?.descendantsOfType('return_statement')[0];
      const value = ret?.namedChild(0);
      return value?.type === 'call' ? value : undefined;
    }
    return undefined;
  }

  private instanceNode(name: string, cls: ClassInfo, range: Range, parent: ClassInfo, stack: Set<string>): ModuleNode {
    const absorb = this.absorbingEntry(cls);
    if (!absorb) return this.classNode(cls, name, 'module', range, stack);
    const op = this.opNode(name, cls.name, range, parent, absorb, this.catalog.noteMessage(absorb));
    op.uses.push(...this.usesOf(cls));
    op.counts = this.countNode(op);
    return op;
  }

  private opNode(name: string, className: string, range: Range, parent: ClassInfo, entry: CatalogEntry | undefined, reason: Message, call?: Node): ModuleNode {
    const use: OpUse = {
      id: useId(this.path, range, className),
      name: className,
      kind: 'module',
      verdict: entry?.verdict ?? 'unsupported',
      ...(entry?.atbOp ? { atbOp: entry.atbOp } : {}),
      ...(entry ? { catalogId: entry.id } : {}),
      reason,
      range,
      owner: `${parent.name}.__init__`,
      ...(call ? { args: this.args(call, parent.source) } : {}),
    };
    if (!this.all.has(use.id)) this.all.set(use.id, use);
    const node: ModuleNode = { name, className, kind: 'op', children: [], uses: [this.all.get(use.id)!], range, counts: zeroCounts() };
    node.counts = this.countNode(node);
    return node;
  }

  private args(call: Node, source: string): OpUse['args'] {
    const positional: string[] = [];
    const keywords: Record<string, string> = {};
    for (const arg of call.childForFieldName('arguments')?.namedChildren ?? []) {
      if (!arg || arg.type === 'comment') continue;
      if (arg.type === 'keyword_argument') keywords[text(arg.childForFieldName('name'), source)] = text(arg.childForFieldName('value'), source);
      else positional.push(text(arg, source));
    }
    return { positional, keywords };
  }

  /** `ACT2FN[config.hidden_act]` / `get_activation(config.activation)`: resolved through config.json when one is known. */
  private activationNode(name: string, value: Node, range: Range, parent: ClassInfo, written?: string): ModuleNode | undefined {
    let keyText: string;
    if (written === undefined) {
      const container = text(value.childForFieldName('value'), parent.source);
      if (!/ACT2FN|ACT2CLS/.test(container)) return undefined;
      keyText = text(value.childForFieldName('subscript'), parent.source);
    } else {
      keyText = text(value, parent.source);
    }
    const literal = /^["'](.*)["']$/.exec(keyText)?.[1];
    const configKey = /config\.(\w+)$/.exec(keyText)?.[1];
    const resolved = literal ?? (configKey ? configValue(this.options.config, configKey) : undefined);
    if (typeof resolved === 'string') {
      const entry = this.catalog.lookup('act2fn', resolved);
      const reason = entry ? this.catalog.noteMessage(entry) : msg('analysis.reason.unknownActivation', { name: resolved });
      return this.opNode(name, `ACT2FN[${resolved}]`, range, parent, entry, reason);
    }
    // Not knowable without config.json: most decoder LLMs use silu, but say that it is an assumption.
    const assumed = this.catalog.lookup('act2fn', 'silu');
    return this.opNode(name, written ?? `ACT2FN[${keyText}]`, range, parent, assumed, msg('analysis.reason.activationFromConfig', { key: keyText }));
  }

  private containerNode(name: string, kind: string, call: Node, range: Range, parent: ClassInfo, stack: Set<string>): ModuleNode {
    const args = call.childForFieldName('arguments')?.namedChildren.filter((a): a is Node => !!a && a.type !== 'comment') ?? [];
    const node: ModuleNode = { name, className: kind, kind: kind === 'ModuleList' ? 'layers' : 'module', children: [], uses: [], range, counts: zeroCounts() };
    const first = args[0];
    if (first && (first.type === 'list_comprehension' || first.type === 'generator_expression')) {
      const body = first.childForFieldName('body');
      const forClause = first.namedChildren.find((c) => c?.type === 'for_in_clause');
      const iterable = forClause?.childForFieldName('right');
      if (iterable?.type === 'call' && text(iterable.childForFieldName('function'), parent.source) === 'range') {
        const rangeArgs = iterable.childForFieldName('arguments')?.namedChildren.filter((a): a is Node => !!a) ?? [];
        const count = rangeArgs.length === 1 ? this.resolveInt(rangeArgs[0], parent, 0) : undefined;
        if (count !== undefined) node.repeat = count;
      }
      const child = body ? this.valueNode(name, body, range, parent, stack) : undefined;
      if (child) node.children.push(child);
    } else {
      const items = first?.type === 'list' || first?.type === 'tuple' ? first.namedChildren.filter((c): c is Node => !!c) : args;
      items.forEach((item, i) => {
        const child = this.valueNode(String(i), item, rangeIn(parent, item), parent, stack);
        if (child) node.children.push(child);
      });
      if (kind === 'ModuleList') node.repeat = items.length;
    }
    if (node.kind === 'layers' && node.children.length > 1) node.kind = 'module';
    node.counts = this.countNode(node);
    return node;
  }

  /** Integer value of `config.x`, `self.x` (from __init__), a local of __init__, or a literal. */
  private resolveInt(node: Node, cls: ClassInfo, depth: number): number | undefined {
    if (depth > 5) return undefined;
    const t = text(node, cls.source);
    if (node.type === 'integer') return Number(t);
    const configKey = /^(self\.)?config\.(\w+)$/.exec(t)?.[2];
    if (configKey) {
      const v = configValue(this.options.config, configKey);
      return typeof v === 'number' && Number.isInteger(v) ? v : undefined;
    }
    const selfAttr = /^self\.(\w+)$/.exec(t)?.[1];
    const source = selfAttr ? cls.scalarAttrs.get(selfAttr) : node.type === 'identifier' ? cls.initLocals.get(t) : undefined;
    return source ? this.resolveInt(source, cls, depth + 1) : undefined;
  }
}

export type { Syntax };

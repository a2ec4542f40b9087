/**
 * The operator catalogue: which torch / transformers constructs map onto which ATB operation.
 *
 * The knowledge is data (`operators.yaml`, shipped beside the bundles) and users extend or
 * override it per workspace in `.atb-migrate.yaml` (same shape; see schemas/atb-migrate.schema.json).
 * This module validates both, merges them and answers lookups for the analysis.
 *
 * Entry notes are user-visible bilingual data; they are registered as engine messages
 * (`catalog.note.<id>#<hash>` and `catalog.diag.<id>#<hash>`) so front doors format them like any
 * other Message. The hash keeps two workspaces with different notes for the same id apart.
 */
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node as YamlNode } from 'yaml';
import type { DiagnosticData, Range } from '../common';
import { msg, registerMessages, type Message } from '../i18n';
import './messages';

/**
 * `host`: work MindIE does in Python on the host (position ids, masks, cos/sin and alibi tables,
 * runtime guards), not in the ATB graph. Counted apart and never a diagnostic.
 */
export type Verdict = 'native' | 'fused' | 'view' | 'host' | 'unsupported';
export const VERDICTS: readonly Verdict[] = ['native', 'fused', 'view', 'host', 'unsupported'];

/** How an entry recognises a use. Every key lists names; see operators.yaml's header for each. */
export const MATCH_KEYS = ['modules', 'functions', 'methods', 'operators', 'helpers', 'names', 'imports', 'act2fn', 'idioms', 'classes', 'scopes'] as const;
export type MatchKey = (typeof MATCH_KEYS)[number];

/** Contexts that change a verdict: `attention` = inside a class/function whose name says attention. */
export const CONTEXTS = ['attention'] as const;
export type Context = (typeof CONTEXTS)[number];

export interface ContextVerdict {
  verdict: Verdict;
  atbOp?: string;
  /** A reason specific to the context (e.g. tanh between QK^T and softmax is soft-capping). */
  note?: Record<'en' | 'zh-cn', string>;
}

export interface CatalogEntry extends Partial<Record<MatchKey, string[]>> {
  id: string;
  verdict: Verdict;
  atbOp?: string;
  note: Record<'en' | 'zh-cn', string>;
  /** Only match calls with exactly this many positional arguments (e.g. 1-argument torch.where). */
  argCount?: number;
  /** Verdict override inside a context (e.g. matmul inside attention is fused into SelfAttention). */
  within?: Partial<Record<Context, ContextVerdict>>;
  /**
   * The verdict holds wherever the use is: host scopes and MoE units do not absorb it (FFT,
   * custom CUDA kernels, a Python loop over tokens).
   */
  anywhere?: boolean;
  origin: 'builtin' | 'workspace';
  /** Zero-based line of the entry in its YAML file. */
  line: number;
}

export interface Catalog {
  entries: CatalogEntry[];
  /** Path of the workspace override file, when one was loaded. */
  overridePath?: string;
  byId(id: string): CatalogEntry | undefined;
  /** First entry (workspace before built-in) whose `key` list matches `name`. */
  lookup(key: MatchKey, name: string, argCount?: number): CatalogEntry | undefined;
  /**
   * Names the analysis should not report at all (context managers, metadata such as `.size()`);
   * `classes`: classes off the inference path (classification heads), /regex/ allowed.
   */
  ignored(key: IgnoreKey, name: string): boolean;
  /** The context-specific reason of `entry.within[context]`, when it has one. */
  withinNote(entry: CatalogEntry, context: Context): Message | undefined;
  /** The entry's bilingual note as a Message. */
  noteMessage(entry: CatalogEntry): Message;
  /** `{name}: note` as a Message, for diagnostics. */
  diagMessage(entry: CatalogEntry, name: string): Message;
}

/**
 * Link to a catalogue entry for diagnostics: `command:atb-migrate.showCatalogEntry?["<id>"]`.
 * The front door implements the command by opening the built-in or workspace YAML at
 * `catalog.byId(id).line`.
 */
export function catalogHref(id: string): string {
  return `command:atb-migrate.showCatalogEntry?${encodeURIComponent(JSON.stringify([id]))}`;
}

// ---------------------------------------------------------------------------------------------
// Loading and validation

export const IGNORE_KEYS = ['functions', 'methods', 'modules', 'classes'] as const;
export type IgnoreKey = (typeof IGNORE_KEYS)[number];

interface RawFile {
  entries: CatalogEntry[];
  ignore: Record<IgnoreKey, string[]>;
}

// `families:` belongs to the family catalogue (src/core/families), which reads the same file.
const TOP_KEYS = new Set(['version', 'ignore', 'entries', 'families']);
const ENTRY_KEYS = new Set<string>(['id', 'verdict', 'atbOp', 'note', 'argCount', 'within', 'anywhere', ...MATCH_KEYS]);

function parseCatalogFile(text: string, path: string, origin: CatalogEntry['origin'], problems: DiagnosticData[]): RawFile {
  const out: RawFile = { entries: [], ignore: { functions: [], methods: [], modules: [], classes: [] } };
  const lines = new LineCounter();
  let doc: Document.Parsed;
  try {
    doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  } catch {
    problems.push(problem(zeroRange(), 'atb.catalog.yaml-syntax', msg('catalog.problem.syntax', { path, detail: '?' })));
    return out;
  }
  const rangeOf = (node: YamlNode | null | undefined): Range => {
    if (!node?.range) return zeroRange();
    const a = lines.linePos(node.range[0]);
    const b = lines.linePos(node.range[1]);
    return { start: { line: a.line - 1, character: a.col - 1 }, end: { line: b.line - 1, character: b.col - 1 } };
  };
  for (const error of doc.errors) {
    const start = lines.linePos(error.pos[0]);
    const end = lines.linePos(error.pos[1]);
    problems.push(
      problem(
        { start: { line: start.line - 1, character: start.col - 1 }, end: { line: end.line - 1, character: end.col - 1 } },
        'atb.catalog.yaml-syntax',
        msg('catalog.problem.syntax', { path, detail: error.code }),
      ),
    );
  }
  if (doc.errors.length) return out;
  const root = doc.contents;
  if (root === null || (isScalar(root) && (root.value === null || root.value === ''))) return out; // empty file: nothing to add
  if (!isMap(root)) {
    problems.push(problem(rangeOf(root), 'atb.catalog.not-a-map', msg('catalog.problem.notMap', { path })));
    return out;
  }
  for (const pair of root.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    if (!TOP_KEYS.has(key)) {
      problems.push(problem(rangeOf(pair.key as YamlNode), 'atb.catalog.unknown-key', msg('catalog.problem.unknownKey', { key, allowed: [...TOP_KEYS].join(', ') })));
    }
  }
  const ignore = root.get('ignore', true) as YamlNode | undefined;
  if (ignore !== undefined) {
    if (!isMap(ignore)) problems.push(problem(rangeOf(ignore), 'atb.catalog.invalid-field', msg('catalog.problem.field', { field: 'ignore', expected: 'map' })));
    else {
      for (const kind of IGNORE_KEYS) {
        const list = ignore.get(kind, true) as YamlNode | undefined;
        if (list === undefined) continue;
        const names = stringList(list, `ignore.${kind}`, rangeOf, problems);
        if (names) out.ignore[kind] = names;
      }
    }
  }
  const entries = root.get('entries', true) as YamlNode | undefined;
  if (entries === undefined) return out;
  if (!isSeq(entries)) {
    problems.push(problem(rangeOf(entries), 'atb.catalog.invalid-field', msg('catalog.problem.field', { field: 'entries', expected: 'list' })));
    return out;
  }
  const seen = new Set<string>();
  for (const item of entries.items as YamlNode[]) {
    const entry = parseEntry(item, origin, rangeOf, problems);
    if (!entry) continue;
    if (seen.has(entry.id)) {
      problems.push(problem(rangeOf(item), 'atb.catalog.duplicate-id', msg('catalog.problem.duplicate', { id: entry.id })));
      continue;
    }
    seen.add(entry.id);
    out.entries.push(entry);
  }
  return out;
}

/** Workspace entries may omit verdict/note when they only patch a built-in entry of the same id. */
function parseEntry(
  item: YamlNode,
  origin: CatalogEntry['origin'],
  rangeOf: (n: YamlNode | null | undefined) => Range,
  problems: DiagnosticData[],
): CatalogEntry | undefined {
  const range = rangeOf(item);
  if (!isMap(item)) {
    problems.push(problem(range, 'atb.catalog.invalid-entry', msg('catalog.problem.entryNotMap')));
    return undefined;
  }
  const entry: Partial<CatalogEntry> & { origin: CatalogEntry['origin']; line: number } = { origin, line: range.start.line };
  let ok = true;
  const fail = (node: YamlNode | null | undefined, field: string, expected: string) => {
    problems.push(problem(rangeOf(node ?? item), 'atb.catalog.invalid-field', msg('catalog.problem.field', { field, expected })));
    ok = false;
  };
  for (const pair of item.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : '';
    const value = pair.value as YamlNode | null;
    if (!ENTRY_KEYS.has(key)) {
      problems.push(problem(rangeOf(pair.key as YamlNode), 'atb.catalog.unknown-key', msg('catalog.problem.unknownKey', { key, allowed: [...ENTRY_KEYS].join(', ') })));
      continue;
    }
    if (key === 'id' || key === 'atbOp') {
      if (isScalar(value) && typeof value.value === 'string' && value.value.trim()) entry[key] = value.value.trim();
      else fail(value, key, 'string');
    } else if (key === 'verdict') {
      if (isScalar(value) && VERDICTS.includes(value.value as Verdict)) entry.verdict = value.value as Verdict;
      else fail(value, key, VERDICTS.join(' | '));
    } else if (key === 'anywhere') {
      if (isScalar(value) && typeof value.value === 'boolean') entry.anywhere = value.value;
      else fail(value, key, 'true | false');
    } else if (key === 'argCount') {
      if (isScalar(value) && Number.isInteger(value.value) && (value.value as number) >= 0) entry.argCount = value.value as number;
      else fail(value, key, 'integer >= 0');
    } else if (key === 'note') {
      const note = parseNote(value);
      if (note) entry.note = note;
      else fail(value, key, '{ en, zh-cn }');
    } else if (key === 'within') {
      const within = parseWithin(value);
      if (within) entry.within = within;
      else fail(value, key, `{ ${CONTEXTS.join(' | ')}: { verdict, atbOp } }`);
    } else {
      const names = value ? stringList(value, key, rangeOf, problems) : undefined;
      if (names) entry[key as MatchKey] = names;
      else ok = false;
    }
  }
  if (!entry.id) {
    problems.push(problem(range, 'atb.catalog.missing-field', msg('catalog.problem.missing', { field: 'id' })));
    return undefined;
  }
  if (!ok) return undefined;
  if (origin === 'builtin') {
    for (const field of ['verdict', 'note'] as const) {
      if (!entry[field]) {
        problems.push(problem(range, 'atb.catalog.missing-field', msg('catalog.problem.missing', { field })));
        return undefined;
      }
    }
  }
  return entry as CatalogEntry;
}

function parseNote(value: YamlNode | null): CatalogEntry['note'] | undefined {
  if (isScalar(value) && typeof value.value === 'string') return { en: value.value, 'zh-cn': value.value };
  if (!isMap(value)) return undefined;
  const en = value.get('en');
  const zh = value.get('zh-cn');
  if (typeof en !== 'string' && typeof zh !== 'string') return undefined;
  return { en: String(en ?? zh), 'zh-cn': String(zh ?? en) };
}

function parseWithin(value: YamlNode | null): CatalogEntry['within'] | undefined {
  if (!isMap(value)) return undefined;
  const within: CatalogEntry['within'] = {};
  for (const pair of value.items) {
    const context = isScalar(pair.key) ? String(pair.key.value) : '';
    const body = pair.value as YamlNode | null;
    if (!CONTEXTS.includes(context as Context) || !isMap(body)) return undefined;
    const verdict = body.get('verdict');
    const atbOp = body.get('atbOp');
    if (!VERDICTS.includes(verdict as Verdict)) return undefined;
    const note = body.has('note') ? parseNote(body.get('note', true) as YamlNode | null) : undefined;
    if (body.has('note') && !note) return undefined;
    within[context as Context] = { verdict: verdict as Verdict, ...(typeof atbOp === 'string' ? { atbOp } : {}), ...(note ? { note } : {}) };
  }
  return within;
}

function stringList(node: YamlNode, field: string, rangeOf: (n: YamlNode) => Range, problems: DiagnosticData[]): string[] | undefined {
  if (isScalar(node) && typeof node.value === 'string') return [node.value];
  if (isSeq(node) && node.items.every((i) => isScalar(i) && typeof i.value === 'string')) {
    return node.items.map((i) => String((i as { value: unknown }).value));
  }
  problems.push(problem(rangeOf(node), 'atb.catalog.invalid-field', msg('catalog.problem.field', { field, expected: 'list of strings' })));
  return undefined;
}

function problem(range: Range, code: string, message: Message): DiagnosticData {
  return { range, severity: 'error', code, message };
}

function zeroRange(): Range {
  return { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
}

// ---------------------------------------------------------------------------------------------
// The merged catalogue

/** One message table shared by every loaded catalogue; codes carry a content hash. */
const noteMessages = registerMessages({ en: {}, 'zh-cn': {} });

function hash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(36);
}

/** Braces would read as placeholders; a note missing Chinese says so in Chinese. */
function registerNote(entry: CatalogEntry): string {
  const en = entry.note.en.replace(/[{}]/g, '');
  let zh = entry.note['zh-cn'].replace(/[{}]/g, '');
  if (!/[\u4e00-\u9fff]/.test(zh)) zh = `（仅有英文说明）${zh}`;
  const key = `${entry.id}#${hash(en + '\u0000' + zh)}`;
  noteMessages.en[`catalog.note.${key}`] = en;
  noteMessages['zh-cn'][`catalog.note.${key}`] = zh;
  noteMessages.en[`catalog.diag.${key}`] = `{name}: ${en}`;
  noteMessages['zh-cn'][`catalog.diag.${key}`] = `{name}：${zh}`;
  return key;
}

interface Pattern {
  regex: RegExp;
  entry: CatalogEntry;
}

/** `/regex/` is a regular expression, `a.b.*` a glob; anything else an exact name. */
function toPattern(name: string): RegExp | undefined {
  const re = /^\/(.+)\/([imsu]*)$/.exec(name);
  if (re) {
    try {
      return new RegExp(re[1], re[2]);
    } catch {
      return undefined;
    }
  }
  if (name.includes('*')) return new RegExp('^' + name.split('*').map(escapeRegex).join('.*') + '$');
  return undefined;
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function buildCatalog(entries: CatalogEntry[], ignore: RawFile['ignore'], overridePath: string | undefined): Catalog {
  const exact = new Map<string, CatalogEntry[]>();
  const patterns = new Map<MatchKey, Pattern[]>();
  const noteKeys = new Map<CatalogEntry, string>();
  for (const entry of entries) {
    noteKeys.set(entry, registerNote(entry));
    for (const key of MATCH_KEYS) {
      for (const name of entry[key] ?? []) {
        const regex = toPattern(name);
        if (regex) {
          const list = patterns.get(key) ?? [];
          list.push({ regex, entry });
          patterns.set(key, list);
        } else {
          const k = `${key}\u0000${name}`;
          const list = exact.get(k) ?? [];
          list.push(entry);
          exact.set(k, list);
        }
      }
    }
  }
  const ids = new Map(entries.map((e) => [e.id, e]));
  const ignored = Object.fromEntries(
    IGNORE_KEYS.map((k) => [k, { exact: new Set(ignore[k].filter((n) => !toPattern(n))), patterns: ignore[k].map(toPattern).filter((r): r is RegExp => !!r) }]),
  ) as Record<IgnoreKey, { exact: Set<string>; patterns: RegExp[] }>;
  const withinKeys = new Map<string, string>();
  for (const entry of entries) {
    for (const context of CONTEXTS) {
      const note = entry.within?.[context]?.note;
      if (note) withinKeys.set(`${entry.id}\u0000${context}`, registerNote({ ...entry, id: `${entry.id}@${context}`, note }));
    }
  }
  const fits = (e: CatalogEntry, argCount?: number) => e.argCount === undefined || argCount === undefined || e.argCount === argCount;
  return {
    entries,
    overridePath,
    byId: (id) => ids.get(id),
    lookup(key, name, argCount) {
      const hit = exact.get(`${key}\u0000${name}`)?.find((e) => fits(e, argCount));
      if (hit) return hit;
      return patterns.get(key)?.find((p) => p.regex.test(name) && fits(p.entry, argCount))?.entry;
    },
    ignored: (key, name) => ignored[key].exact.has(name) || ignored[key].patterns.some((r) => r.test(name)),
    withinNote(entry, context) {
      const key = withinKeys.get(`${entry.id}\u0000${context}`);
      return key ? msg(`catalog.note.${key}`) : undefined;
    },
    noteMessage: (entry) => msg(`catalog.note.${noteKeys.get(entry) ?? registerNote(entry)}`),
    diagMessage: (entry, name) => msg(`catalog.diag.${noteKeys.get(entry) ?? registerNote(entry)}`, { name }),
  };
}

/**
 * Parses the built-in catalogue and the optional workspace override. Override entries with a
 * built-in id patch that entry (fields replace fields); new ids take precedence over built-ins.
 * Problems (with line numbers of the file they are in) are returned, never thrown.
 */
export function loadCatalog(builtinYaml: string, override?: { path: string; text: string }): { catalog: Catalog; problems: DiagnosticData[] } {
  const builtinProblems: DiagnosticData[] = [];
  const builtin = parseCatalogFile(builtinYaml, 'operators.yaml', 'builtin', builtinProblems);
  const problems = builtinProblems.map((p) => ({ ...p, data: { file: 'builtin' } }));
  let entries = builtin.entries;
  const ignore = builtin.ignore;
  if (override) {
    const own: DiagnosticData[] = [];
    const user = parseCatalogFile(override.text, override.path, 'workspace', own);
    problems.push(...own.map((p) => ({ ...p, data: { file: override.path } })));
    const byId = new Map(entries.map((e) => [e.id, e]));
    const added: CatalogEntry[] = [];
    for (const patch of user.entries) {
      const base = byId.get(patch.id);
      if (base) {
        byId.set(patch.id, { ...base, ...stripUndefined(patch), origin: 'workspace' });
        continue;
      }
      if (!patch.verdict) {
        own.push(problem({ start: { line: patch.line, character: 0 }, end: { line: patch.line, character: 0 } }, 'atb.catalog.missing-field', msg('catalog.problem.missing', { field: 'verdict' })));
        problems.push({ ...own[own.length - 1], data: { file: override.path } });
        continue;
      }
      added.push({ ...patch, note: patch.note ?? { en: 'Declared in the workspace catalogue.', 'zh-cn': '在工作区目录中声明。' } });
    }
    entries = [...added, ...entries.map((e) => byId.get(e.id)!)];
    for (const kind of IGNORE_KEYS) ignore[kind] = [...ignore[kind], ...user.ignore[kind]];
  }
  return { catalog: buildCatalog(entries, ignore, override?.path), problems };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([k, v]) => v !== undefined && k !== 'origin' && k !== 'line')) as Partial<T>;
}

export { declareSupported } from './declare';

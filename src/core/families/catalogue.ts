/**
 * Loads families.yaml (and a workspace's `families:` overrides), checks every field against the
 * shapes in types.ts, resolves `like:` inheritance and answers "which entry describes this
 * model_type / architecture / config". Problems are returned as data, never thrown.
 */
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import { msg, type Message } from '../i18n';
import type { FamilyFacts } from './types';
import './messages';

export interface CatalogueProblem {
  /** File the problem is in (`families.yaml` or the override path). */
  path: string;
  /** Zero-based line. */
  line: number;
  message: Message;
}

/** One `variants:` item: the first whose condition holds patches the entry. */
export interface FamilyVariant {
  architectures?: string[];
  config?: Record<string, unknown>;
  set: Record<string, unknown>;
}

export interface FamilyEntry {
  facts: FamilyFacts;
  variants: FamilyVariant[];
  origin: 'builtin' | 'workspace';
  /** Zero-based line of the entry in its file. */
  line: number;
}

export interface FamilyCatalogue {
  ids(): string[];
  entry(id: string): FamilyEntry | undefined;
  /** The entry's facts with the first matching variant applied. */
  factsFor(modelType: string, architecture: string | undefined, config: Record<string, unknown>): FamilyFacts | undefined;
  problems: CatalogueProblem[];
}

type Raw = Record<string, unknown>;
const isObj = (v: unknown): v is Raw => !!v && typeof v === 'object' && !Array.isArray(v);

/** Allowed values per field; `object` fields list their own keys. The schema file mirrors this. */
const ENUMS: Record<string, readonly string[]> = {
  qkvPacking: ['separate', 'contiguous', 'grouped'],
  gateUpPacking: ['separate', 'contiguous'],
  mlp: ['gated', 'plain'],
  norm: ['rms', 'rms+1', 'layer'],
  position: ['rope', 'alibi', 'learned', 'none'],
  qkNormScope: ['head', 'projection'],
  normPlacement: ['pre', 'sandwich', 'post'],
};
const BOOLEANS = ['qkvBias', 'oBias', 'mlpBias', 'qkNorm', 'parallelResidual', 'headBias', 'tieDefault', 'mla', 'normHead'];
const STRINGS = ['source', 'activation', 'notes', 'like'];
const NAMING_KEYS = ['root', 'layers', 'embed', 'finalNorm', 'lmHead', 'positionEmbed', 'attn', 'qkv', 'o', 'mlp', 'gateUp', 'up', 'down', 'inputNorm', 'postNorm', 'attnOutNorm', 'mlpOutNorm', 'qNorm', 'kNorm', 'extraNorms'];
const NAMING_LISTS = ['qkv', 'gateUp', 'extraNorms'];
const OBJECT_KEYS: Record<string, string[]> = {
  naming: NAMING_KEYS,
  rope: ['style', 'partialKeys', 'partialDefault', 'localBaseKey', 'mrope'],
  embedScale: ['kind', 'key'],
  moe: ['module', 'expertsKeys', 'topKKeys', 'sharedKeys', 'firstDenseKey'],
  multimodal: ['textConfigKey', 'textModelType', 'prefixes', 'vision'],
  config: ['slidingWindow', 'attnSoftcapKey', 'finalSoftcapKey', 'attnScale', 'logitScale', 'residualScale', 'qkvBiasKeys', 'oBiasKeys', 'qkNormKeys', 'parallelResidualKeys', 'crossAttentionKey', 'dynamicNtkKey', 'lognAttnKey', 'trainedLengthKey', 'alibiKey', 'rmsNormKey'],
};
const ENTRY_KEYS = new Set([...Object.keys(ENUMS), ...BOOLEANS, ...STRINGS, ...Object.keys(OBJECT_KEYS), 'variants', 'configDefaults']);
const REQUIRED: (keyof FamilyFacts)[] = ['naming', 'qkvPacking', 'gateUpPacking', 'mlp', 'norm', 'activation', 'position', 'qkvBias', 'oBias', 'mlpBias', 'qkNorm', 'parallelResidual', 'headBias', 'tieDefault', 'mla'];
const REQUIRED_NAMES = ['root', 'layers', 'embed', 'finalNorm', 'lmHead', 'attn', 'qkv', 'o', 'mlp', 'gateUp', 'down', 'inputNorm'];
const ROPE_STYLES = ['half', 'interleaved', 'chatglm-2d'];
const SCALE_KINDS = ['sqrt-hidden', 'key', 'key-over-sqrt-layers', 'inverse-key', 'hidden-over-key'];
/** A tensor-name segment: what the generator may put into Python f-strings. */
const NAME = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_0-9][A-Za-z0-9_]*)*$/;

/** Deep merge for inheritance: objects merge, arrays and scalars replace, null deletes. */
function merge(base: Raw, patch: Raw): Raw {
  const out: Raw = { ...base };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else if (isObj(v) && isObj(out[k])) out[k] = merge(out[k] as Raw, v);
    else out[k] = v;
  }
  return out;
}

interface ParsedFile {
  entries: Map<string, { raw: Raw; line: number }>;
}

function parseFile(text: string, path: string, problems: CatalogueProblem[], topKey: 'families' | 'overrides'): ParsedFile {
  const out: ParsedFile = { entries: new Map() };
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const lineOf = (node: YamlNode | null | undefined) => (node?.range ? lines.linePos(node.range[0]).line - 1 : 0);
  for (const error of doc.errors) problems.push({ path, line: lines.linePos(error.pos[0]).line - 1, message: msg('families.problem.syntax', { path, detail: error.code }) });
  if (doc.errors.length) return out;
  const root = doc.contents;
  if (!isMap(root)) {
    if (root !== null && !(isScalar(root) && (root.value === null || root.value === ''))) problems.push({ path, line: lineOf(root as YamlNode), message: msg('families.problem.not-map', { path }) });
    return out;
  }
  const familiesNode = topKey === 'families' ? root.get('families', true) : root.get('families', true);
  if (familiesNode === undefined) return out;
  if (!isMap(familiesNode)) {
    problems.push({ path, line: lineOf(familiesNode as YamlNode), message: msg('families.problem.not-map', { path: `${path}: families` }) });
    return out;
  }
  for (const pair of familiesNode.items) {
    const id = isScalar(pair.key) ? String(pair.key.value) : '';
    const value = pair.value as YamlNode | null;
    const line = lineOf(pair.key as YamlNode);
    if (!id || !isMap(value)) {
      problems.push({ path, line, message: msg('families.problem.bad-entry', { path, id: id || '?' }) });
      continue;
    }
    const raw = value.toJSON() as Raw;
    if (checkEntry(raw, id, path, line, problems)) out.entries.set(id, { raw, line });
  }
  return out;
}

/** Field-level check; returns false (with problems) when the entry must be dropped. */
function checkEntry(raw: Raw, id: string, path: string, line: number, problems: CatalogueProblem[]): boolean {
  const before = problems.length;
  const bad = (field: string, expected: string) => problems.push({ path, line, message: msg('families.problem.bad-field', { path, id, field, expected }) });
  const stringList = (v: unknown) => Array.isArray(v) && v.every((x) => typeof x === 'string');
  const checkFields = (obj: Raw, where: string, allowVariants: boolean) => {
    for (const [key, value] of Object.entries(obj)) {
      const field = where ? `${where}.${key}` : key;
      if (value === null) continue; // deletes an inherited value
      if (key === 'variants' && allowVariants) {
        if (!Array.isArray(value)) bad(field, 'a list');
        else
          value.forEach((v, i) => {
            if (!isObj(v) || !isObj(v.when) || !isObj(v.set)) return bad(`${field}[${i}]`, '{when: {...}, set: {...}}');
            const when = v.when;
            if (Object.keys(when).some((k) => k !== 'architectures' && k !== 'config')) bad(`${field}[${i}].when`, 'architectures or config');
            if (when.architectures !== undefined && !stringList(when.architectures)) bad(`${field}[${i}].when.architectures`, 'a list of names');
            if (when.config !== undefined && !isObj(when.config)) bad(`${field}[${i}].when.config`, 'a map of config keys to values');
            checkFields(v.set, `${field}[${i}].set`, false);
          });
        continue;
      }
      if (!ENTRY_KEYS.has(key) || key === 'variants') {
        problems.push({ path, line, message: msg('families.problem.unknown-key', { path, id, key: field, allowed: [...ENTRY_KEYS].join(', ') }) });
      } else if (ENUMS[key]) {
        if (!ENUMS[key].includes(value as string)) bad(field, ENUMS[key].join(' | '));
      } else if (BOOLEANS.includes(key)) {
        if (typeof value !== 'boolean') bad(field, 'true | false');
      } else if (STRINGS.includes(key)) {
        if (typeof value !== 'string') bad(field, 'text');
      } else if (!isObj(value)) {
        bad(field, 'a map');
      } else if (key === 'configDefaults') {
        for (const [sub, v] of Object.entries(value)) if (v !== null && !['number', 'string', 'boolean'].includes(typeof v)) bad(`${field}.${sub}`, 'a number, text or true/false');
      } else {
        for (const [sub, subValue] of Object.entries(value)) {
          if (!OBJECT_KEYS[key].includes(sub)) {
            problems.push({ path, line, message: msg('families.problem.unknown-key', { path, id, key: `${field}.${sub}`, allowed: OBJECT_KEYS[key].join(', ') }) });
            continue;
          }
          if (subValue === null) continue;
          if (key === 'naming') {
            const ok = NAMING_LISTS.includes(sub)
              ? stringList(subValue) && (subValue as string[]).every((n) => NAME.test(n))
              : typeof subValue === 'string' && NAME.test(subValue);
            if (!ok) bad(`${field}.${sub}`, NAMING_LISTS.includes(sub) ? 'a list of dotted names' : 'a dotted name');
          } else if (key === 'rope' && sub === 'style' && !ROPE_STYLES.includes(subValue as string)) bad(`${field}.${sub}`, ROPE_STYLES.join(' | '));
          else if (key === 'embedScale' && sub === 'kind' && !SCALE_KINDS.includes(subValue as string)) bad(`${field}.${sub}`, SCALE_KINDS.join(' | '));
          else if (key === 'multimodal' && sub === 'prefixes') {
            if (!Array.isArray(subValue) || !subValue.every((p) => isObj(p) && typeof p.root === 'string' && NAME.test(p.root) && typeof p.headPrefix === 'string' && /^([A-Za-z_][A-Za-z0-9_]*\.)*$/.test(p.headPrefix)))
              bad(`${field}.${sub}`, 'a list of {root, headPrefix}');
          }
        }
      }
    }
  };
  checkFields(raw, '', true);
  return problems.length === before;
}

/** The built-in text plus optional workspace override text (its `families:` map). */
export function loadFamilies(builtinYaml: string, override?: { path: string; text: string }): FamilyCatalogue {
  const problems: CatalogueProblem[] = [];
  const builtin = parseFile(builtinYaml, 'families.yaml', problems, 'families');
  const raws = new Map<string, { raw: Raw; line: number; origin: FamilyEntry['origin'] }>();
  for (const [id, e] of builtin.entries) raws.set(id, { ...e, origin: 'builtin' });
  if (override) {
    const ws = parseFile(override.text, override.path, problems, 'overrides');
    for (const [id, e] of ws.entries) {
      const base = raws.get(id);
      // A workspace entry patches the built-in one of the same id (or adds a new family).
      raws.set(id, { raw: base ? merge(base.raw, e.raw) : e.raw, line: e.line, origin: 'workspace' });
    }
  }

  const resolved = new Map<string, FamilyEntry>();
  const resolving = new Set<string>();
  const flatten = (id: string): Raw | undefined => {
    const e = raws.get(id);
    if (!e) return undefined;
    if (resolving.has(id)) {
      problems.push({ path: e.origin === 'builtin' ? 'families.yaml' : override!.path, line: e.line, message: msg('families.problem.like-cycle', { id }) });
      return undefined;
    }
    const { like, variants: _variants, ...own } = e.raw;
    void _variants;
    if (typeof like !== 'string') return own;
    resolving.add(id);
    const parent = flatten(like);
    resolving.delete(id);
    if (!parent) {
      problems.push({ path: e.origin === 'builtin' ? 'families.yaml' : override!.path, line: e.line, message: msg('families.problem.like-unknown', { id, like }) });
      return undefined;
    }
    const { source: _s, notes: _n, multimodal: _m, ...inherited } = parent;
    void _s;
    void _n;
    // A multimodal wrapper's nesting is its own, not inherited by families that are `like` it...
    // except wrappers like wrappers (llava_next like llava) restate theirs.
    return merge(inherited, own);
  };
  for (const [id, e] of raws) {
    const flat = flatten(id);
    if (!flat) continue;
    const missing = REQUIRED.filter((k) => flat[k] === undefined);
    const naming = isObj(flat.naming) ? flat.naming : {};
    const missingNames = REQUIRED_NAMES.filter((k) => naming[k] === undefined);
    if (missing.length || missingNames.length) {
      problems.push({ path: e.origin === 'builtin' ? 'families.yaml' : override!.path, line: e.line, message: msg('families.problem.missing', { id, fields: [...missing, ...missingNames.map((n) => `naming.${n}`)].join(', ') }) });
      continue;
    }
    const facts = { normHead: false, config: {}, ...flat, id } as unknown as FamilyFacts;
    const variants: FamilyVariant[] = Array.isArray(e.raw.variants)
      ? (e.raw.variants as Raw[]).map((v) => ({ ...(v.when as Raw), set: v.set as Raw }) as FamilyVariant)
      : [];
    resolved.set(id, { facts, variants, origin: e.origin, line: e.line });
  }

  return {
    problems,
    ids: () => [...resolved.keys()],
    entry: (id) => resolved.get(id),
    factsFor(modelType, architecture, config) {
      const entry = resolved.get(modelType);
      if (!entry) return undefined;
      const variant = entry.variants.find(
        (v) =>
          (!v.architectures || (architecture !== undefined && v.architectures.includes(architecture))) &&
          (!v.config || Object.entries(v.config).every(([k, want]) => config[k] === want)),
      );
      if (!variant) return entry.facts;
      return { ...(merge(entry.facts as unknown as Raw, variant.set) as unknown as FamilyFacts), id: `${entry.facts.id}/${describeVariant(variant)}` };
    },
  };
}

function describeVariant(v: FamilyVariant): string {
  if (v.architectures) return v.architectures.join('|');
  return Object.entries(v.config ?? {})
    .map(([k, val]) => `${k}=${String(val)}`)
    .join(',');
}

// ---------------------------------------------------------------------------------------------
// The built-in catalogue: front doors register where its text comes from (src/node/families.ts
// reads the shipped families.yaml); the reader uses it unless given another catalogue.

let builtinSource: (() => string) | undefined;
let builtinCache: FamilyCatalogue | undefined;

export function registerBuiltinFamilies(source: () => string): void {
  builtinSource = source;
  builtinCache = undefined;
}

export function builtinFamilies(): FamilyCatalogue {
  if (builtinCache) return builtinCache;
  if (!builtinSource) throw new Error('atb-migrate: the family catalogue is not registered (import src/node/families or pass a catalogue)');
  builtinCache = loadFamilies(builtinSource());
  return builtinCache;
}

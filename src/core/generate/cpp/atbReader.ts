/**
 * `-atb <cpp|dir>`: reads an existing MindIE-LLM C++ model statically (tree-sitter-cpp) for what its
 * Python caller must provide: the registered name, the set_param keys along the ParseParam chain
 * (required when read unguarded, optional behind `contains`) with their JSON types, the execute keys,
 * the in-tensor list (including the base class's) and the weight count. Whatever it cannot tell is
 * listed as a missing fact with the reason; the caller then writes nothing.
 */
import type { FileReader } from '../../common';
import { msg, type Message } from '../../i18n';
import type { Node, Syntax } from '../../syntax';
import { BASE_DEFAULT_INPUTS, BASE_EXECUTE_KEYS, BASE_WEIGHTS, keysFor, type JsonType, type MindieVersion, type ParamKey } from './mindie';

export interface AtbModelFacts {
  cppFile: string;
  headerFile: string;
  registeredName?: string;
  /** REGISTER_MODEL's two arguments. */
  registered?: { ns: string; cls: string };
  /** 'decoder-model' = derives base::DecoderModel; 'model' = derives atb_speed::Model directly. */
  generation?: 'decoder-model' | 'model';
  keys: ParamKey[];
  executeKeys: ParamKey[];
  inputs?: string[];
  weights?: { embedding: number; perLayer: number; finalNorm: number; lmHead: number };
  /** Where the base keys came from. */
  baseKeysFrom: 'checkout' | 'table';
  missing: Message[];
  notes: Message[];
}

export type PairResult = { cpp: string; header: string } | { error: Message };

const dirOf = (p: string) => p.replace(/[\\/][^\\/]*$/, '') || '/';
const baseName = (p: string) => p.split(/[\\/]/).pop() ?? p;
const join = (d: string, n: string) => (d.endsWith('/') || d.endsWith('\\') ? d + n : `${d}/${n}`);

/** msit's folder rules: a file needs its same-named .cpp and .h beside it; a folder exactly one of each. */
export async function resolveAtbPair(reader: FileReader, path: string): Promise<PairResult> {
  const bad = (code: string, args: Record<string, string | number> = {}): PairResult => ({ error: msg(code, { path, ...args }) });
  const entries = await reader.list(path);
  if (entries) {
    const cpps = entries.filter((e) => !e.isDirectory && e.name.endsWith('.cpp'));
    const hs = entries.filter((e) => !e.isDirectory && e.name.endsWith('.h'));
    if (cpps.length !== 1 || hs.length !== 1) return bad('atb.reader.dir-count', { cpp: cpps.length, h: hs.length });
    return { cpp: join(path, cpps[0].name), header: join(path, hs[0].name) };
  }
  if ((await reader.size(path)) === undefined) return bad('atb.reader.not-found');
  const stem = path.replace(/\.(cpp|h)$/, '');
  if (stem === path) return bad('atb.reader.no-pair', { missing: `${baseName(path)}.cpp / .h` });
  const cpp = `${stem}.cpp`;
  const header = `${stem}.h`;
  const pair = [cpp, header];
  const exists = await Promise.all(pair.map((p) => reader.size(p)));
  const absent = pair.filter((_, i) => exists[i] === undefined).map(baseName);
  if (absent.length) return bad('atb.reader.no-pair', { missing: absent.join(', ') });
  return { cpp, header };
}

function walk(node: Node, visit: (n: Node) => void): void {
  visit(node);
  for (const c of node.namedChildren) if (c) walk(c, visit);
}

const stringValue = (n: Node | null | undefined): string | undefined => {
  if (!n || n.type !== 'string_literal') return undefined;
  return n.namedChildren.filter((c) => c?.type === 'string_content').map((c) => c!.text).join('');
};

/** C++ type of FetchJsonParam<T> / get<T> -> the JSON type nlohmann expects. */
export function jsonTypeOf(cppType: string): JsonType {
  const t = cppType.replace(/\s+/g, '');
  if (/^(std::)?vector</.test(t)) return 'array';
  if (t === 'bool') return 'boolean';
  if (/^(float|double)$/.test(t)) return 'number';
  if (/^(std::)?string$/.test(t)) return 'string';
  if (/^nlohmann::json$/.test(t)) return 'object';
  return 'integer'; // int, uint32_t, size_t, enums (NormType, PositionEmbeddingType, OpBackend ...)
}

interface KeyRead {
  key: string;
  type: JsonType;
  guarded: boolean;
}

/** Keys a function body reads from its json parameter: FetchJsonParam<T>(j, "k"), j["k"].get<T>(), and `contains` guards. */
function keyReads(body: Node): KeyRead[] {
  const guardedKeys = new Set<string>();
  const reads: { key: string; type: JsonType; conditional?: boolean }[] = [];
  // A read under any `if` (a `contains` guard or a feature flag such as enableOmniAttention) is optional.
  const conditional = (n: Node): boolean => {
    for (let p = n.parent; p && p.id !== body.id; p = p.parent) if (p.type === 'if_statement' || p.type === 'conditional_expression') return true;
    return false;
  };
  walk(body, (n) => {
    if (n.type !== 'call_expression') return;
    const fn = n.childForFieldName('function');
    const args = n.childForFieldName('arguments');
    if (!fn || !args) return;
    if (fn.type === 'field_expression' && fn.childForFieldName('field')?.text === 'contains') {
      const k = stringValue(args.namedChildren[0]);
      if (k) guardedKeys.add(k);
      return;
    }
    if (fn.type === 'template_function' || fn.type === 'qualified_identifier') {
      const text = fn.text.replace(/\s+/g, '');
      const m = /(?:^|::)FetchJsonParam<(.+)>$/.exec(text);
      if (m) {
        const k = stringValue(args.namedChildren[1]);
        if (k) reads.push({ key: k, type: jsonTypeOf(m[1]), conditional: conditional(n) });
      }
      return;
    }
    if (fn.type === 'field_expression') {
      // j["k"].get<T>()
      const field = fn.childForFieldName('field');
      const arg = fn.childForFieldName('argument');
      const g = field && /^get<(.+)>$/.exec(field.text.replace(/\s+/g, ''));
      if (!g && field?.type === 'template_method') {
        const name = field.childForFieldName('name')?.text;
        const targs = field.childForFieldName('arguments')?.text.replace(/^<|>$/g, '');
        if (name === 'get' && targs && arg?.type === 'subscript_expression') {
          const k = subscriptKey(arg);
          if (k) reads.push({ key: k, type: jsonTypeOf(targs), conditional: conditional(n) });
        }
      } else if (g && arg?.type === 'subscript_expression') {
        const k = subscriptKey(arg);
        if (k) reads.push({ key: k, type: jsonTypeOf(g[1]), conditional: conditional(n) });
      }
    }
  });
  // `for (auto item : j["k"])` reads an array.
  walk(body, (n) => {
    if (n.type !== 'for_range_loop') return;
    const right = n.childForFieldName('right');
    if (right?.type === 'subscript_expression') {
      const k = subscriptKey(right);
      if (k && !reads.some((r) => r.key === k)) reads.push({ key: k, type: 'array', conditional: conditional(n) });
    }
  });
  const seen = new Map<string, KeyRead>();
  for (const r of reads) if (!seen.has(r.key)) seen.set(r.key, { key: r.key, type: r.type, guarded: guardedKeys.has(r.key) || !!r.conditional });
  return [...seen.values()];
}

function subscriptKey(n: Node): string | undefined {
  const idx = n.childForFieldName('indices') ?? n.namedChildren[1];
  const lit = idx?.type === 'subscript_argument_list' ? idx.namedChildren[0] : idx;
  return stringValue(lit);
}

interface FunctionInfo {
  name: string;
  params: string;
  body: Node;
  line: number;
}

function functions(root: Node): FunctionInfo[] {
  const out: FunctionInfo[] = [];
  walk(root, (n) => {
    if (n.type !== 'function_definition') return;
    const decl = n.childForFieldName('declarator');
    const body = n.childForFieldName('body');
    if (!decl || !body) return;
    let d: Node | null = decl;
    while (d && d.type !== 'function_declarator') d = d.childForFieldName('declarator');
    if (!d) return;
    const name = d.childForFieldName('declarator')?.text ?? '';
    out.push({ name, params: d.childForFieldName('parameters')?.text ?? '', body, line: n.startPosition.row + 1 });
  });
  return out;
}

function classes(root: Node): { name: string; bases: string }[] {
  const out: { name: string; bases: string }[] = [];
  walk(root, (n) => {
    if (n.type !== 'class_specifier' && n.type !== 'struct_specifier') return;
    const name = n.childForFieldName('name')?.text;
    const bases = n.namedChildren.find((c) => c?.type === 'base_class_clause')?.text ?? '';
    if (name) out.push({ name, bases });
  });
  return out;
}

/** Walks up from the model file to `.../models/` and returns base/param/model_param.cpp if it is there. */
async function findBaseParamSource(reader: FileReader, file: string): Promise<string | undefined> {
  let dir = dirOf(file);
  for (let i = 0; i < 6 && dir && dir !== dirOf(dir); i++, dir = dirOf(dir)) {
    const candidate = join(dir, 'base/param/model_param.cpp');
    if ((await reader.size(candidate)) !== undefined) return candidate;
  }
  return undefined;
}

/** Per-layer vectors the base indexes unchecked (DecoderModel::SetLayerParam): required though guarded. */
const UNCHECKED_PER_LAYER = ['linearTransposeType'];

export async function readAtbModel(syntax: Syntax, reader: FileReader, pair: { cpp: string; header: string }, version: MindieVersion): Promise<AtbModelFacts> {
  const facts: AtbModelFacts = { cppFile: pair.cpp, headerFile: pair.header, keys: [], executeKeys: [], baseKeysFrom: 'table', missing: [], notes: [] };
  const parser = syntax.parser('cpp');
  const sources: { file: string; root: Node }[] = [];
  for (const file of [pair.header, pair.cpp]) {
    const text = await reader.readText(file);
    const tree = text === undefined ? null : parser.parse(text);
    if (tree) sources.push({ file, root: tree.rootNode });
  }
  const missing = (fact: string, why: string, file = baseName(pair.cpp)) => facts.missing.push(msg('atb.reader.missing', { fact, file, why }));

  // 1. Registered name: the first REGISTER_MODEL(ns, Class).
  for (const { root } of sources) {
    walk(root, (n) => {
      if (facts.registeredName || n.type !== 'call_expression' || n.childForFieldName('function')?.text !== 'REGISTER_MODEL') return;
      const args = n.childForFieldName('arguments')?.namedChildren ?? [];
      if (args.length === 2) {
        facts.registered = { ns: args[0]!.text, cls: args[1]!.text };
        facts.registeredName = `${args[0]!.text}_${args[1]!.text}`;
      }
    });
  }
  if (!facts.registeredName) facts.missing.push(msg('atb.reader.no-register', { file: `${baseName(pair.header)} / ${baseName(pair.cpp)}` }));

  // 2. Generation.
  const all = sources.flatMap((s) => classes(s.root));
  if (all.some((c) => /\b(base::)?DecoderModel\b/.test(c.bases) || /MoeDecoderModel/.test(c.bases))) facts.generation = 'decoder-model';
  else if (all.some((c) => /\bModel\b/.test(c.bases))) facts.generation = 'model';
  if (facts.generation === 'model') {
    facts.missing.push(msg('atb.reader.generation-b', { file: baseName(pair.cpp) }));
    return facts;
  }
  if (!facts.generation) {
    missing('the base class', 'no class derives atb_speed::base::DecoderModel');
    return facts;
  }
  if (all.some((c) => /MoeDecoderModel/.test(c.bases))) missing('the in-tensor list', 'moe::MoeDecoderModel adds expert inputs this reader does not model');

  // 3. Keys: the base chain, then the model's own ParseParam(json) overrides.
  const keys = new Map<string, ParamKey>();
  const baseSource = await findBaseParamSource(reader, pair.cpp);
  const baseText = baseSource ? await reader.readText(baseSource) : undefined;
  if (baseText !== undefined) {
    facts.baseKeysFrom = 'checkout';
    const root = parser.parse(baseText)?.rootNode;
    for (const f of root ? functions(root) : []) {
      if (!/json/.test(f.params)) continue;
      for (const r of keyReads(f.body)) {
        if (keys.has(r.key)) continue;
        keys.set(r.key, { key: r.key, type: r.type, required: !r.guarded || UNCHECKED_PER_LAYER.includes(r.key) });
      }
    }
  } else {
    facts.notes.push(msg('atb.reader.base-fallback', { version, file: baseName(pair.cpp) }));
    for (const k of keysFor(version)) keys.set(k.key, k);
  }
  const own = sources.flatMap((s) => functions(s.root));
  for (const f of own) {
    if (!/ParseParam$/.test(f.name)) continue;
    if (/nlohmann::json|json\s*&/.test(f.params)) {
      for (const r of keyReads(f.body)) keys.set(r.key, { key: r.key, type: r.type, required: !r.guarded });
    } else if (/std::string/.test(f.params)) {
      for (const r of keyReads(f.body)) facts.executeKeys.push({ key: r.key, type: r.type, required: !r.guarded });
    }
  }
  facts.keys = [...keys.values()];
  for (const k of keysFor(version, BASE_EXECUTE_KEYS)) if (!facts.executeKeys.some((e) => e.key === k.key)) facts.executeKeys.push(k);

  // 4. Inputs: the base's default group. A ConstructInTensorMap override is followed: groups it adds
  //    only under `if (param.flag)` stay off when every flag defaults to false (we never send them);
  //    anything else it adds, or an edit of the default group, is a fact we cannot tell.
  const inputs = await readInputs(reader, sources.map((s) => s.root), own, baseSource, parser);
  if ('missing' in inputs) missing('the in-tensor list', inputs.missing);
  else facts.inputs = inputs.inputs;

  // 5. Weight count: the base formula unless the model changes it.
  const weightEdit = own.find((f) => /CalcWeightTensorSize$/.test(f.name) || /weightCount(PerLayer|WordEmbedding|FinalNorm|LmHead)\s*(\+?=)/.test(f.body.text));
  if (weightEdit) missing('the weight count', `line ${weightEdit.line} (${weightEdit.name}) changes the weight counts`);
  else facts.weights = { embedding: BASE_WEIGHTS.embedding, perLayer: BASE_WEIGHTS.perLayer, finalNorm: BASE_WEIGHTS.finalNorm.rms, lmHead: BASE_WEIGHTS.lmHead };
  return facts;
}

/** Flags a model or base param header declares with `= false` (bool members off by default). */
async function falseByDefault(reader: FileReader, roots: Node[], baseSource: string | undefined, parser: ReturnType<Syntax['parser']>): Promise<Set<string>> {
  const off = new Set<string>();
  const scan = (root: Node) =>
    walk(root, (n) => {
      if (n.type !== 'field_declaration') return;
      const type = n.childForFieldName('type')?.text;
      const decl = n.childForFieldName('declarator');
      const value = n.childForFieldName('default_value');
      if (type === 'bool' && decl && value?.text === 'false') off.add(decl.text);
    });
  roots.forEach(scan);
  if (baseSource) {
    for (const header of ['param.h', 'model_param.h']) {
      const text = await reader.readText(join(dirOf(baseSource), header));
      const tree = text === undefined ? null : parser.parse(text);
      if (tree) scan(tree.rootNode);
    }
  }
  return off;
}

async function readInputs(reader: FileReader, roots: Node[], own: FunctionInfo[], baseSource: string | undefined, parser: ReturnType<Syntax['parser']>): Promise<{ inputs: string[] } | { missing: string }> {
  for (const f of own) {
    let edit: Node | undefined;
    walk(f.body, (n) => {
      if (edit) return;
      // inTensorCandidates["default"] / .at("default") touched, or the whole map reassigned.
      if (n.type === 'subscript_expression' && /inTensorCandidates$/.test(n.childForFieldName('argument')?.text ?? '') && subscriptKey(n) === 'default') edit = n;
      if (n.type === 'call_expression') {
        const fn = n.childForFieldName('function');
        if (fn?.type === 'field_expression' && /inTensorCandidates$/.test(fn.childForFieldName('argument')?.text ?? '') && fn.childForFieldName('field')?.text === 'at' && stringValue(n.childForFieldName('arguments')?.namedChildren[0]) === 'default') edit = n;
      }
      if (n.type === 'assignment_expression' && /inTensorCandidates$/.test(n.childForFieldName('left')?.text ?? '')) edit = n;
    });
    if (edit) return { missing: `line ${edit.startPosition.row + 1} (${f.name}) changes the default input group or replaces the candidates` };
  }
  const cim = own.find((f) => /ConstructInTensorMap$/.test(f.name));
  if (!cim) return { inputs: [...BASE_DEFAULT_INPUTS] };
  let problem: string | undefined;
  const conditions: { group: string; cond: string; line: number }[] = [];
  let defaultAssigned = false;
  walk(cim.body, (n) => {
    if (problem) return;
    if (n.type === 'call_expression' && /AssignTensorIdx$/.test(n.childForFieldName('function')?.text ?? '')) {
      const group = stringValue(n.childForFieldName('arguments')?.namedChildren[1]);
      let cond: Node | undefined;
      for (let p = n.parent; p && p.id !== cim.body.id; p = p.parent) if (p.type === 'if_statement') cond = p.childForFieldName('condition') ?? undefined;
      if (group === 'default' && !cond) defaultAssigned = true;
      else if (!group || !cond) problem = `line ${n.startPosition.row + 1} adds the "${group ?? '?'}" inputs unconditionally`;
      else conditions.push({ group, cond: cond.text.replace(/^\(|\)$/g, '').trim(), line: n.startPosition.row + 1 });
    }
  });
  if (problem) return { missing: `${cim.name}: ${problem}` };
  if (!defaultAssigned) return { missing: `${cim.name} does not add the default inputs first` };
  const off = await falseByDefault(reader, roots, baseSource, parser);
  // Off when built from `param.flag` terms (default false, never sent) and small bool methods returning them.
  const provenOff = (expr: string, depth = 0): boolean => {
    const e = expr.trim().replace(/^\((.*)\)$/, '$1').trim();
    if (depth > 4 || /[()]/.test(e.replace(/\w+\(\)/g, ''))) return false;
    if (e.includes('||')) return e.split('||').every((t) => provenOff(t, depth + 1));
    if (e.includes('&&')) return e.split('&&').some((t) => provenOff(t, depth + 1));
    const flag = /^(?:this->)?(?:[\w:]+::)?param\.([A-Za-z_]\w*)$/.exec(e);
    if (flag) return off.has(flag[1]);
    const call = /^(?:this->)?([A-Za-z_]\w*)\(\)$/.exec(e);
    if (call) {
      const fn = own.find((f) => f.name === call[1] || f.name.endsWith(`::${call[1]}`));
      const statements = fn?.body.namedChildren.filter((c) => c && c.type !== 'comment') ?? [];
      const ret = statements.length === 1 && statements[0]!.type === 'return_statement' ? statements[0]!.namedChildren[0] : undefined;
      return !!ret && provenOff(ret.text, depth + 1);
    }
    return false;
  };
  for (const c of conditions) {
    if (!provenOff(c.cond)) return { missing: `${cim.name} line ${c.line}: cannot show that "${c.cond}" is false by default (it adds the "${c.group}" inputs)` };
  }
  return { inputs: [...BASE_DEFAULT_INPUTS] };
}

/**
 * The static-shape attention edits of seed 003 as tree-sitter-located text edits on a transformers
 * `modeling_*.py`:
 *   rotary            apply_rotary_pos_emb lays cos/sin out for q/k in [batch, seq, heads, head_dim]
 *   repeat-kv         repeat_kv takes K/V in [batch, seq, kv_heads, head_dim], returns [batch, heads, seq, head_dim]
 *   attention-layout  q/k/v stay in [batch, seq, heads, head_dim]; the past K/V is a tuple concatenated
 *                     on the sequence axis (dim 1) and returned as the new past; one transpose of q
 *   pretraining-tp    the `pretraining_tp > 1` branches (sliced projections summed by hand) go; the
 *                     plain path stays (the sliced sums equal the plain projections)
 * rotary, repeat-kv and attention-layout change the tensor layout together: one alone computes wrong
 * results, so they are one group, offered only when every user of the two helpers is an attention
 * forward of the known shape. Everything else is kept byte for byte.
 */
import { msg, type Message } from '../i18n';
import type { Node, Tree } from '../syntax';
import { EditList } from '../quantize/edits';
import './messages';

export const STATIC_SHAPE_EDITS = ['rotary', 'repeat-kv', 'attention-layout', 'pretraining-tp'] as const;
export type StaticShapeEdit = (typeof STATIC_SHAPE_EDITS)[number];
/** Edits that change the tensor layout and must be applied together. */
export const LAYOUT_GROUP: readonly StaticShapeEdit[] = ['rotary', 'repeat-kv', 'attention-layout'];

export interface EditSite {
  /** Zero-based line of the function or statement edited (for code-action ranges). */
  line: number;
  endLine: number;
  what: string;
}

export type EditPlan = { edit: StaticShapeEdit; status: 'available'; sites: EditSite[] } | { edit: StaticShapeEdit; status: 'refused'; reason: Message };

export interface StaticShapePlan {
  plans: Record<StaticShapeEdit, EditPlan>;
  /** Applies the chosen edits (default: all) and returns the new text; `refused` says why each other one was not. */
  apply(only?: readonly StaticShapeEdit[]): {
    text: string;
    /** The same change as minimal replacements (offsets into the original text, UTF-16), in order. */
    edits: Op[];
    applied: StaticShapeEdit[];
    refused: { edit: StaticShapeEdit; reason: Message }[];
  };
}

class Refuse extends Error {
  constructor(readonly reason: Message) {
    super(reason.code);
  }
}
const refuse = (code: string, args?: Message['args']): never => {
  throw new Refuse(msg(code, args));
};

type Recorder = (edits: EditList) => void;
export interface Op {
  start: number;
  end: number;
  text: string;
}

/** Runs `make` now, while the tree is alive, and keeps only offsets and text for `apply` later. */
class Recording extends EditList {
  readonly ops: Op[] = [];
  override replace(start: number, end: number, text: string): void {
    this.ops.push({ start, end, text });
  }
}
let scratch: { text: string; eol: string } = { text: '', eol: '\n' };
function recorded(make: (e: EditList) => void): Recorder {
  const r = new Recording(scratch.text, scratch.eol);
  make(r);
  const ops = r.ops;
  return (e) => ops.forEach((o) => e.replace(o.start, o.end, o.text));
}

const named = (n: Node | null | undefined): Node[] => (n ? n.namedChildren.filter((c): c is Node => !!c) : []);
const line = (n: Node) => n.startPosition.row + 1;

function walk(node: Node, visit: (n: Node) => boolean | void): void {
  if (visit(node) === false) return;
  for (const c of named(node)) walk(c, visit);
}

function functionName(fn: Node): string {
  return fn.childForFieldName('name')?.text ?? '';
}

/** The enclosing `def`, and its class when it is a method. */
function enclosingFunction(node: Node): Node | undefined {
  for (let p = node.parent; p; p = p.parent) if (p.type === 'function_definition') return p;
  return undefined;
}
function qualifiedName(fn: Node): string {
  for (let p = fn.parent; p; p = p.parent) if (p.type === 'class_definition') return `${p.childForFieldName('name')?.text}.${functionName(fn)}`;
  return functionName(fn);
}

/** Body statements, skipping a leading docstring. */
function statements(fn: Node): Node[] {
  const body = named(fn.childForFieldName('body'));
  const first = body[0];
  if (first?.type === 'expression_statement' && named(first)[0]?.type === 'string') return body.slice(1);
  return body.filter((s) => s.type !== 'comment');
}

/** `a = <rhs>` / `a, b = <rhs>` as an expression statement: [left, right]. */
function assignment(stmt: Node): { left: Node; right: Node } | undefined {
  if (stmt.type !== 'expression_statement') return undefined;
  const a = named(stmt)[0];
  if (a?.type !== 'assignment') return undefined;
  const left = a.childForFieldName('left');
  const right = a.childForFieldName('right');
  return left && right ? { left, right } : undefined;
}

function callName(call: Node): string {
  const f = call.childForFieldName('function');
  return f?.type === 'identifier' ? f.text : f?.type === 'attribute' ? (f.childForFieldName('attribute')?.text ?? '') : '';
}
function callArgs(call: Node): Node[] {
  return named(call.childForFieldName('arguments')).filter((n) => n.type !== 'comment');
}

interface Users {
  rotary: Node[];
  repeat: Node[];
}

/** Every call of apply_rotary_pos_emb / repeat_kv in the module. */
function usersOf(root: Node): Users {
  const users: Users = { rotary: [], repeat: [] };
  walk(root, (n) => {
    if (n.type === 'call' && n.childForFieldName('function')?.type === 'identifier') {
      const name = n.childForFieldName('function')!.text;
      if (name === 'apply_rotary_pos_emb') users.rotary.push(n);
      if (name === 'repeat_kv') users.repeat.push(n);
    }
  });
  return users;
}

function topLevelFunction(root: Node, name: string): Node | undefined {
  for (const n of named(root)) {
    const fn = n.type === 'decorated_definition' ? n.childForFieldName('definition') : n;
    if (fn?.type === 'function_definition' && functionName(fn) === name) return fn;
  }
  return undefined;
}

// ---------------------------------------------------------------- pretraining-tp

function planPretrainingTp(root: Node, edits: () => EditList): { sites: EditSite[]; record: Recorder } {
  const ifs: Node[] = [];
  walk(root, (n) => {
    if (n.type === 'if_statement') {
      const cond = n.childForFieldName('condition');
      if (cond && /\.pretraining_tp\s*>\s*1$/.test(cond.text.replace(/\s+/g, ' '))) ifs.push(n);
    }
  });
  if (!ifs.length) refuse('rewrite.pretraining-tp.absent');
  const text = edits().text;
  const jobs: { start: number; end: number; body: string }[] = [];
  for (const stmt of ifs) {
    const alternatives = named(stmt).filter((c) => c.type === 'else_clause' || c.type === 'elif_clause');
    if (alternatives.length !== 1 || alternatives[0].type !== 'else_clause') refuse('rewrite.pretraining-tp.shape', { line: line(stmt) });
    const block = alternatives[0].childForFieldName('body')!;
    const e = edits();
    const ifIndent = e.indentAt(stmt.startIndex);
    const bodyIndent = e.indentAt(block.startIndex);
    if (block.startPosition.row === alternatives[0].startPosition.row || !bodyIndent.startsWith(ifIndent) || bodyIndent.length <= ifIndent.length) {
      refuse('rewrite.pretraining-tp.shape', { line: line(stmt) });
    }
    walk(block, (n) => {
      if (n.type === 'string' && n.startPosition.row !== n.endPosition.row) refuse('rewrite.pretraining-tp.multiline-string', { line: line(n) });
    });
    const delta = bodyIndent.length - ifIndent.length;
    const start = e.lineStart(block.startIndex);
    const end = e.lineEnd(block.endIndex);
    const lines = text.slice(start, end).split('\n');
    const dedented = lines.map((l) => {
      if (/^\s*$/.test(l)) return l;
      if (!l.startsWith(' '.repeat(delta)) && !l.startsWith(bodyIndent)) refuse('rewrite.pretraining-tp.shape', { line: line(stmt) });
      return l.slice(delta);
    });
    jobs.push({ start: e.lineStart(stmt.startIndex), end: e.lineEnd(stmt.endIndex), body: dedented.join('\n') });
  }
  return {
    sites: ifs.map((s) => ({ line: s.startPosition.row, endLine: s.endPosition.row, what: 'if pretraining_tp > 1' })),
    record: (e) => jobs.forEach((j) => e.replace(j.start, j.end, j.body)),
  };
}

// ---------------------------------------------------------------- the layout group

function planRotary(fn: Node): { site: EditSite; record: Recorder } {
  const params = named(fn.childForFieldName('parameters')).map((p) => (p.type === 'identifier' ? p.text : (p.childForFieldName('name')?.text ?? named(p)[0]?.text ?? '')));
  if (params.length < 4) refuse('rewrite.rotary.shape', { line: line(fn) });
  const [, , cos, sin] = params;
  const body = statements(fn);
  if (body.some((s) => /\.transpose\(1,\s*2\)/.test(s.text) && /\b(cos|sin)\b/.test(s.text))) refuse('rewrite.rotary.done', { line: line(fn) });
  const unsqueeze = (name: string) =>
    body.find((s) => {
      const a = assignment(s);
      return a && a.left.text === name && new RegExp(`^${name}(\\[position_ids\\])?\\.unsqueeze\\(unsqueeze_dim\\)$`).test(a.right.text.replace(/\s+/g, ''));
    });
  const c = unsqueeze(cos);
  const s = unsqueeze(sin);
  if (!c || !s) refuse('rewrite.rotary.shape', { line: line(fn) });
  const last = c!.endIndex > s!.endIndex ? c! : s!;
  return {
    site: { line: fn.startPosition.row, endLine: fn.endPosition.row, what: 'apply_rotary_pos_emb' },
    record: recorded((e) => e.insertLinesAfter(last, [`${cos} = ${cos}.transpose(1, 2)  # [bs, seq_len, 1, dim]: q and k are [bs, seq_len, heads, dim]`, `${sin} = ${sin}.transpose(1, 2)`])),
  };
}

function planRepeatKv(fn: Node): { site: EditSite; record: Recorder } {
  const params = named(fn.childForFieldName('parameters')).map((p) => (p.type === 'identifier' ? p.text : (p.childForFieldName('name')?.text ?? named(p)[0]?.text ?? '')));
  const body = statements(fn);
  const unpack = body[0] && assignment(body[0]);
  const names = unpack && unpack.left.type === 'pattern_list' ? named(unpack.left).map((n) => n.text) : [];
  const [x, n] = params;
  if (!unpack || names.length !== 4 || unpack.right.text !== `${x}.shape` || !n) refuse('rewrite.repeat-kv.shape', { line: line(fn) });
  if (names[1] === 'slen' || /seq|len/.test(names[1])) refuse('rewrite.repeat-kv.done', { line: line(fn) });
  if (body.length !== 4 || body[1].type !== 'if_statement' || !/\.expand\(/.test(body[2].text) || body[3].type !== 'return_statement' || !/\.reshape\(/.test(body[3].text)) {
    refuse('rewrite.repeat-kv.shape', { line: line(fn) });
  }
  const [b, kv, s, d] = names;
  return {
    site: { line: fn.startPosition.row, endLine: fn.endPosition.row, what: 'repeat_kv' },
    record: recorded((e) => {
      const indent = e.indentAt(body[0].startIndex);
      const inner = indent + (indent.includes('\t') ? '\t' : '    ');
      const lines = [
        `${b}, ${s}, ${kv}, ${d} = ${x}.shape  # in: [batch, seq, kv_heads, head_dim]; out: [batch, heads, seq, head_dim]`,
        `if ${n} == 1:`,
        `${inner.slice(indent.length)}return ${x}.transpose(1, 2)`,
        `${x} = ${x}[:, :, :, None, :].expand(${b}, ${s}, ${kv}, ${n}, ${d})`,
        `return ${x}.reshape(${b}, ${s}, ${kv} * ${n}, ${d}).transpose(1, 2)`,
      ];
      e.replace(body[0].startIndex, body[3].endIndex, lines.join(e.eol + indent));
    }),
  };
}

/** An attention forward of the 4.36-4.47 shape: q/k/v views with transpose, rotary, Cache.update, repeat_kv. */
function planAttention(fn: Node, hasTorch: boolean): { site: EditSite; record: Recorder } {
  const where = { fn: qualifiedName(fn), line: line(fn) };
  if (/get_usable_length|kv_seq_len/.test(fn.text)) refuse('rewrite.attention.kv-seq-len', where);
  const all: Node[] = [];
  walk(fn.childForFieldName('body')!, (n) => {
    if (n.type === 'function_definition' || n.type === 'class_definition') return false;
    if (n.type === 'expression_statement' || n.type === 'if_statement' || n.type === 'return_statement') all.push(n);
  });
  const rotaryCall = all.map((s) => assignment(s)).find((a) => a?.right.type === 'call' && callName(a.right) === 'apply_rotary_pos_emb');
  if (!rotaryCall) refuse('rewrite.attention.no-rotary', where);
  const rArgs = callArgs(rotaryCall!.right);
  if (rArgs.length < 4 || rArgs.slice(0, 2).some((a) => a.type !== 'identifier') || rArgs.slice(4).some((a) => !(a.type === 'keyword_argument' && a.childForFieldName('name')?.text === 'position_ids') && a.type === 'keyword_argument')) {
    refuse('rewrite.attention.shape', where);
  }
  const [q, k] = [rArgs[0].text, rArgs[1].text];
  const repeats = all.map((s) => ({ s, a: assignment(s) })).filter(({ a }) => a?.right.type === 'call' && callName(a.right) === 'repeat_kv');
  if (repeats.length !== 2) refuse('rewrite.attention.no-repeat-kv', where);
  const v = repeats.map(({ a }) => a!.left.text).find((name) => name !== k);
  if (!v || !repeats.some(({ a }) => a!.left.text === k) || repeats.some(({ a }) => callArgs(a!.right)[0]?.text !== a!.left.text)) refuse('rewrite.attention.shape', where);
  // The three views that put heads before the sequence.
  const views = new Map<string, Node>();
  for (const s of all) {
    const a = assignment(s);
    if (!a || ![q, k, v].includes(a.left.text)) continue;
    const r = a.right;
    if (r.type === 'call' && callName(r) === 'transpose' && callArgs(r).map((x) => x.text).join(',') === '1,2') {
      const obj = r.childForFieldName('function')!.childForFieldName('object');
      if (obj?.type === 'call' && callName(obj) === 'view') views.set(a.left.text, r);
    }
  }
  if (views.size !== 3) refuse('rewrite.attention.shape', where);
  // The cache update.
  const cacheIf = all.find((s) => s.type === 'if_statement' && /^(past_key_values?|layer_past) is not None$/.test(s.childForFieldName('condition')?.text ?? ''));
  if (!cacheIf || named(cacheIf).some((c) => c.type === 'else_clause' || c.type === 'elif_clause')) refuse('rewrite.attention.no-cache', where);
  const cache = cacheIf!.childForFieldName('condition')!.text.split(' ')[0];
  const update = named(cacheIf!.childForFieldName('consequence')).map((s) => assignment(s)).find((a) => a?.right.type === 'call' && callName(a.right) === 'update');
  if (!update || update.left.text.replace(/\s+/g, '') !== `${k},${v}`) refuse('rewrite.attention.no-cache', where);
  // Between the views and the last repeat_kv, q/k/v are in the new layout: any other use of them there
  // (a slice by sequence, a shape read, a norm) would silently change meaning.
  const lastRepeatEnd = Math.max(repeats[0].s.endIndex, repeats[1].s.endIndex);
  const firstView = Math.min(...[...views.values()].map((v) => v.startIndex));
  const known = new Set([...views.values()].map((v) => v.parent!.parent!.startIndex).concat(cacheIf!.startIndex, repeats[0].s.startIndex, repeats[1].s.startIndex));
  const rotaryStmt = all.find((s) => assignment(s)?.right.startIndex === rotaryCall!.right.startIndex);
  if (rotaryStmt) known.add(rotaryStmt.startIndex);
  const names = new RegExp(`\\b(${[q, k, v].join('|')})\\b`);
  for (const s of all) {
    if (s.startIndex < firstView || s.startIndex > lastRepeatEnd || known.has(s.startIndex) || s.type === 'if_statement') continue;
    if (s.startIndex > cacheIf!.startIndex && s.endIndex <= cacheIf!.endIndex) continue;
    // `self.rotary_emb(value_states, ...)` reads only the dtype and device of its first argument.
    const text = s.text.replace(new RegExp(`rotary_emb\\(\\s*(${[q, k, v].join('|')})\\b`, 'g'), 'rotary_emb(');
    if (names.test(text)) refuse('rewrite.attention.other-use', { ...where, at: line(s) });
  }
  const returns = all.filter((s) => s.type === 'return_statement' && enclosingFunction(s)?.startIndex === fn.startIndex);
  const finalReturn = returns[returns.length - 1];
  const returned = finalReturn ? named(named(finalReturn)[0]) : [];
  const pastInReturn = returned.find((r) => r.text === cache);
  if (!pastInReturn) refuse('rewrite.attention.no-return', where);
  if (!hasTorch) refuse('rewrite.attention.no-torch', where);
  const lastRepeat = repeats[0].s.endIndex > repeats[1].s.endIndex ? repeats[0].s : repeats[1].s;
  return {
    site: { line: fn.startPosition.row, endLine: fn.endPosition.row, what: qualifiedName(fn) },
    record: recorded((e) => {
      for (const t of views.values()) {
        const obj = t.childForFieldName('function')!.childForFieldName('object')!;
        e.replace(obj.endIndex, t.endIndex, '');
      }
      const indent = e.indentAt(cacheIf!.startIndex);
      const inner = e.indentAt(named(cacheIf!.childForFieldName('consequence'))[0].startIndex);
      const lines = [
        `past_kv = (${k}, ${v})  # this step's K/V in [bsz, seq_len, kv_heads, head_dim]: the new past`,
        `if ${cache} is not None:`,
        `${inner.slice(indent.length)}${k} = torch.cat([${cache}[0], ${k}], dim=1)`,
        `${inner.slice(indent.length)}${v} = torch.cat([${cache}[1], ${v}], dim=1)`,
      ];
      e.replace(cacheIf!.startIndex, cacheIf!.endIndex, lines.join(e.eol + indent));
      e.insertLinesAfter(lastRepeat, [`${q} = ${q}.transpose(1, 2)  # [bsz, heads, q_len, head_dim] for the matmul`]);
      e.replaceNode(pastInReturn!, 'past_kv');
    }),
  };
}

function planLayout(root: Node): { sites: EditSite[]; records: Record<'rotary' | 'repeat-kv' | 'attention-layout', Recorder> } {
  const rotaryFn = topLevelFunction(root, 'apply_rotary_pos_emb');
  const repeatFn = topLevelFunction(root, 'repeat_kv');
  if (!rotaryFn || !repeatFn) refuse('rewrite.layout.absent', { missing: [!rotaryFn && 'apply_rotary_pos_emb', !repeatFn && 'repeat_kv'].filter(Boolean).join(', ') });
  const users = usersOf(root);
  // Keyed by offset: web-tree-sitter hands out a new Node object for every access.
  const callers = new Map<number, Node>();
  for (const call of [...users.rotary, ...users.repeat]) {
    const fn = enclosingFunction(call);
    if (!fn) refuse('rewrite.layout.module-level-call', { line: line(call) });
    callers.set(fn!.startIndex, fn!);
  }
  if (!callers.size) refuse('rewrite.layout.no-callers');
  const hasTorch = named(root).some((n) => n.type === 'import_statement' && /\bimport\s+torch\b(?!\.)/.test(n.text));
  const attention = [...callers.values()].sort((a, b) => a.startIndex - b.startIndex).map((fn) => planAttention(fn, hasTorch));
  const rotary = planRotary(rotaryFn!);
  const repeat = planRepeatKv(repeatFn!);
  return {
    sites: [rotary.site, repeat.site, ...attention.map((a) => a.site)],
    records: { rotary: rotary.record, 'repeat-kv': repeat.record, 'attention-layout': (e) => attention.forEach((a) => a.record(e)) },
  };
}

/** Plans every edit on a parsed modeling file; nothing is changed until `apply`. */
export function planStaticShape(tree: Tree, text: string): StaticShapePlan {
  const root = tree.rootNode;
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const fresh = () => new EditList(text, eol);
  scratch = { text, eol };
  const plans = {} as Record<StaticShapeEdit, EditPlan>;
  const records: Partial<Record<StaticShapeEdit, Recorder>> = {};
  if (root.hasError) {
    const reason = msg('rewrite.syntax-error', { line: firstErrorLine(root) });
    for (const edit of STATIC_SHAPE_EDITS) plans[edit] = { edit, status: 'refused', reason };
  } else {
    try {
      const layout = planLayout(root);
      for (const edit of LAYOUT_GROUP) {
        plans[edit] = { edit, status: 'available', sites: layout.sites.filter((s) => (edit === 'rotary' ? s.what === 'apply_rotary_pos_emb' : edit === 'repeat-kv' ? s.what === 'repeat_kv' : s.what !== 'apply_rotary_pos_emb' && s.what !== 'repeat_kv')) };
        records[edit] = layout.records[edit as 'rotary'];
      }
    } catch (error) {
      if (!(error instanceof Refuse)) throw error;
      for (const edit of LAYOUT_GROUP) plans[edit] = { edit, status: 'refused', reason: error.reason };
    }
    try {
      const tp = planPretrainingTp(root, fresh);
      plans['pretraining-tp'] = { edit: 'pretraining-tp', status: 'available', sites: tp.sites };
      records['pretraining-tp'] = tp.record;
    } catch (error) {
      if (!(error instanceof Refuse)) throw error;
      plans['pretraining-tp'] = { edit: 'pretraining-tp', status: 'refused', reason: error.reason };
    }
  }
  return {
    plans,
    apply(only) {
      const wanted = only ?? STATIC_SHAPE_EDITS;
      const refused: { edit: StaticShapeEdit; reason: Message }[] = [];
      const partOfGroup = wanted.filter((e) => LAYOUT_GROUP.includes(e));
      if (partOfGroup.length && partOfGroup.length < LAYOUT_GROUP.length) {
        const missing = LAYOUT_GROUP.filter((e) => !wanted.includes(e)).join(',');
        for (const e of partOfGroup) refused.push({ edit: e, reason: msg('rewrite.layout.together', { missing }) });
      }
      const applied: StaticShapeEdit[] = [];
      const edits = fresh();
      const ops = new Recording(text, eol);
      for (const e of STATIC_SHAPE_EDITS) {
        if (!wanted.includes(e) || refused.some((r) => r.edit === e)) continue;
        const plan = plans[e];
        if (plan.status === 'refused') {
          refused.push({ edit: e, reason: plan.reason });
          continue;
        }
        records[e]!(edits);
        records[e]!(ops);
        applied.push(e);
      }
      const sorted = ops.ops.map((o, i) => ({ ...o, i })).sort((a, b) => a.start - b.start || a.end - b.end || a.i - b.i);
      return { text: edits.apply(), edits: sorted.map(({ start, end, text }) => ({ start, end, text })), applied, refused };
    },
  };
}

function firstErrorLine(root: Node): number {
  let found = 0;
  walk(root, (n) => {
    if (found) return false;
    if (n.type === 'ERROR' || n.isMissing) found = n.startPosition.row + 1;
    return !found && n.hasError;
  });
  return found || 1;
}

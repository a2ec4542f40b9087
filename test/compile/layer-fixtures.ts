/**
 * Test helpers for the layer fixtures (test/fixtures/layers/<case>/<name>.cpp + .h): loading them,
 * and reading facts back out of C++ text with tree-sitter directly (independently of the engine's
 * own layer model) so the tests check the outputs, not the engine against itself.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { Node, Syntax } from '../../src/core/syntax';
import type { LayerInput } from '../../src/core/quantize';

export const REPO = path.resolve(__dirname, '..', '..', '..');
export const FIXTURES = path.join(REPO, 'test', 'fixtures', 'layers');
export const STUB = path.join(REPO, 'test', 'compile', 'atb_stub');

export const FIXTURE_CASES = fs
  .readdirSync(FIXTURES, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();

export function fixtureInput(caseName: string): LayerInput {
  const dir = path.join(FIXTURES, caseName);
  const cpp = fs.readdirSync(dir).find((f) => f.endsWith('.cpp'));
  if (!cpp) throw new Error(`no .cpp in ${dir}`);
  const cppPath = path.join(dir, cpp);
  const headerPath = cppPath.replace(/\.cpp$/, '.h');
  return {
    cppPath,
    cppText: fs.readFileSync(cppPath, 'utf8'),
    headerPath,
    headerText: fs.existsSync(headerPath) ? fs.readFileSync(headerPath, 'utf8') : undefined,
  };
}

function* all(node: Node): Generator<Node> {
  yield node;
  for (const c of node.children) if (c) yield* all(c);
}

export function parse(syntax: Syntax, text: string): Node {
  const parser = syntax.parser('cpp');
  const tree = parser.parse(text)!;
  parser.delete();
  return tree.rootNode;
}

/** ERROR / MISSING nodes of a parse, as `line:text` strings. */
export function syntaxErrors(syntax: Syntax, text: string): string[] {
  const out: string[] = [];
  for (const n of all(parse(syntax, text))) {
    if (n.type === 'ERROR' || n.isMissing) out.push(`${n.startPosition.row + 1}:${n.text.slice(0, 40)}`);
  }
  return out;
}

/** Names of the enumerators of the enum that has IN_ entries. */
export function enumEntries(syntax: Syntax, text: string): string[] {
  for (const n of all(parse(syntax, text))) {
    if (n.type !== 'enumerator_list') continue;
    const names = n.namedChildren.filter((c) => c?.type === 'enumerator').map((c) => c!.childForFieldName('name')!.text);
    if (names.some((x) => x.startsWith('IN_'))) return names;
  }
  return [];
}

/** Value of `static const ... NAME = <number>;`. */
export function constant(syntax: Syntax, text: string, name: string): number | undefined {
  for (const n of all(parse(syntax, text))) {
    if (n.type === 'init_declarator' && n.childForFieldName('declarator')?.text === name) return Number(n.childForFieldName('value')!.text);
  }
  return undefined;
}

/** Every `<node>.inTensorIds = {...}` list, by node variable. */
export function inputLists(syntax: Syntax, text: string): Map<string, string[][]> {
  const out = new Map<string, string[][]>();
  for (const n of all(parse(syntax, text))) {
    if (n.type !== 'assignment_expression') continue;
    const left = n.childForFieldName('left')!.text.replace(/\s+/g, '');
    const m = /^(\w+)\.inTensorIds$/.exec(left);
    const right = n.childForFieldName('right');
    if (!m || right?.type !== 'initializer_list') continue;
    const list = right.namedChildren.filter((c) => c && c.type !== 'comment').map((c) => c!.text);
    out.set(m[1], [...(out.get(m[1]) ?? []), list]);
  }
  return out;
}

/** Every `<var>.<path> = <value>;` of a variable, as path -> last value. */
export function fieldAssignments(syntax: Syntax, text: string, variable: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const n of all(parse(syntax, text))) {
    if (n.type !== 'assignment_expression') continue;
    const left = n.childForFieldName('left')!.text.replace(/\s+/g, '');
    if (left.startsWith(variable + '.')) out.set(left.slice(variable.length + 1), n.childForFieldName('right')!.text);
  }
  return out;
}

/** Field names declared in `struct <name> { ... }`. */
export function structFields(syntax: Syntax, text: string, name: string): string[] {
  for (const n of all(parse(syntax, text))) {
    if (n.type === 'struct_specifier' && n.childForFieldName('name')?.text === name && n.childForFieldName('body')) {
      return n
        .childForFieldName('body')!
        .namedChildren.filter((c) => c?.type === 'field_declaration')
        .flatMap((c) => [...all(c!)].filter((x) => x.type === 'field_identifier').map((x) => x.text));
    }
  }
  return [];
}

/** Identifiers (any kind) spelled exactly `name` in the text's syntax tree. */
export function identifierCount(syntax: Syntax, text: string, name: string): number {
  let count = 0;
  for (const n of all(parse(syntax, text))) {
    if (n.childCount === 0 && /identifier$/.test(n.type) && n.text === name) count++;
  }
  return count;
}

/**
 * Byte-preservation check: after applying the expected renames to the original, every original
 * line not matching `changed` must appear, in order and unchanged (including `\r`), in the output.
 */
export function missingPreservedLines(original: string, output: string, renames: { from: string; to: string }[], changed: RegExp[]): string[] {
  const sorted = [...renames].sort((a, b) => b.from.length - a.from.length);
  const escape = (x: string) => x.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const pattern = sorted.length ? new RegExp(`\\b(${sorted.map((r) => escape(r.from)).join('|')})\\b`, 'g') : undefined;
  const to = new Map(sorted.map((r) => [r.from, r.to]));
  const rename = (line: string) => (pattern ? line.replace(pattern, (m) => to.get(m)!) : line);
  const outLines = output.split('\n');
  const missing: string[] = [];
  let j = 0;
  for (const raw of original.split('\n')) {
    if (changed.some((re) => re.test(raw))) continue;
    // Comments and strings keep the old spelling, code takes the new one: accept either.
    const line = rename(raw);
    let k = j;
    while (k < outLines.length && outLines[k] !== line && outLines[k] !== raw) k++;
    if (k === outLines.length) missing.push(line);
    else j = k + 1;
  }
  return missing;
}

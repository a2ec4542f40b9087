/**
 * Text edits located by syntax nodes. Every change the rewrite makes is one of these, so the
 * bytes between edits (comments, Chinese text, CRLF, formatting) are copied through untouched.
 */
import type { Node } from '../syntax';

export interface TextEdit {
  start: number;
  end: number;
  text: string;
  /** Insertion order among edits at the same offset. */
  seq: number;
}

export class EditList {
  private readonly edits: TextEdit[] = [];
  constructor(readonly text: string, readonly eol: string) {}

  replace(start: number, end: number, text: string): void {
    this.edits.push({ start, end, text, seq: this.edits.length });
  }
  replaceNode(node: { startIndex: number; endIndex: number }, text: string): void {
    this.replace(node.startIndex, node.endIndex, text);
  }
  insert(at: number, text: string): void {
    this.replace(at, at, text);
  }

  /** Leading whitespace of the line holding `offset`. */
  indentAt(offset: number): string {
    const lineStart = this.text.lastIndexOf('\n', offset - 1) + 1;
    return /^[ \t]*/.exec(this.text.slice(lineStart))![0];
  }
  lineStart(offset: number): number {
    return this.text.lastIndexOf('\n', offset - 1) + 1;
  }
  /** Offset of the line ending after `offset` (before `\r\n`/`\n`), or the text length. */
  lineEnd(offset: number): number {
    const nl = this.text.indexOf('\n', offset);
    if (nl < 0) return this.text.length;
    return this.text[nl - 1] === '\r' ? nl - 1 : nl;
  }

  /** New lines after the line of `node`, indented like it. */
  insertLinesAfter(node: Node, lines: string[], indent = this.indentAt(node.startIndex)): void {
    if (!lines.length) return;
    this.insert(this.lineEnd(node.endIndex), lines.map((l) => this.eol + indent + l).join(''));
  }

  /** Deletes the statement, and its whole line when nothing else is on it. */
  deleteStatement(node: Node): void {
    const start = this.lineStart(node.startIndex);
    const end = this.lineEnd(node.endIndex);
    const before = this.text.slice(start, node.startIndex);
    const after = this.text.slice(node.endIndex, end);
    if (/^[ \t]*$/.test(before) && /^[ \t]*$/.test(after)) {
      const next = this.text.startsWith('\r\n', end) ? end + 2 : this.text.startsWith('\n', end) ? end + 1 : end;
      this.replace(start, next, '');
    } else {
      // Keep a trailing comment, drop the statement and the blanks that separated them.
      const blanks = /^[ \t]*/.exec(after)![0].length;
      this.replace(node.startIndex, node.endIndex + blanks, '');
    }
  }

  /**
   * The edited text, and where an offset of it came from in the original (text an edit inserted
   * maps to that edit's start): refusals found on a lowered layer point at the user's own lines.
   */
  applyMapped(): { text: string; toOriginal: (offset: number) => number } {
    const text = this.apply();
    const sorted = [...this.edits].sort((a, b) => a.start - b.start || a.end - b.end || a.seq - b.seq);
    const toOriginal = (offset: number): number => {
      let pos = 0;
      let out = 0;
      for (const e of sorted) {
        if (offset < out + (e.start - pos)) return pos + (offset - out);
        out += e.start - pos;
        if (offset < out + e.text.length) return e.start;
        out += e.text.length;
        pos = e.end;
      }
      return pos + (offset - out);
    };
    return { text, toOriginal };
  }

  apply(): string {
    const sorted = [...this.edits].sort((a, b) => a.start - b.start || a.end - b.end || a.seq - b.seq);
    let out = '';
    let pos = 0;
    for (const e of sorted) {
      if (e.start < pos) throw new Error(`overlapping edits at ${e.start}`);
      out += this.text.slice(pos, e.start) + e.text;
      pos = e.end;
    }
    return out + this.text.slice(pos);
  }
}

/**
 * Appends names to a `{a, b}` initializer list in the list's own layout: one per line when the
 * list is written one per line, otherwise inline; trailing commas are respected.
 */
export function appendToList(edits: EditList, list: Node, items: Node[], names: string[]): void {
  if (!names.length) return;
  const last = items[items.length - 1];
  if (!last) {
    edits.insert(list.startIndex + 1, names.join(', '));
    return;
  }
  const text = edits.text;
  const afterLast = text.slice(last.endIndex, list.endIndex - 1);
  const trailingComma = /^\s*,/.test(afterLast);
  const multiLine = items.length > 1 && items[items.length - 2].endPosition.row !== last.startPosition.row;
  if (multiLine) {
    const indent = edits.indentAt(last.startIndex);
    if (trailingComma) {
      const comma = last.endIndex + afterLast.indexOf(',') + 1;
      edits.insert(comma, names.map((n) => edits.eol + indent + n + ',').join(''));
    } else {
      edits.insert(last.endIndex, names.map((n) => ',' + edits.eol + indent + n).join(''));
    }
  } else if (trailingComma) {
    const comma = last.endIndex + afterLast.indexOf(',') + 1;
    edits.insert(comma, names.map((n) => ' ' + n + ',').join(''));
  } else {
    edits.insert(last.endIndex, names.map((n) => ', ' + n).join(''));
  }
}

/**
 * Open documents with their text and, for the languages we parse, a tree-sitter tree kept up to
 * date incrementally: each LSP content change becomes a `tree.edit(...)` and the next parse reuses
 * the old tree, so typing in a 5,000-line modeling file re-parses only what changed.
 *
 * web-tree-sitter parses JS strings as UTF-16, so its indexes and columns are UTF-16 code units:
 * exactly LSP's positions. No byte conversion is needed.
 */
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { TextDocumentContentChangeEvent } from 'vscode-languageserver-protocol';
import type { Edit, Parser, Point, Syntax, Tree } from '../core/syntax';

export type ParsedLanguage = 'python' | 'cpp';

/** Documents larger than this are kept as text only: no tree, no live analysis. */
export const MAX_PARSED_CHARS = 1_000_000;

export interface OpenDocument {
  readonly uri: string;
  readonly document: TextDocument;
  readonly language: ParsedLanguage | undefined;
  /** Undefined for other languages and for documents over MAX_PARSED_CHARS. */
  tree: Tree | undefined;
  parser: Parser | undefined;
  /** How many parses reused the previous tree (for tests and stats). */
  incrementalParses: number;
}

export function languageOf(uri: string, languageId: string): ParsedLanguage | undefined {
  if (languageId === 'python' || /\.pyi?$/i.test(uri)) return 'python';
  if (languageId === 'cpp' || languageId === 'c' || /\.(cpp|cc|cxx|h|hpp|hh)$/i.test(uri)) return 'cpp';
  return undefined;
}

export class DocumentStore {
  private readonly docs = new Map<string, OpenDocument>();

  constructor(private readonly syntax: Syntax) {}

  get(uri: string): OpenDocument | undefined {
    return this.docs.get(uri);
  }

  all(): OpenDocument[] {
    return [...this.docs.values()];
  }

  open(uri: string, languageId: string, version: number, text: string): OpenDocument {
    this.close(uri);
    const language = languageOf(uri, languageId);
    const doc: OpenDocument = {
      uri,
      document: TextDocument.create(uri, languageId, version, text),
      language,
      tree: undefined,
      parser: undefined,
      incrementalParses: 0,
    };
    this.docs.set(uri, doc);
    this.reparse(doc, undefined);
    return doc;
  }

  /** Applies LSP changes in order; each ranged change edits the tree before the text moves on. */
  change(uri: string, version: number, changes: TextDocumentContentChangeEvent[]): OpenDocument | undefined {
    const doc = this.docs.get(uri);
    if (!doc) return undefined;
    let reusable = doc.tree !== undefined;
    for (const change of changes) {
      if ('range' in change && change.range) {
        if (doc.tree) doc.tree.edit(toEdit(doc.document, change.range, change.text));
      } else {
        reusable = false;
      }
      TextDocument.update(doc.document, [change], version);
    }
    if (!reusable) {
      doc.tree?.delete();
      doc.tree = undefined;
    }
    this.reparse(doc, doc.tree);
    return doc;
  }

  close(uri: string): void {
    const doc = this.docs.get(uri);
    if (!doc) return;
    doc.tree?.delete();
    doc.parser?.delete();
    this.docs.delete(uri);
  }

  private reparse(doc: OpenDocument, oldTree: Tree | undefined): void {
    const text = doc.document.getText();
    if (!doc.language || text.length > MAX_PARSED_CHARS) {
      doc.tree?.delete();
      doc.tree = undefined;
      return;
    }
    doc.parser ??= this.syntax.parser(doc.language);
    const tree = doc.parser.parse(text, oldTree ?? null) ?? undefined;
    if (oldTree) {
      doc.incrementalParses++;
      oldTree.delete();
    }
    doc.tree = tree;
  }
}

/** The tree-sitter edit for replacing `range` (in the document before the change) by `text`. */
export function toEdit(before: TextDocument, range: { start: { line: number; character: number }; end: { line: number; character: number } }, text: string): Edit {
  const startIndex = before.offsetAt(range.start);
  const oldEndIndex = before.offsetAt(range.end);
  // offsetAt clamps; derive positions back from the offsets so they agree with the indexes.
  const start = before.positionAt(startIndex);
  const oldEnd = before.positionAt(oldEndIndex);
  return {
    startIndex,
    oldEndIndex,
    newEndIndex: startIndex + text.length,
    startPosition: { row: start.line, column: start.character },
    oldEndPosition: { row: oldEnd.line, column: oldEnd.character },
    newEndPosition: endPoint({ row: start.line, column: start.character }, text),
  };
}

function endPoint(start: Point, text: string): Point {
  const lines = text.split(/\r\n|\r|\n/);
  if (lines.length === 1) return { row: start.row, column: start.column + text.length };
  return { row: start.row + lines.length - 1, column: lines[lines.length - 1].length };
}

/**
 * Data shapes shared by every part of the engine. The core never talks to an editor or a
 * terminal: it returns these plain objects and the front doors (CLI, language server,
 * extension) turn them into their own notions (files, Diagnostics, WorkspaceEdits).
 */
import type { Message } from './i18n';

/** Zero-based line/character position, the same convention as LSP and VS Code. */
export interface Position {
  line: number;
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
}

/** A file the engine proposes to create (or replace). `path` is absolute. */
export interface GeneratedFile {
  path: string;
  contents: string;
}

/** Why the engine will not do what was asked. `code` is stable and machine-readable. */
export interface Refusal {
  code: string;
  message: Message;
  /** The file the refusal is about, when there is one. */
  path?: string;
  range?: Range;
}

export type Severity = 'error' | 'warning' | 'information' | 'hint';

/** A diagnostic as data; the server maps it to an LSP Diagnostic. */
export interface DiagnosticData {
  range: Range;
  severity: Severity;
  /** Stable code such as `atb.unsupported-op`; shown to users and used by quick fixes. */
  code: string;
  message: Message;
  /** Optional link (for example the catalogue entry). */
  href?: string;
  /** Free-form data a code action needs later (kept JSON-serialisable). */
  data?: unknown;
}

/**
 * The only way the core reads files. Front doors inject a Node implementation
 * (src/node/fileReader.ts); tests can inject an in-memory one.
 */
export interface FileReader {
  /** UTF-8 text, or undefined when the file does not exist. */
  readText(path: string): Promise<string | undefined>;
  /** Up to `length` bytes from `offset`, or undefined when the file does not exist. */
  readBytes(path: string, offset: number, length: number): Promise<Uint8Array | undefined>;
  /** Size in bytes, or undefined when the file does not exist. */
  size(path: string): Promise<number | undefined>;
  /** Entry names (not paths) of a directory, or undefined when it does not exist. */
  list(dir: string): Promise<{ name: string; isDirectory: boolean }[] | undefined>;
}

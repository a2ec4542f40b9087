/**
 * What every server feature shares: the connection, the loaded grammars, the open documents,
 * the user's language and settings, the operator catalogue. Features are functions of this
 * context; server.ts wires them to LSP events.
 */
import * as path from 'path';
import { fileURLToPath, pathToFileURL } from 'url';
import type { Connection, Diagnostic } from 'vscode-languageserver/node';
import { DiagnosticSeverity } from 'vscode-languageserver/node';
import type { DiagnosticData, FileReader, Severity } from '../core/common';
import { formatMessage, type Locale, type Message } from '../core/i18n';
import type { Syntax } from '../core/syntax';
import { nodeFileReader } from '../node/fileReader';
import { DEFAULT_SETTINGS, type ServerSettings } from '../shared/protocol';
import type { DocumentStore } from './documents';
import type { CatalogState } from './engine';

export interface ServerContext {
  readonly connection: Connection;
  readonly syntax: Syntax;
  readonly docs: DocumentStore;
  locale: Locale;
  settings: ServerSettings;
  /** Folder of the first workspace folder; the `.atb-migrate.yaml` override lives there. */
  workspaceRoot: string | undefined;
  catalog: CatalogState;
  /** Whether the client resolves code actions lazily (codeAction/resolve with `edit`). */
  resolveEdits: boolean;
}

export function t(ctx: ServerContext, message: Message): string {
  return formatMessage(message, ctx.locale);
}

export function uriToPath(uri: string): string | undefined {
  if (!uri.startsWith('file:')) return undefined;
  try {
    return fileURLToPath(uri);
  } catch {
    return undefined;
  }
}

export function pathToUri(file: string): string {
  return pathToFileURL(file).href;
}

/** The open document for a file path, if the editor has it open (compared as paths, not URI strings). */
export function openDocumentFor(ctx: ServerContext, file: string) {
  const wanted = path.resolve(file);
  return ctx.docs.all().find((d) => uriToPath(d.uri) === wanted);
}

/** Reads open documents from the editor (unsaved edits included) and everything else from disk. */
export function overlayReader(ctx: ServerContext): FileReader {
  return {
    ...nodeFileReader,
    async readText(file) {
      const open = openDocumentFor(ctx, file);
      return open ? open.document.getText() : nodeFileReader.readText(file);
    },
  };
}

const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

export function toDiagnostic(ctx: ServerContext, d: DiagnosticData, data?: unknown): Diagnostic {
  return {
    range: d.range,
    severity: SEVERITY[d.severity] ?? DiagnosticSeverity.Warning,
    code: d.code,
    codeDescription: d.href ? { href: d.href } : undefined,
    source: 'atb-migrate',
    message: t(ctx, d.message),
    data,
  };
}

export function defaultSettings(): ServerSettings {
  return JSON.parse(JSON.stringify(DEFAULT_SETTINGS)) as ServerSettings;
}

/** Merges whatever the client sent over the defaults, ignoring values of the wrong type. */
export function mergeSettings(raw: unknown): ServerSettings {
  const s = defaultSettings();
  const r = (raw ?? {}) as { analysis?: Record<string, unknown>; layers?: Record<string, unknown> };
  const a = r.analysis ?? {};
  if (Array.isArray(a.modelFileGlobs) && a.modelFileGlobs.every((g) => typeof g === 'string')) s.analysis.modelFileGlobs = a.modelFileGlobs as string[];
  if (typeof a.detectModuleSubclasses === 'boolean') s.analysis.detectModuleSubclasses = a.detectModuleSubclasses;
  if (typeof a.reportFused === 'boolean') s.analysis.reportFused = a.reportFused;
  if (typeof r.layers?.diagnostics === 'boolean') s.layers.diagnostics = r.layers.diagnostics;
  return s;
}

export function logError(ctx: ServerContext, what: string, error: unknown): void {
  const text = error instanceof Error ? `${error.message}\n${error.stack ?? ''}` : String(error);
  ctx.connection.console.error(`[atb-migrate] ${what}: ${text}`);
}

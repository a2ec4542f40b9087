/**
 * Operator-support diagnostics for Python model code, and the "Declare as supported" quick fix.
 * Analysis runs on the document's incrementally maintained tree; results are cached per version
 * so code actions and the tree-view request reuse them.
 */
import * as path from 'path';
import type { AnnotatedTextEdit, CodeAction, CreateFile, Diagnostic, TextDocumentEdit, WorkspaceEdit } from 'vscode-languageserver/node';
import { CodeActionKind, DiagnosticSeverity } from 'vscode-languageserver/node';
import type { DiagnosticData } from '../core/common';
import { msg } from '../core/i18n';
import { OVERRIDE_FILE } from '../shared/protocol';
import { MAX_PARSED_CHARS, type OpenDocument } from './documents';
import { analyzeDocument, declareOperatorSupported, isModelCode, type AnalysisResult, type OpUse } from './engine';
import { matchesAnyGlob } from './glob';
import { nodeFileReader } from '../node/fileReader';
import { openDocumentFor, pathToUri, t, toDiagnostic, uriToPath, type ServerContext } from './context';

interface Cached {
  version: number;
  catalogGeneration: number;
  reportFused: boolean;
  result: AnalysisResult;
}
const cache = new Map<string, Cached>();
let catalogGeneration = 0;

/** Called when the catalogue (workspace override) changes: every analysis is stale. */
export function invalidateAnalyses(): void {
  catalogGeneration++;
  cache.clear();
}

export function forgetAnalysis(uri: string): void {
  cache.delete(uri);
}

export function isModelDocument(ctx: ServerContext, doc: OpenDocument): boolean {
  if (doc.language !== 'python') return false;
  const file = uriToPath(doc.uri) ?? doc.uri;
  if (matchesAnyGlob(file, ctx.settings.analysis.modelFileGlobs)) return true;
  return ctx.settings.analysis.detectModuleSubclasses && doc.tree !== undefined && isModelCode(doc.tree);
}

export function analyzeOpenDocument(ctx: ServerContext, doc: OpenDocument): AnalysisResult | undefined {
  if (!doc.tree) return undefined;
  const hit = cache.get(doc.uri);
  const reportFused = ctx.settings.analysis.reportFused;
  if (hit && hit.version === doc.document.version && hit.catalogGeneration === catalogGeneration && hit.reportFused === reportFused) {
    return hit.result;
  }
  const file = uriToPath(doc.uri) ?? doc.uri;
  const result = analyzeDocument(doc.tree, doc.document.getText(), file, ctx.catalog.catalog, reportFused);
  cache.set(doc.uri, { version: doc.document.version, catalogGeneration, reportFused, result });
  return result;
}

/** Diagnostics for a Python document, or undefined when it is not model code. */
export function pythonDiagnostics(ctx: ServerContext, doc: OpenDocument): Diagnostic[] {
  const file = uriToPath(doc.uri) ?? doc.uri;
  if (doc.document.getText().length > MAX_PARSED_CHARS) {
    return matchesAnyGlob(file, ctx.settings.analysis.modelFileGlobs) ? [tooLarge(ctx, doc)] : [];
  }
  if (!isModelDocument(ctx, doc)) return [];
  const result = analyzeOpenDocument(ctx, doc);
  if (!result) return [];
  return result.diagnostics
    .filter((d) => ctx.settings.analysis.reportFused || !isFusedNote(d, result))
    .map((d) => toDiagnostic(ctx, d, { useId: useFor(result, d)?.id }));
}

function isFusedNote(d: DiagnosticData, result: AnalysisResult): boolean {
  return d.severity === 'information' && useFor(result, d)?.verdict === 'fused';
}

/** The operator use a diagnostic is about: by id when the engine attached one, else by range. */
export function useFor(result: AnalysisResult, d: { range: DiagnosticData['range']; data?: unknown }): OpUse | undefined {
  const data = (d.data ?? {}) as { useId?: unknown; id?: unknown };
  const id = typeof data.useId === 'string' ? data.useId : typeof data.id === 'string' ? data.id : undefined;
  if (id !== undefined) {
    const byId = result.uses.find((u) => u.id === id);
    if (byId) return byId;
  }
  return result.uses.find((u) => sameRange(u.range, d.range));
}

function sameRange(a: DiagnosticData['range'], b: DiagnosticData['range']): boolean {
  return a.start.line === b.start.line && a.start.character === b.start.character && a.end.line === b.end.line && a.end.character === b.end.character;
}

export function tooLarge(ctx: ServerContext, doc: OpenDocument): Diagnostic {
  const size = Buffer.byteLength(doc.document.getText(), 'utf8') / 1_000_000;
  return {
    range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
    severity: DiagnosticSeverity.Information,
    code: 'atb.file-too-large',
    source: 'atb-migrate',
    message: t(ctx, msg('server.tooLarge', { size: size.toFixed(1), limit: MAX_PARSED_CHARS / 1_000_000 })),
  };
}

/** Quick fixes "Declare as supported in .atb-migrate.yaml" for the unsupported-op diagnostics in `context`. */
export async function declareSupportedActions(ctx: ServerContext, doc: OpenDocument, diagnostics: Diagnostic[]): Promise<CodeAction[]> {
  if (!ctx.workspaceRoot || !isModelDocument(ctx, doc)) return [];
  const result = analyzeOpenDocument(ctx, doc);
  if (!result) return [];
  const actions: CodeAction[] = [];
  for (const d of diagnostics) {
    if (d.source !== 'atb-migrate') continue;
    const use = useFor(result, d);
    if (!use || use.verdict !== 'unsupported') continue;
    actions.push({
      title: t(ctx, msg('server.action.declareSupported', { name: use.name })),
      kind: CodeActionKind.QuickFix,
      diagnostics: [d],
      edit: await declareSupportedEdit(ctx, use),
    });
  }
  return actions;
}

const ANNOTATION = 'atb-migrate.override';

/** Creates or rewrites the workspace override so `use` counts as supported; always previewable. */
export async function declareSupportedEdit(ctx: ServerContext, use: OpUse): Promise<WorkspaceEdit> {
  const file = path.join(ctx.workspaceRoot!, OVERRIDE_FILE);
  const uri = pathToUri(file);
  const open = openDocumentFor(ctx, file);
  const current = open ? open.document.getText() : await nodeFileReader.readText(file);
  const next = declareOperatorSupported(current, use);
  const changeAnnotations = {
    [ANNOTATION]: {
      label: t(ctx, msg('server.annotation.declareSupported')),
      description: OVERRIDE_FILE,
      needsConfirmation: true,
    },
  };
  if (current === undefined) {
    const create: CreateFile = { kind: 'create', uri, options: { ignoreIfExists: true }, annotationId: ANNOTATION };
    const insert: TextDocumentEdit = {
      textDocument: { uri, version: null },
      edits: [{ range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, newText: next, annotationId: ANNOTATION } as AnnotatedTextEdit],
    };
    return { documentChanges: [create, insert], changeAnnotations };
  }
  const lines = current.split(/\r\n|\r|\n/);
  const replaceAll: AnnotatedTextEdit = {
    range: { start: { line: 0, character: 0 }, end: { line: lines.length - 1, character: lines[lines.length - 1].length } },
    newText: next,
    annotationId: ANNOTATION,
  };
  return {
    documentChanges: [{ textDocument: { uri: open?.uri ?? uri, version: open ? open.document.version : null }, edits: [replaceAll] }],
    changeAnnotations,
  };
}

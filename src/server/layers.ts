/**
 * Old-style ATB C++ layers: layer diagnostics, and the two quantize refactorings as code actions.
 *
 * The quantize actions are offered only when the engine accepts the file; otherwise they are
 * absent and the reason goes to the log (once per document version). Their edit is resolved
 * lazily (codeAction/resolve): CreateFile + an insert of the full contents per output file,
 * every entry under a change annotation with `needsConfirmation`, so VS Code opens the Refactor
 * Preview and writes nothing before Apply.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { AnnotatedTextEdit, ChangeAnnotation, CodeAction, CreateFile, Diagnostic, TextDocumentEdit, WorkspaceEdit } from 'vscode-languageserver/node';
import { DiagnosticSeverity } from 'vscode-languageserver/node';
import type { GeneratedFile } from '../core/common';
import { msg, type Message } from '../core/i18n';
import { QUANTIZE_KIND, type CodeActionData, type QuantMode } from '../shared/protocol';
import { MAX_PARSED_CHARS, type OpenDocument } from './documents';
import { layerDiagnostics, quantize, sibling, type QuantizeOutcome } from './engine';
import { openDocumentFor, overlayReader, pathToUri, t, toDiagnostic, uriToPath, type ServerContext } from './context';

export const MODES: QuantMode[] = ['w8a8', 'w8a8sc'];

export function isLayerCandidate(uri: string): boolean {
  return /\.(cpp|h)$/i.test(uri);
}

type Check = { ok: true; outcome: Extract<QuantizeOutcome, { ok: true }> } | { ok: false; code: string; reason: Message };

const checks = new Map<string, Promise<Check>>();
const logged = new Set<string>();

/** Any C++ edit can change whether a .cpp/.h pair quantizes; checks are cheap to redo. */
export function invalidateLayerChecks(): void {
  checks.clear();
}

function checkKey(ctx: ServerContext, doc: OpenDocument, mode: QuantMode): string {
  const file = uriToPath(doc.uri) ?? doc.uri;
  const partner = openDocumentFor(ctx, sibling(file, /\.h$/i.test(file) ? '.cpp' : '.h'));
  return `${doc.uri}|${doc.document.version}|${partner?.document.version ?? '-'}|${mode}`;
}

export function checkQuantize(ctx: ServerContext, doc: OpenDocument, mode: QuantMode): Promise<Check> {
  const key = checkKey(ctx, doc, mode);
  let check = checks.get(key);
  if (!check) {
    check = runCheck(ctx, doc, mode);
    checks.set(key, check);
  }
  return check;
}

async function runCheck(ctx: ServerContext, doc: OpenDocument, mode: QuantMode): Promise<Check> {
  const file = uriToPath(doc.uri);
  if (!file) return { ok: false, code: 'server.notAFile', reason: msg('server.notAFile', { path: doc.uri }) };
  if (doc.document.getText().length > MAX_PARSED_CHARS) {
    return { ok: false, code: 'server.tooLarge', reason: msg('server.tooLarge', { size: (doc.document.getText().length / 1e6).toFixed(1), limit: MAX_PARSED_CHARS / 1e6 }) };
  }
  const { results, skipped } = await quantize(ctx.syntax, overlayReader(ctx), [file], mode);
  const outcome = results[0]?.outcome;
  if (outcome?.ok) return { ok: true, outcome };
  if (outcome) return { ok: false, code: outcome.refusal.code, reason: outcome.refusal.message };
  const skip = skipped[0];
  return { ok: false, code: 'skipped', reason: skip?.reason ?? msg('server.notAFile', { path: file }) };
}

/** Layer diagnostics from the engine, plus a hint when a new-style layer is refused. */
export async function cppDiagnostics(ctx: ServerContext, doc: OpenDocument): Promise<Diagnostic[]> {
  if (!ctx.settings.layers.diagnostics || !isLayerCandidate(doc.uri)) return [];
  const file = uriToPath(doc.uri);
  if (!file || doc.document.getText().length > MAX_PARSED_CHARS) return [];
  const isHeader = /\.h$/i.test(file);
  const reader = overlayReader(ctx);
  const text = doc.document.getText();
  // For a header, diagnoseLayer's last argument is its .cpp (the node checks need it); for a .cpp, its header.
  const partner = await reader.readText(sibling(file, isHeader ? '.cpp' : '.h'));
  const data = layerDiagnostics(ctx.syntax, file, text, partner);
  const diagnostics = data.map((d) => toDiagnostic(ctx, d));
  const check = await checkQuantize(ctx, doc, 'w8a8');
  if (!check.ok && isNewStyleRefusal(check.code) && !diagnostics.some((d) => d.code === check.code)) {
    diagnostics.push({
      range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
      severity: DiagnosticSeverity.Hint,
      code: check.code,
      source: 'atb-migrate',
      message: t(ctx, check.reason),
    });
  }
  return diagnostics;
}

/** New-style (DecoderLayer class) files are refused on purpose; the user should see why. */
function isNewStyleRefusal(code: string): boolean {
  return /new[-_.]?style/i.test(code);
}

export async function quantizeActions(ctx: ServerContext, doc: OpenDocument, only: string[] | undefined): Promise<CodeAction[]> {
  if (!isLayerCandidate(doc.uri)) return [];
  const actions: CodeAction[] = [];
  for (const mode of MODES) {
    const kind = QUANTIZE_KIND[mode];
    if (only && !only.some((o) => kind === o || kind.startsWith(o + '.'))) continue;
    const check = await checkQuantize(ctx, doc, mode);
    if (!check.ok) {
      const key = `${doc.uri}|${doc.document.version}|${mode}`;
      if (!logged.has(key)) {
        logged.add(key);
        ctx.connection.console.info(t(ctx, msg('server.quantize.unavailable', { file: path.basename(doc.uri), reason: t(ctx, check.reason) })));
      }
      continue;
    }
    const data: CodeActionData = { kind: 'quantize', uri: doc.uri, mode };
    const action: CodeAction = { title: t(ctx, msg(`server.action.quantize.${mode}`)), kind, data };
    if (!ctx.resolveEdits) action.edit = quantizeEdit(ctx, check.outcome.files, mode);
    actions.push(action);
  }
  return actions;
}

/** codeAction/resolve: recompute on the current text (it may have changed since the list was shown). */
export async function resolveQuantizeAction(ctx: ServerContext, action: CodeAction, data: Extract<CodeActionData, { kind: 'quantize' }>): Promise<CodeAction> {
  const doc = ctx.docs.get(data.uri);
  if (!doc) return action;
  const check = await checkQuantize(ctx, doc, data.mode);
  if (check.ok) action.edit = quantizeEdit(ctx, check.outcome.files, data.mode);
  else ctx.connection.console.warn(t(ctx, check.reason));
  return action;
}

/** One CreateFile (overwrite) + full-contents insert per generated file, each needing confirmation. */
export function quantizeEdit(ctx: ServerContext, files: GeneratedFile[], mode: QuantMode): WorkspaceEdit {
  const documentChanges: (CreateFile | TextDocumentEdit)[] = [];
  const changeAnnotations: Record<string, ChangeAnnotation> = {};
  for (const file of files) {
    const uri = pathToUri(file.path);
    const id = `atb-migrate.quantize:${file.path}`;
    // One label for all files of the action: the Refactor Preview groups them under it, so one
    // tick on the group confirms the whole layer (needsConfirmation entries start unchecked).
    changeAnnotations[id] = {
      label: t(ctx, msg(`server.action.quantize.${mode}`)),
      description: `${path.basename(file.path)}: ${t(ctx, msg(fs.existsSync(file.path) ? 'server.annotation.replaces' : 'server.annotation.creates'))}`,
      needsConfirmation: true,
    };
    documentChanges.push({ kind: 'create', uri, options: { overwrite: true }, annotationId: id });
    const insert: AnnotatedTextEdit = { range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } }, newText: file.contents, annotationId: id };
    documentChanges.push({ textDocument: { uri, version: null }, edits: [insert] });
  }
  return { documentChanges, changeAnnotations };
}

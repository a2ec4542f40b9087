/**
 * The workspace's `.atb-migrate.yaml`: extends or overrides the built-in operator catalogue.
 * Reloaded when it changes on disk (workspace/didChangeWatchedFiles) or in an editor; its
 * schema and YAML problems are published as diagnostics on that file, and a broken file never
 * takes the built-in catalogue down with it.
 */
import * as path from 'path';
import type { DiagnosticData } from '../core/common';
import { loadFamilies } from '../core/families';
import { readBuiltinFamilies } from '../node/families';
import { nodeFileReader } from '../node/fileReader';
import { OVERRIDE_FILE } from '../shared/protocol';
import { loadWorkspaceCatalog } from './engine';
import { invalidateAnalyses } from './modelAnalysis';
import { logError, openDocumentFor, pathToUri, toDiagnostic, uriToPath, type ServerContext } from './context';

export function overridePath(ctx: ServerContext): string | undefined {
  return ctx.workspaceRoot ? path.join(ctx.workspaceRoot, OVERRIDE_FILE) : undefined;
}

export function isOverrideUri(ctx: ServerContext, uri: string): boolean {
  const file = uriToPath(uri);
  return file !== undefined && file === overridePath(ctx);
}

export async function reloadCatalog(ctx: ServerContext): Promise<void> {
  const file = overridePath(ctx);
  const open = file ? openDocumentFor(ctx, file) : undefined;
  let text: string | undefined;
  try {
    text = open ? open.document.getText() : file ? await nodeFileReader.readText(file) : undefined;
  } catch (error) {
    logError(ctx, `reading ${file}`, error);
  }
  try {
    ctx.catalog = loadWorkspaceCatalog(file && text !== undefined ? { path: file, text } : undefined);
  } catch (error) {
    logError(ctx, `loading the operator catalogue with ${file}`, error);
    ctx.catalog = loadWorkspaceCatalog(undefined);
  }
  invalidateAnalyses();
  if (file) {
    const uri = open?.uri ?? pathToUri(file);
    // The same file's `families:` entries (model-family overrides) are checked too.
    const families: DiagnosticData[] =
      text === undefined
        ? []
        : loadFamilies(readBuiltinFamilies(), { path: file, text })
            .problems.filter((p) => p.path === file && p.message.code !== 'families.problem.syntax') // syntax: reported once, above
            .map((p) => ({ range: { start: { line: p.line, character: 0 }, end: { line: p.line, character: 1000 } }, severity: 'warning', code: 'atb.families.problem', message: p.message }));
    await ctx.connection.sendDiagnostics({ uri, diagnostics: [...ctx.catalog.problems, ...families].map((d) => toDiagnostic(ctx, d)) });
  }
}

/**
 * The workspace's `.atb-migrate.yaml`: extends or overrides the built-in operator catalogue.
 * Reloaded when it changes on disk (workspace/didChangeWatchedFiles) or in an editor; its
 * schema and YAML problems are published as diagnostics on that file, and a broken file never
 * takes the built-in catalogue down with it.
 */
import * as path from 'path';
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
    await ctx.connection.sendDiagnostics({ uri, diagnostics: ctx.catalog.problems.map((d) => toDiagnostic(ctx, d)) });
  }
}

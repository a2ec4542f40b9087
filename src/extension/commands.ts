/**
 * Every command of the extension (except the wizard's) as a table of factories: name → handler
 * built from the context. Registering is one loop; what a command does lives in its feature module.
 */
import * as vscode from 'vscode';
import { CatalogEntry, type QuantMode } from '../shared/protocol';
import type { Ctx } from './ctx';
import { analyzeCommand, exportReportCommand, type OperatorView } from './operatorView';
import { plainItems } from './operatorTree';
import { quantizeCommand, quantizeEdit } from './quantize';

type Factory = (ctx: Ctx, view: OperatorView) => (...args: any[]) => unknown;

const commands: Record<string, Factory> = {
  'atb-migrate.quantizeLayer': (ctx) => (clicked?: unknown, selected?: unknown) => quantizeCommand(ctx, 'w8a8', clicked, selected),
  'atb-migrate.sparseQuantizeLayer': (ctx) => (clicked?: unknown, selected?: unknown) => quantizeCommand(ctx, 'w8a8sc', clicked, selected),
  'atb-migrate.analyzeModel': (_ctx, view) => (clicked?: unknown, selected?: unknown) => analyzeCommand(view, clicked, selected),
  /** `(source?: Uri, outFolder?: Uri)`; without a folder it asks with a dialog. */
  'atb-migrate.exportReport': (ctx, view) => (clicked?: unknown, outFolder?: unknown) => exportReportCommand(ctx, view, clicked, outFolder),
  'atb-migrate.refreshOperatorTree': (_ctx, view) => () => view.refresh(),
  'atb-migrate.showOnlyUnsupported': (_ctx, view) => () => view.setOnlyUnsupported(true),
  'atb-migrate.showAllOperators': (_ctx, view) => () => view.setOnlyUnsupported(false),
  'atb-migrate.showLog': (ctx) => () => ctx.log.show(true),
  /** Target of the diagnostics' catalogue links (`command:atb-migrate.showCatalogEntry?["id"]`); not in the palette. */
  'atb-migrate.showCatalogEntry': (ctx) => (id: string) => showCatalogEntry(ctx, id),

  // Internal seams for the integration suite (not contributed in package.json).
  /** `(uris: Uri[], mode)` → the quantize WorkspaceEdit, not applied (undefined when nothing is accepted). */
  'atb-migrate.quantize.editForTest': (ctx) => (uris: vscode.Uri[], mode: QuantMode = 'w8a8') => quantizeEdit(ctx, uris, mode, false),
  /** → the Operator Support view's top-level items (with their children) as plain data. */
  'atb-migrate.operators.itemsForTest': (_ctx, view) => () => plainItems(view.provider),
};

async function showCatalogEntry(ctx: Ctx, id: string): Promise<void> {
  const location = await ctx.request(CatalogEntry, { id });
  if (!location) {
    void vscode.window.showWarningMessage(vscode.l10n.t('Catalogue entry {0} was not found.', id));
    return;
  }
  const position = new vscode.Position(location.line, 0);
  await vscode.window.showTextDocument(vscode.Uri.parse(location.uri), { selection: new vscode.Range(position, position), preview: true });
}

export function registerCommands(ctx: Ctx, view: OperatorView): vscode.Disposable[] {
  return Object.entries(commands).map(([name, factory]) => vscode.commands.registerCommand(name, factory(ctx, view)));
}

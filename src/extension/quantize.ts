/**
 * "Quantize Layer (W8A8)" / "Sparse-Quantize Layer (W8A8SC)" from the explorer, the editor
 * menu or the palette. The server computes the new files (atb/quantize); here they become a
 * WorkspaceEdit of `createFile` entries with contents and `needsConfirmation`, so the Refactor
 * Preview opens and nothing is written before the user confirms the files and presses Apply.
 */
import * as path from 'path';
import * as vscode from 'vscode';
import { Quantize, type QuantizeResult, type QuantMode } from '../shared/protocol';
import type { Ctx } from './ctx';
import { activeEditorUri, exists, pickUris, urisFromArgs } from './targets';

const MODE_LABEL: Record<QuantMode, string> = { w8a8: 'W8A8', w8a8sc: 'W8A8SC' };

const isLayerFile = (uri: vscode.Uri) => /\.(cpp|h)$/i.test(uri.fsPath);

export async function quantizeCommand(ctx: Ctx, mode: QuantMode, clicked?: unknown, selected?: unknown): Promise<boolean> {
  let uris = urisFromArgs(clicked, selected);
  if (uris.length === 0) {
    const active = activeEditorUri((uri) => isLayerFile(uri));
    uris = active ? [active] : await pickUris({ title: vscode.l10n.t('Pick ATB layer files (.cpp) to quantize'), files: true, folders: false, many: true, filters: { 'C++': ['cpp', 'h'] } });
  }
  if (uris.length === 0) return false;
  const edit = await quantizeEdit(ctx, uris, mode, true);
  if (!edit) return false;
  const applied = await vscode.workspace.applyEdit(edit, { isRefactoring: true });
  if (applied) ctx.log.info(`quantize ${MODE_LABEL[mode]}: applied ${edit.size} file(s)`);
  return applied;
}

/**
 * Asks the server and builds the edit (not applied). `interactive` adds the progress
 * notification and the summary messages; the test seam calls it without them.
 */
export async function quantizeEdit(ctx: Ctx, uris: vscode.Uri[], mode: QuantMode, interactive: boolean): Promise<vscode.WorkspaceEdit | undefined> {
  const ask = () => ctx.request(Quantize, { uris: uris.map((u) => u.toString()), mode });
  const result: QuantizeResult = interactive
    ? await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Quantizing ATB layers ({0})...', MODE_LABEL[mode]), cancellable: false },
        ask,
      )
    : await ask();
  logResult(ctx, result, mode);
  if (interactive) summarize(result, mode);
  if (result.files.length === 0) return undefined;
  return buildEdit(result, mode);
}

async function buildEdit(result: QuantizeResult, mode: QuantMode): Promise<vscode.WorkspaceEdit> {
  const edit = new vscode.WorkspaceEdit();
  for (const file of result.files) {
    const uri = vscode.Uri.parse(file.uri);
    const replaces = file.exists || (await exists(uri));
    // One label for every file: the preview groups them, and one tick on the group confirms all
    // (entries that need confirmation start unchecked in the Refactor Preview).
    edit.createFile(uri, { contents: Buffer.from(file.contents, 'utf8'), overwrite: true }, {
      needsConfirmation: true,
      label: vscode.l10n.t('Quantize layer ({0})', MODE_LABEL[mode]),
      description: replaces ? vscode.l10n.t('{0}: replaces the existing file', path.basename(uri.fsPath)) : vscode.l10n.t('{0}: new file', path.basename(uri.fsPath)),
    });
  }
  return edit;
}

function logResult(ctx: Ctx, result: QuantizeResult, mode: QuantMode): void {
  // A report with notes asks the user to act (fields the model code must set, a slip in the float file).
  for (const r of result.reports) {
    if (r.notes.length) ctx.log.warn(`[${MODE_LABEL[mode]}] ${r.summary}`);
    else ctx.log.info(`[${MODE_LABEL[mode]}] ${r.summary}`);
  }
  for (const r of result.refusals) ctx.log.warn(`[${MODE_LABEL[mode]}] ${r.uri ? vscode.Uri.parse(r.uri).fsPath + ': ' : ''}${r.message} (${r.code})`);
  for (const s of result.skipped) ctx.log.info(`[${MODE_LABEL[mode]}] ${vscode.l10n.t('skipped')} ${vscode.Uri.parse(s.uri).fsPath}: ${s.reason}`);
}

function summarize(result: QuantizeResult, mode: QuantMode): void {
  const layers = result.reports.length;
  const refused = result.refusals.length;
  const skipped = result.skipped.length;
  const noted = result.reports.filter((r) => r.notes.length).length;
  const showLog = vscode.l10n.t('Show Log');
  const onPick = (choice: string | undefined) => {
    if (choice === showLog) void vscode.commands.executeCommand('atb-migrate.showLog');
  };
  if (layers === 0) {
    const reason = result.refusals[0]?.message ?? result.skipped[0]?.reason ?? vscode.l10n.t('No layer file found.');
    void vscode.window.showWarningMessage(vscode.l10n.t('Nothing to quantize ({0}): {1}', MODE_LABEL[mode], reason), showLog).then(onPick);
  } else if (refused + skipped > 0) {
    void vscode.window
      .showInformationMessage(vscode.l10n.t('{0} layer(s) ready to preview; {1} refused and {2} skipped (reasons in the log).', layers, refused, skipped), showLog)
      .then(onPick);
  } else if (noted > 0) {
    void vscode.window.showInformationMessage(vscode.l10n.t('{0} layer(s) ready to preview; {1} with notes to act on (in the log).', layers, noted), showLog).then(onPick);
  }
}

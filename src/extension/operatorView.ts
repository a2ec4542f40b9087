/**
 * Operator-support analysis in the UI: the "Operator Support" view, the Analyze / Refresh /
 * filter commands, following the active Python editor, and exporting the report files.
 */
import * as path from 'path';
import * as vscode from 'vscode';
import { Analyze, ExportReport, type AnalyzeResult } from '../shared/protocol';
import type { Ctx } from './ctx';
import { countsText, OperatorTreeProvider } from './operatorTree';
import { activeEditorUri, exists, pickUris, urisFromArgs } from './targets';

const isPython = (uri: vscode.Uri, languageId: string) => languageId === 'python' || uri.fsPath.endsWith('.py');

export class OperatorView implements vscode.Disposable {
  readonly provider = new OperatorTreeProvider();
  private readonly view: vscode.TreeView<unknown>;
  private readonly disposables: vscode.Disposable[] = [];
  private target: vscode.Uri | undefined;
  private refreshTimer: NodeJS.Timeout | undefined;

  constructor(private readonly ctx: Ctx) {
    this.view = vscode.window.createTreeView('atbMigrate.operators', { treeDataProvider: this.provider as vscode.TreeDataProvider<unknown>, showCollapseAll: true });
    this.disposables.push(
      this.view,
      vscode.window.onDidChangeActiveTextEditor((editor) => {
        if (editor && isPython(editor.document.uri, editor.document.languageId)) void this.analyze(editor.document.uri, { onlyIfModel: true });
      }),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (this.target && e.document.uri.toString() === this.target.toString()) this.scheduleRefresh();
      }),
      vscode.workspace.onDidSaveTextDocument((doc) => {
        if (this.target && this.target.fsPath !== doc.uri.fsPath && isPython(doc.uri, doc.languageId) && doc.uri.fsPath.startsWith(this.target.fsPath + path.sep)) this.scheduleRefresh();
      }),
    );
    void vscode.commands.executeCommand('setContext', 'atbMigrate.onlyUnsupported', false);
    const editor = vscode.window.activeTextEditor;
    if (editor && isPython(editor.document.uri, editor.document.languageId)) void this.analyze(editor.document.uri, { onlyIfModel: true });
  }

  /** Analyzes a file or folder and shows it; with `onlyIfModel`, non-model files leave the view alone. */
  async analyze(uri: vscode.Uri, options: { onlyIfModel?: boolean; reveal?: boolean } = {}): Promise<AnalyzeResult | undefined> {
    let result: AnalyzeResult;
    try {
      result = await this.ctx.request(Analyze, { uri: uri.toString() });
    } catch (error) {
      this.ctx.log.error(`atb/analyze ${uri.fsPath}: ${String(error)}`);
      return undefined;
    }
    for (const note of result.notes) this.ctx.log.info(`${path.basename(uri.fsPath)}: ${note}`);
    if (options.onlyIfModel && !result.isModelCode) return result;
    this.target = uri;
    this.provider.set(result);
    this.updateMessage();
    if (options.reveal) await vscode.commands.executeCommand('atbMigrate.operators.focus');
    return result;
  }

  private scheduleRefresh(): void {
    clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => void this.refresh(), 600);
  }

  async refresh(): Promise<void> {
    if (this.target) await this.analyze(this.target);
  }

  setOnlyUnsupported(only: boolean): void {
    this.provider.setOnlyUnsupported(only);
    this.updateMessage();
  }

  private updateMessage(): void {
    const result = this.provider.current;
    if (!result) {
      this.view.message = undefined;
      this.view.description = undefined;
      return;
    }
    this.view.description = this.target ? path.basename(this.target.fsPath) : undefined;
    const totals = countsText(result.totals);
    this.view.message = this.provider.filtered ? vscode.l10n.t('Only unsupported operations. Total: {0}', totals) : totals;
  }

  get currentTarget(): vscode.Uri | undefined {
    return this.target;
  }

  dispose(): void {
    clearTimeout(this.refreshTimer);
    for (const d of this.disposables) d.dispose();
  }
}

export async function analyzeCommand(view: OperatorView, clicked?: unknown, selected?: unknown): Promise<void> {
  let uri: vscode.Uri | undefined = urisFromArgs(clicked, selected)[0] ?? activeEditorUri(isPython);
  if (!uri) uri = (await pickUris({ title: vscode.l10n.t('Pick a model folder or a modeling_*.py file'), files: true, folders: true, many: false }))[0];
  if (!uri) return;
  const target = uri;
  const result = await vscode.window.withProgress(
    { location: { viewId: 'atbMigrate.operators' }, title: vscode.l10n.t('Analyzing operator support...') },
    () => view.analyze(target, { reveal: true }),
  );
  if (result && !result.isModelCode) {
    void vscode.window.showInformationMessage(result.notes[0] ?? vscode.l10n.t('No model code found in {0}.', path.basename(target.fsPath)));
  }
}

/** Writes `<ModelClass>/<ModelClass>.json` and `_operators.csv`; an existing file is only replaced through the Refactor Preview. */
export async function exportReportCommand(ctx: Ctx, view: OperatorView, clicked?: unknown, outFolder?: unknown): Promise<boolean> {
  const source = urisFromArgs(clicked, undefined)[0] ?? view.currentTarget ?? activeEditorUri(isPython);
  if (!source) {
    void vscode.window.showInformationMessage(vscode.l10n.t('Analyze a model first: open a modeling_*.py file or run "Analyze Operator Support" on a folder.'));
    return false;
  }
  const root = vscode.workspace.getWorkspaceFolder(source)?.uri ?? vscode.workspace.workspaceFolders?.[0]?.uri;
  // A folder passed as the second argument (scripts, tests) skips the dialog.
  const picked = outFolder instanceof vscode.Uri ? [outFolder] : await vscode.window.showOpenDialog({
    title: vscode.l10n.t('Folder for the operator support report'),
    canSelectFiles: false,
    canSelectFolders: true,
    canSelectMany: false,
    openLabel: vscode.l10n.t('Export Here'),
    defaultUri: root,
  });
  const outDir = picked?.[0];
  if (!outDir) return false;
  const result = await ctx.request(ExportReport, { uri: source.toString(), outDir: outDir.fsPath });
  if (result.refusal || result.files.length === 0) {
    void vscode.window.showWarningMessage(result.refusal ?? vscode.l10n.t('Nothing to report.'));
    return false;
  }
  const edit = new vscode.WorkspaceEdit();
  let replacing = 0;
  for (const file of result.files) {
    const uri = vscode.Uri.parse(file.uri);
    const replaces = file.exists || (await exists(uri));
    if (replaces) replacing++;
    edit.createFile(uri, { contents: Buffer.from(file.contents, 'utf8'), overwrite: true }, {
      // Replacing a report goes through the preview; brand-new files are written directly.
      needsConfirmation: replaces,
      label: vscode.l10n.t('Operator support report'),
      description: replaces ? vscode.l10n.t('{0}: replaces the existing file', path.basename(uri.fsPath)) : vscode.l10n.t('{0}: new file', path.basename(uri.fsPath)),
    });
  }
  const applied = await vscode.workspace.applyEdit(edit);
  if (applied) {
    const open = vscode.l10n.t('Open');
    const first = vscode.Uri.parse(result.files[0].uri);
    // Not awaited: the command returns while the notification stays up.
    void vscode.window
      .showInformationMessage(
        replacing ? vscode.l10n.t('Report written to {0} ({1} file(s) replaced).', path.dirname(first.fsPath), replacing) : vscode.l10n.t('Report written to {0}.', path.dirname(first.fsPath)),
        open,
      )
      .then((choice) => (choice === open ? vscode.window.showTextDocument(first) : undefined));
  }
  return applied;
}

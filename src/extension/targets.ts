/**
 * Which files a command acts on: the explorer's selection (clicked + selected), else the active
 * editor, else what the user picks in a dialog.
 */
import * as vscode from 'vscode';

/** Explorer commands get `(clickedUri, selectedUris)`; editor menus get `(uri)`; the palette gets nothing. */
export function urisFromArgs(clicked: unknown, selected: unknown): vscode.Uri[] {
  if (Array.isArray(selected) && selected.length > 0 && selected.every((u) => u instanceof vscode.Uri)) return selected as vscode.Uri[];
  if (clicked instanceof vscode.Uri) return [clicked];
  if (Array.isArray(clicked) && clicked.every((u) => u instanceof vscode.Uri)) return clicked as vscode.Uri[];
  return [];
}

export function activeEditorUri(test: (uri: vscode.Uri, languageId: string) => boolean): vscode.Uri | undefined {
  const doc = vscode.window.activeTextEditor?.document;
  return doc && test(doc.uri, doc.languageId) ? doc.uri : undefined;
}

export async function pickUris(options: { title: string; files: boolean; folders: boolean; many: boolean; filters?: Record<string, string[]> }): Promise<vscode.Uri[]> {
  const picked = await vscode.window.showOpenDialog({
    title: options.title,
    canSelectFiles: options.files,
    canSelectFolders: options.folders,
    canSelectMany: options.many,
    filters: options.filters,
    defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
  });
  return picked ?? [];
}

export async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}

/**
 * Proposing whole new files in a WorkspaceEdit so that the Refactor Preview shows them.
 *
 * `createFile(uri, { contents })` is the obvious API, but in VS Code 1.100 the Refactor Preview
 * cannot render such an entry ("Unable to resolve resource vscode-bulkeditpreview-editor://...")
 * and the edit is then not applied. Creating the file empty and inserting the text, both under
 * the same metadata, previews the full contents and applies reliably (the same shape the
 * language server sends for its quantize code actions).
 */
import * as vscode from 'vscode';

export function proposeFile(edit: vscode.WorkspaceEdit, uri: vscode.Uri, contents: string, metadata: vscode.WorkspaceEditEntryMetadata): void {
  edit.createFile(uri, { overwrite: true }, metadata);
  edit.insert(uri, new vscode.Position(0, 0), contents, metadata);
}

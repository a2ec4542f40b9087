import * as vscode from 'vscode';

/** Registers the migration wizard (command, panel, serializer). Owned by the wizard work. */
export function registerWizard(_context: vscode.ExtensionContext, _log: vscode.LogOutputChannel): void {}

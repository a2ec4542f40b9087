import * as vscode from 'vscode';
import { registerWizard } from './wizard';

export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('ATB Migrate', { log: true });
  context.subscriptions.push(log);
  registerWizard(context, log);
  // Quantize / analysis / language client: filled in by the extension glue.
}

export function deactivate(): void {}

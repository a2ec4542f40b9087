import * as vscode from 'vscode';
import { registerWizard } from './wizard';
import { registerCommands } from './commands';
import { Ctx } from './ctx';
import { OperatorView } from './operatorView';

/**
 * Thin glue: the language server does the work (diagnostics, code actions, quantize/analyze
 * requests); here we start it, register commands and the Operator Support view. Nothing from the
 * workspace is ever executed, so the same features run in untrusted folders (package.json declares
 * `untrustedWorkspaces: limited`; only the unused `analysis.pythonPath` is restricted).
 */
let current: Ctx | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const log = vscode.window.createOutputChannel('ATB Migrate', { log: true });
  context.subscriptions.push(log);
  registerWizard(context, log);
  const ctx = new Ctx(context, log);
  current = ctx;
  const view = new OperatorView(ctx);
  context.subscriptions.push(ctx, view, ...registerCommands(ctx, view));
  try {
    await ctx.ready();
  } catch (error) {
    log.error(`ATB Migrate language server failed to start: ${String(error)}`);
    void vscode.window.showErrorMessage(vscode.l10n.t('ATB Migrate language server failed to start. See the ATB Migrate log.'));
  }
}

/** Returning the stop promise lets VS Code wait for the server to shut down cleanly. */
export function deactivate(): Promise<void> | undefined {
  const ctx = current;
  current = undefined;
  return ctx?.dispose();
}

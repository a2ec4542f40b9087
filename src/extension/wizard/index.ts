import * as vscode from 'vscode';
import { VIEW_TYPE, WizardPanel } from './panel';
import { targetById } from './targets';

/**
 * Registers the migration wizard: the `atb-migrate.migrateModel` command (palette, explorer folder
 * menu with the folder Uri, walkthrough), the panel serializer (state survives reloads), and the
 * internal test seam `atb-migrate.wizard.previewForTest({ modelDir, outDir, modelType?, addToRouter?, needsConfirmation?, target?, version?, withFiles?, seqLength? })`
 * (not contributed in package.json) which returns the vscode.WorkspaceEdit the wizard would apply,
 * without applying it. Its entries need confirmation (Refactor Preview) unless `needsConfirmation:
 * false` is passed, so a test can `applyEdit` it directly and read the files.
 */
export function registerWizard(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('atb-migrate.migrateModel', (folder?: vscode.Uri) => {
      WizardPanel.show(context, log, folder instanceof vscode.Uri ? folder : undefined);
    }),
    vscode.window.registerWebviewPanelSerializer(VIEW_TYPE, {
      async deserializeWebviewPanel(panel, state) {
        WizardPanel.revive(panel, context, log, state);
      },
    }),
    vscode.commands.registerCommand('atb-migrate.wizard.previewForTest', async (args: { modelDir: string; outDir: string; modelType?: string; addToRouter?: boolean; needsConfirmation?: boolean; target?: string; version?: string; withFiles?: boolean; seqLength?: number }) => {
      if (!args || typeof args.modelDir !== 'string' || typeof args.outDir !== 'string') throw new Error('previewForTest needs { modelDir, outDir }');
      const target = targetById(args.target ?? 'torch-like');
      if (!target) throw new Error(`previewForTest: no target ${args.target}`);
      const built = await target.build({ sourceDir: args.modelDir, outDir: args.outDir, modelType: args.modelType, version: args.version ?? '', seqLength: args.seqLength, addToRouter: !!args.addToRouter, needsConfirmation: args.needsConfirmation !== false });
      // withFiles: also the paths (WorkspaceEdit.entries() lists text edits only, not created files).
      return args.withFiles ? { edit: built.edit, files: built.files.map((f) => f.path) } : built.edit;
    }),
  );
}

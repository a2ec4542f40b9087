import * as vscode from 'vscode';
import { readModelFolder } from '../../core/modelDir';
import { nodeFileReader } from '../../node/fileReader';
import { buildOnnxPreviewEdit, buildPreviewEdit } from './edit';
import { VIEW_TYPE, WizardPanel } from './panel';

/**
 * Registers the migration wizard: the `atb-migrate.migrateModel` command (palette, explorer folder
 * menu with the folder Uri, walkthrough), the panel serializer (state survives reloads), and the
 * internal test seam `atb-migrate.wizard.previewForTest({ modelDir, outDir, modelType?, addToRouter?, needsConfirmation?, target?, seqLength? })`
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
    vscode.commands.registerCommand('atb-migrate.wizard.previewForTest', async (args: { modelDir: string; outDir: string; modelType?: string; addToRouter?: boolean; needsConfirmation?: boolean; target?: 'onnx'; seqLength?: number }) => {
      if (!args || typeof args.modelDir !== 'string' || typeof args.outDir !== 'string') throw new Error('previewForTest needs { modelDir, outDir }');
      if (args.target === 'onnx') {
        const read = await readModelFolder(nodeFileReader, args.modelDir);
        return buildOnnxPreviewEdit(read, args.outDir, args.seqLength ?? 512, args.needsConfirmation !== false).edit;
      }
      const built = await buildPreviewEdit(args.modelDir, { outDir: args.outDir, modelType: args.modelType }, !!args.addToRouter, undefined, args.needsConfirmation !== false);
      return built.edit;
    }),
  );
}

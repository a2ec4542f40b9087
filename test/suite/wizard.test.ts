/** The migration wizard command opens its webview panel; its preview seam builds an edit without writing. */
import * as assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { MODEL_DIR, activateExtension, fixtureUri, waitFor, workspaceRoot } from './helpers';

const wizardTabs = () =>
  vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.includes('atbMigrate.wizard'));

describe('migration wizard', function () {
  this.timeout(60_000);
  before(activateExtension);
  after(() => vscode.commands.executeCommand('workbench.action.closeAllEditors'));

  it('"Migrate Model" opens the wizard panel', async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    assert.equal(wizardTabs().length, 0);
    await vscode.commands.executeCommand('atb-migrate.migrateModel', fixtureUri(...MODEL_DIR));
    const [tab] = await waitFor('a wizard webview tab', () => (wizardTabs().length ? wizardTabs() : undefined), 20_000);
    assert.ok(tab.label.length > 0);
  });

  it('builds the generated files as an edit and writes nothing before Apply', async () => {
    const outDir = path.join(workspaceRoot(), 'generated');
    const edit = await vscode.commands.executeCommand<vscode.WorkspaceEdit>('atb-migrate.wizard.previewForTest', { modelDir: fixtureUri(...MODEL_DIR).fsPath, outDir });
    assert.ok(edit instanceof vscode.WorkspaceEdit, 'no edit for a valid model folder');
    assert.equal(existsSync(outDir) && readdirSync(outDir).length > 0, false, 'the preview wrote files');
  });

  it('the ONNX (TPU) target previews export_onnx.py and README.md with the chosen sequence length', async () => {
    const outDir = path.join(workspaceRoot(), 'generated-onnx');
    const args = { modelDir: fixtureUri(...MODEL_DIR).fsPath, outDir, target: 'onnx', seqLength: 128 };
    const previewed = await vscode.commands.executeCommand<vscode.WorkspaceEdit>('atb-migrate.wizard.previewForTest', args);
    assert.ok(previewed instanceof vscode.WorkspaceEdit);
    assert.equal(existsSync(outDir), false, 'the preview wrote files');
    const edit = await vscode.commands.executeCommand<vscode.WorkspaceEdit>('atb-migrate.wizard.previewForTest', { ...args, needsConfirmation: false });
    try {
      assert.ok(await vscode.workspace.applyEdit(edit));
      assert.deepEqual(readdirSync(outDir).sort(), ['README.md', 'export_onnx.py']);
      assert.match(readFileSync(path.join(outDir, 'export_onnx.py'), 'utf8'), /^DEFAULT_SEQ_LENGTH = 128$/m);
    } finally {
      rmSync(outDir, { recursive: true, force: true });
    }
  });
});

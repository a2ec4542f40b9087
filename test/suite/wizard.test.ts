/** The migration wizard command opens its webview panel; its preview seam builds an edit without writing. */
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
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
});

describe('migration wizard: C++ graph target', function () {
  this.timeout(60_000);
  before(activateExtension);

  it('builds the C++ model and its Python as an edit and writes nothing before Apply; applied, the files are in MindIE layout', async () => {
    const outDir = path.join(workspaceRoot(), 'generated-cpp');
    const { edit, files } = await vscode.commands.executeCommand<{ edit: vscode.WorkspaceEdit; files: string[] }>('atb-migrate.wizard.previewForTest', { modelDir: fixtureUri(...MODEL_DIR).fsPath, outDir, target: 'cpp', version: 'v3.0.0.beta.1', withFiles: true });
    assert.ok(edit instanceof vscode.WorkspaceEdit, 'no edit for a valid model folder');
    const paths = files.map((f) => path.relative(outDir, f).split(path.sep).join('/'));
    assert.ok(paths.some((p) => /^atb_framework\/models\/atbm_[a-z0-9_]+\/model\/decoder_model\.h$/.test(p)), paths.join('\n'));
    assert.ok(paths.some((p) => /^atb_llm\/models\/[a-z0-9_]+\/flash_causal_[a-z0-9_]+\.py$/.test(p)), paths.join('\n'));
    assert.equal(existsSync(outDir), false, 'the preview wrote files');
    // The same edit without confirmation (the seam's test mode) applies directly: the files land in
    // MindIE's layout with the registered name. (The UI flow wizard-cpp ticks and applies the preview.)
    const direct = await vscode.commands.executeCommand<vscode.WorkspaceEdit>('atb-migrate.wizard.previewForTest', { modelDir: fixtureUri(...MODEL_DIR).fsPath, outDir, target: 'cpp', version: 'v3.0.0.beta.1', needsConfirmation: false });
    assert.equal(await vscode.workspace.applyEdit(direct), true);
    const flash = files.find((p) => /flash_causal_[a-z0-9_]+\.py$/.test(p))!;
    const text = await waitFor('the flash_causal file on disk', () => (existsSync(flash) ? readFileSync(flash, 'utf8') : undefined), 10_000);
    assert.match(text, /CPP_MODEL_NAME = "atbm_[a-z0-9_]+_DecoderModel"/);
    rmSync(outDir, { recursive: true, force: true });
  });
});

describe('migration wizard: ONNX (TPU) target', function () {
  this.timeout(60_000);
  before(activateExtension);

  it('previews export_onnx.py and README.md with the chosen sequence length and writes nothing before Apply', async () => {
    const root = path.join(workspaceRoot(), 'generated-onnx');
    const args = { modelDir: fixtureUri(...MODEL_DIR).fsPath, outDir: root, target: 'onnx', seqLength: 128 };
    const { edit, files } = await vscode.commands.executeCommand<{ edit: vscode.WorkspaceEdit; files: string[] }>('atb-migrate.wizard.previewForTest', { ...args, withFiles: true });
    assert.ok(edit instanceof vscode.WorkspaceEdit);
    assert.deepEqual(files.map((f) => path.basename(f)).sort(), ['README.md', 'export_onnx.py']);
    assert.equal(existsSync(root), false, 'the preview wrote files');
    const direct = await vscode.commands.executeCommand<vscode.WorkspaceEdit>('atb-migrate.wizard.previewForTest', { ...args, needsConfirmation: false });
    try {
      assert.equal(await vscode.workspace.applyEdit(direct), true);
      const script = files.find((f) => f.endsWith('export_onnx.py'))!;
      const text = await waitFor('export_onnx.py on disk', () => (existsSync(script) ? readFileSync(script, 'utf8') : undefined), 10_000);
      assert.match(text, /^DEFAULT_SEQ_LENGTH = 128$/m);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

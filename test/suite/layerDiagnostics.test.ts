/** Layer diagnostics from the language server on an open (unsaved) old-style layer. */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { LAYER_CPP, activateExtension, fixtureUri, waitFor } from './helpers';

const layerErrors = (uri: vscode.Uri) =>
  vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'atb-migrate' && d.severity === vscode.DiagnosticSeverity.Error);
const codeOf = (d: vscode.Diagnostic) => String(typeof d.code === 'object' ? d.code.value : d.code);

describe('layer diagnostics', function () {
  this.timeout(90_000);
  before(activateExtension);

  it('flags an IN_TENSOR_COUNT that no longer matches the enum while typing, and clears it when fixed', async () => {
    const doc = await vscode.workspace.openTextDocument(fixtureUri(...LAYER_CPP));
    const editor = await vscode.window.showTextDocument(doc);
    // The server is up once it offers the quantize actions for this file; the fixture itself is consistent.
    await waitFor('the language server to answer for the layer', async () => {
      const actions = (await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', doc.uri, new vscode.Range(0, 0, 0, 0))) ?? [];
      return actions.some((a) => a.kind?.value.startsWith('refactor.rewrite.atb.quantize'));
    }, 60_000, 500);
    assert.deepEqual(layerErrors(doc.uri).map((d) => d.message), []);

    const line = doc.getText().split('\n').findIndex((l) => l.includes('IN_TENSOR_COUNT = 17'));
    assert.ok(line >= 0, 'fixture lost IN_TENSOR_COUNT = 17');
    const at = doc.lineAt(line).text.indexOf('17');
    try {
      await editor.edit((e) => e.replace(new vscode.Range(line, at, line, at + 2), '16'));
      const [mismatch] = await waitFor('a count-mismatch diagnostic on IN_TENSOR_COUNT', () => {
        const found = layerErrors(doc.uri).filter((d) => codeOf(d) === 'atb.layer.count-mismatch' && d.range.start.line === line);
        return found.length ? found : undefined;
      }, 30_000);
      assert.match(mismatch.message, /17/, `the message should name the real count: ${mismatch.message}`);

      await editor.edit((e) => e.replace(new vscode.Range(line, at, line, at + 2), '17'));
      await waitFor('the diagnostic to clear once the count is right again', () => layerErrors(doc.uri).length === 0, 30_000);
    } finally {
      // Leave the file as it is on disk for the next suites.
      await vscode.commands.executeCommand('workbench.action.files.revert');
      await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    }
  });
});

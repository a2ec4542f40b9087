/** Language-server diagnostics on a transformers model file, as the Problems panel gets them. */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { MODEL_PY, UNRELATED_CPP, activateExtension, fixtureUri, waitFor } from './helpers';

const ours = (uri: vscode.Uri) => vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'atb-migrate');

describe('model file diagnostics', function () {
  this.timeout(90_000);
  before(activateExtension);

  it('reports unsupported operations of an opened modeling_*.py on their lines', async () => {
    const doc = await vscode.workspace.openTextDocument(fixtureUri(...MODEL_PY));
    await vscode.window.showTextDocument(doc);
    const diagnostics = await waitFor('atb-migrate diagnostics on modeling_tiny_qwen2.py', () => {
      const d = ours(doc.uri);
      return d.length > 0 ? d : undefined;
    }, 60_000, 300);
    const lineOf = (needle: string) => doc.getText().split('\n').findIndex((l) => l.includes(needle));
    const onLine = (line: number) => diagnostics.filter((d) => d.range.start.line <= line && d.range.end.line >= line);
    // Soft-capping attention scores (tanh inside the fused attention) and Conv1d have no ATB operation
    // (operators.yaml); both are on forward paths. Final-logit soft-capping is Elewise TANH: no warning.
    for (const needle of ['torch.tanh(attn_weights', 'nn.Conv1d(']) {
      const line = lineOf(needle);
      assert.ok(line >= 0, `fixture lost ${needle}`);
      const found = onLine(line).filter((d) => d.severity === vscode.DiagnosticSeverity.Warning || d.severity === vscode.DiagnosticSeverity.Error);
      assert.ok(found.length > 0, `no warning/error on line ${line + 1} (${needle}); got: ${diagnostics.map((d) => `${d.range.start.line + 1}: ${d.message}`).join(' | ')}`);
    }
    assert.deepEqual(onLine(lineOf('torch.tanh(logits')).map((d) => d.message), [], 'final-logit soft-capping is Elewise TANH');
    // Supported layers are not flagged as problems.
    const linear = lineOf('self.gate_proj = nn.Linear(');
    assert.deepEqual(onLine(linear).filter((d) => d.severity === vscode.DiagnosticSeverity.Error).map((d) => d.message), []);
  });

  it('leaves an unrelated C++ file without atb-migrate diagnostics', async () => {
    const doc = await vscode.workspace.openTextDocument(fixtureUri(...UNRELATED_CPP));
    await vscode.window.showTextDocument(doc);
    // The server is proven up by the previous case; give it the same debounce a layer file would get.
    const model = fixtureUri('hf_models', 'tiny_qwen2', 'modeling_tiny_qwen2.py');
    await waitFor('the model diagnostics to stay published', () => ours(model).length > 0, 30_000);
    assert.deepEqual(ours(doc.uri).map((d) => d.message), []);
  });
});

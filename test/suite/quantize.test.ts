/**
 * The quantize refactoring as VS Code sees it: code actions offered by the language server on an
 * old-style layer (and not on other C++), and the resulting edit written through the Refactor
 * Preview. Expected numbers come from docs/atb-layers.md §3: this fixture has the baichuan2-7b
 * shape (packed QKV, o_proj, gate/up/down), so IN_TENSOR_COUNT goes 17 → 28 (five linears with a
 * deqscale and a bias each, plus IN_BETA), 29 with the sparse index of the QKV weight.
 */
import * as assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { LAYER_CPP, LAYER_DIR, UNRELATED_CPP, acceptRefactorPreview, activateExtension, fixtureUri, waitFor } from './helpers';

const W8A8 = 'refactor.rewrite.atb.quantize.w8a8';
const W8A8SC = 'refactor.rewrite.atb.quantize.w8a8sc';

async function quantizeActions(uri: vscode.Uri, resolve = 0): Promise<vscode.CodeAction[]> {
  const doc = await vscode.workspace.openTextDocument(uri);
  const range = new vscode.Range(0, 0, 0, 0);
  const all = (await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', doc.uri, range, undefined, resolve)) ?? [];
  return all.filter((a) => a.kind && (a.kind.value === W8A8 || a.kind.value === W8A8SC));
}

const tensorCount = (text: string) => Number(/IN_TENSOR_COUNT\s*=\s*(\d+)/.exec(text)?.[1]);

function layerOutputs(prefix: string): { cpp: string; h: string } {
  const dir = fixtureUri(...LAYER_DIR).fsPath;
  return { cpp: path.join(dir, `${prefix}flash_attention_rope_layer.cpp`), h: path.join(dir, `${prefix}flash_attention_rope_layer.h`) };
}

/** Waits until both files are on disk with contents (the edit may create, then fill and save them). */
async function writtenFiles(out: { cpp: string; h: string }): Promise<[string, string]> {
  const read = (f: string) => (existsSync(f) ? readFileSync(f, 'utf8') : '');
  return waitFor(`${path.basename(out.cpp)} and ${path.basename(out.h)} written to disk`, () => {
    const cpp = read(out.cpp);
    const h = read(out.h);
    return cpp.length > 0 && h.length > 0 ? ([cpp, h] as [string, string]) : undefined;
  }, 15_000);
}

function removeOutputs(prefix: string): void {
  const out = layerOutputs(prefix);
  rmSync(out.cpp, { force: true });
  rmSync(out.h, { force: true });
}

describe('quantize layer', function () {
  this.timeout(90_000);
  before(activateExtension);
  after(() => {
    removeOutputs('quant_');
    removeOutputs('sparse_quant_');
  });

  it('offers W8A8 and W8A8SC code actions on an old-style layer .cpp', async () => {
    // The server may still be starting: wait until it answers with the two actions.
    const actions = await waitFor('quantize code actions on the layer file', async () => {
      const a = await quantizeActions(fixtureUri(...LAYER_CPP));
      return a.length === 2 ? a : undefined;
    }, 60_000, 500);
    assert.deepEqual(actions.map((a) => a.kind!.value).sort(), [W8A8, W8A8SC]);
    for (const a of actions) assert.ok(a.title.length > 0);
  });

  it('offers no quantize action on an unrelated C++ file', async () => {
    // The previous case proved the server answers; this file is ordinary C++.
    await waitFor('the layer actions (server ready)', async () => (await quantizeActions(fixtureUri(...LAYER_CPP))).length === 2, 60_000, 500);
    assert.deepEqual((await quantizeActions(fixtureUri(...UNRELATED_CPP))).map((a) => a.title), []);
  });

  it('applying the W8A8 action writes quant_*.cpp/.h through the Refactor Preview', async () => {
    removeOutputs('quant_');
    const original = readFileSync(fixtureUri(...LAYER_CPP).fsPath, 'utf8');
    const [action] = (await quantizeActions(fixtureUri(...LAYER_CPP), 10)).filter((a) => a.kind!.value === W8A8);
    assert.ok(action, 'no W8A8 action');
    assert.ok(action.edit, 'the resolved W8A8 action carries no edit');
    const out = layerOutputs('quant_');
    assert.equal(existsSync(out.cpp), false, 'nothing may be written before Apply');
    // As the lightbulb does for a refactor.* action: isRefactoring, so files.refactoring.autoSave saves them.
    const applied = await acceptRefactorPreview(vscode.workspace.applyEdit(action.edit!, { isRefactoring: true }));
    assert.equal(applied, true);
    const [cpp, h] = await writtenFiles(out);
    assert.equal(tensorCount(original), 17);
    assert.equal(tensorCount(cpp), 28, `quant .cpp starts: ${cpp.slice(0, 400)}`);
    assert.match(cpp, /#include "quant_flash_attention_rope_layer\.h"/);
    assert.match(h, /QuantFlashAttentionRopeLayer/);
    assert.match(cpp, /IN_BETA/);
    // The Chinese comments survive; the original is untouched.
    assert.match(cpp, /沿最后一维切成 Q、K、V 三份/);
    assert.equal(readFileSync(fixtureUri(...LAYER_CPP).fsPath, 'utf8'), original);
  });

  it('the internal edit seam returns an edit for a layer and writes nothing', async () => {
    removeOutputs('quant_');
    const edit = await vscode.commands.executeCommand<vscode.WorkspaceEdit | undefined>('atb-migrate.quantize.editForTest', [fixtureUri(...LAYER_CPP)], 'w8a8');
    assert.ok(edit instanceof vscode.WorkspaceEdit, 'no edit for a valid layer');
    assert.equal(existsSync(layerOutputs('quant_').cpp), false, 'the seam must not write');
    const none = await vscode.commands.executeCommand<vscode.WorkspaceEdit | undefined>('atb-migrate.quantize.editForTest', [fixtureUri(...UNRELATED_CPP)], 'w8a8');
    assert.equal(none, undefined, 'an unrelated C++ file must produce no edit');
  });

  it('"Sparse-Quantize Layer" on the explorer folder opens the Refactor Preview and writes nothing when discarded', async () => {
    removeOutputs('sparse_quant_');
    const folder = fixtureUri(...LAYER_DIR);
    // There is something to preview for this folder (else "not applied" below would prove nothing).
    const planned = await vscode.commands.executeCommand<vscode.WorkspaceEdit | undefined>('atb-migrate.quantize.editForTest', [folder], 'w8a8sc');
    assert.ok(planned instanceof vscode.WorkspaceEdit, 'folder mode found no layer to quantize');
    // Its entries need confirmation (they start unchecked); ticking them is the UI test's job
    // (test/e2e/flows/quantize.ts). Here: the preview opens, and Discard leaves the disk alone.
    const pending = vscode.commands.executeCommand<boolean>('atb-migrate.sparseQuantizeLayer', folder, [folder]);
    let settled = false;
    let result: boolean | undefined;
    void Promise.resolve(pending).then((r) => ((result = r), (settled = true)), () => (settled = true));
    await waitFor('the folder command to reach the Refactor Preview and be discarded', async () => {
      if (settled) return true;
      await vscode.commands.executeCommand('refactorPreview.discard');
      return settled;
    }, 60_000, 300);
    assert.equal(result, false, 'a discarded preview must not count as applied');
    const out = layerOutputs('sparse_quant_');
    assert.equal(existsSync(out.cpp) || existsSync(out.h), false, 'files were written although the preview was discarded');
  });
});

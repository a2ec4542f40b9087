/**
 * The static-shape attention edits as code actions over real JSON-RPC: offered only on lines of
 * what they edit, absent (with the reason in the log) where the pattern is missing, and an edit
 * that needs confirmation (Refactor Preview) and, applied, equals the engine's/CLI's result.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import type { CodeAction, TextDocumentEdit, TextEdit, WorkspaceEdit } from 'vscode-languageserver-protocol';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { FIXTURES, lineOf, tempWorkspace, TestServer } from './lspClient';

const REWRITE = path.join(FIXTURES, 'rewrite');
const KIND = {
  layout: 'refactor.rewrite.atb.staticShape.layout',
  tp: 'refactor.rewrite.atb.staticShape.pretrainingTp',
  all: 'refactor.rewrite.atb.staticShape.all',
};
const at = (line: number) => ({ start: { line, character: 4 }, end: { line, character: 4 } });

function applyEdit(text: string, edit: WorkspaceEdit): string {
  const change = edit.documentChanges![0] as TextDocumentEdit;
  return TextDocument.applyEdits(TextDocument.create('file:///x.py', 'python', 1, text), change.edits as TextEdit[]);
}

describe('language server: static-shape code actions (TPU-MLIR)', function () {
  this.timeout(60000);
  let root: string;
  let server: TestServer;

  before(async () => {
    root = tempWorkspace([path.join(REWRITE, 'modeling_tiny_v444.py'), path.join(REWRITE, 'modeling_tiny_v5.py')]);
    server = await TestServer.start({ root });
  });
  after(async () => {
    await server?.stop();
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  it('offers the layout, pretraining_tp and all-edits actions where their patterns are, as previewed edits', async () => {
    const file = path.join(root, 'modeling_tiny_v444.py');
    const text = fs.readFileSync(file, 'utf8');
    const uri = server.open(file);
    const inRepeatKv = await server.codeActions(uri, at(lineOf(text, 'def repeat_kv') + 1));
    assert.deepStrictEqual(inRepeatKv.map((a) => a.kind), [KIND.layout, KIND.all]);
    const inTp = await server.codeActions(uri, at(lineOf(text, 'slice_size = self.config.intermediate_size')));
    assert.deepStrictEqual(inTp.map((a) => a.kind), [KIND.tp, KIND.all]);
    const elsewhere = await server.codeActions(uri, at(lineOf(text, 'class TinyConfig')));
    assert.deepStrictEqual(elsewhere, [], 'nothing offered away from the patterns');

    const layout = inRepeatKv[0] as CodeAction;
    assert.strictEqual(layout.title, 'Static-shape attention layout (rotary, repeat_kv, attention without extra permutes)');
    const edit = layout.edit as WorkspaceEdit;
    for (const e of (edit.documentChanges![0] as TextDocumentEdit).edits) {
      assert.strictEqual(edit.changeAnnotations![(e as { annotationId: string }).annotationId].needsConfirmation, true);
    }
    const after = applyEdit(text, edit);
    assert.match(after, /return hidden_states\.reshape\(batch, slen, num_key_value_heads \* n_rep, head_dim\)\.transpose\(1, 2\)/);
    assert.match(after, /if self\.config\.pretraining_tp > 1:/, 'the layout action leaves the pretraining_tp branches');
    const all = applyEdit(text, (inRepeatKv[1] as CodeAction).edit!);
    assert.doesNotMatch(all, /if self\.config\.pretraining_tp > 1:/);
    assert.strictEqual(fs.readFileSync(file, 'utf8'), text, 'nothing written by the server');
  });

  it('offers nothing on a 4.48+/5.x file and logs why', async () => {
    const file = path.join(root, 'modeling_tiny_v5.py');
    const text = fs.readFileSync(file, 'utf8');
    const uri = server.open(file);
    assert.deepStrictEqual(await server.codeActions(uri, at(lineOf(text, 'def repeat_kv') + 1)), []);
    assert.ok(server.logs.some((l) => l.includes('modeling_tiny_v5.py') && l.includes('eager_attention_forward')), server.logs.join('\n').slice(-2000));
    assert.ok(server.logs.some((l) => l.includes('pretraining_tp')));
  });
});

/**
 * Old-style ATB C++ layers through the language server: quantize code actions (offered only when
 * the engine accepts the file, resolved lazily into a previewable edit), layer diagnostics and
 * the atb/quantize request. Uses the hand-written layer fixtures in test/fixtures/layers.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import type { CodeAction, CreateFile, TextDocumentEdit, TextEdit, WorkspaceEdit } from 'vscode-languageserver-protocol';
import type { QuantizeResult } from '../../src/shared/protocol';
import { FIXTURES, lineOf, tempWorkspace, TestServer, uriOf } from './lspClient';

const LAYERS = path.join(FIXTURES, 'layers');
const W8A8 = 'refactor.rewrite.atb.quantize.w8a8';
const W8A8SC = 'refactor.rewrite.atb.quantize.w8a8sc';
const WHOLE_FILE = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };

describe('language server: quantize code actions and layer diagnostics', function () {
  this.timeout(60000);
  let root: string;
  let server: TestServer;
  const layer = () => path.join(root, 'packed-rope', 'flash_attention_rope_layer.cpp');

  before(async function () {
    if (!fs.existsSync(path.join(LAYERS, 'packed-rope'))) this.skip();
    root = tempWorkspace(['packed-rope', 'new-style', 'already-quantized'].map((d) => path.join(LAYERS, d)).concat(path.join(FIXTURES, 'server', 'workspace', 'unrelated.cpp')));
    server = await TestServer.start({ root });
  });
  after(async () => {
    await server?.stop();
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  it('offers both quantize actions on an old-style layer and resolves them into a previewable create+insert edit', async () => {
    const uri = server.open(layer());
    const actions = await server.codeActions(uri, WHOLE_FILE);
    const kinds = actions.map((a) => a.kind).sort();
    assert.deepStrictEqual(kinds, [W8A8, W8A8SC]);
    const w8a8 = actions.find((a) => a.kind === W8A8)!;
    assert.strictEqual(w8a8.title, 'Quantize layer (W8A8)');
    assert.strictEqual(w8a8.edit, undefined, 'the edit is resolved lazily');
    const resolved = await server.request<CodeAction>('codeAction/resolve', w8a8);
    const edit = resolved.edit as WorkspaceEdit;
    const changes = edit.documentChanges as (CreateFile | TextDocumentEdit)[];
    const creates = changes.filter((c): c is CreateFile => 'kind' in c && c.kind === 'create');
    const inserts = changes.filter((c): c is TextDocumentEdit => 'textDocument' in c);
    const quantCpp = path.join(root, 'packed-rope', 'quant_flash_attention_rope_layer.cpp');
    assert.deepStrictEqual(creates.map((c) => c.uri).sort(), [quantCpp, quantCpp.replace(/\.cpp$/, '.h')].map(uriOf).sort());
    for (const c of creates) {
      assert.strictEqual(c.options?.overwrite, true);
      assert.strictEqual(edit.changeAnnotations?.[c.annotationId!]?.needsConfirmation, true, 'every file needs confirmation: the Refactor Preview opens');
      assert.match(edit.changeAnnotations![c.annotationId!].description ?? '', /new file/);
    }
    const cppText = (inserts.find((i) => i.textDocument.uri === uriOf(quantCpp))!.edits[0] as TextEdit).newText;
    assert.match(cppText, /IN_BETA/);
    assert.match(cppText, /IN_TENSOR_COUNT = 28/);
    assert.ok(!fs.existsSync(quantCpp), 'nothing is written before the user applies the edit');
  });

  it('honours `only` and offers the actions on the header too', async () => {
    const uri = uriOf(layer());
    const onlySparse = await server.codeActions(uri, WHOLE_FILE, [], [W8A8SC]);
    assert.deepStrictEqual(onlySparse.map((a) => a.kind), [W8A8SC]);
    const quickfixOnly = await server.codeActions(uri, WHOLE_FILE, [], ['quickfix']);
    assert.deepStrictEqual(quickfixOnly, []);
    const header = server.open(layer().replace(/\.cpp$/, '.h'));
    const onHeader = await server.codeActions(header, WHOLE_FILE);
    assert.deepStrictEqual(onHeader.map((a) => a.kind).sort(), [W8A8, W8A8SC]);
  });

  it('offers nothing on an unrelated C++ file and stays quiet there', async () => {
    const uri = server.open(path.join(root, 'unrelated.cpp'));
    assert.deepStrictEqual(await server.codeActions(uri, WHOLE_FILE), []);
    assert.deepStrictEqual(await server.diagnosticsFor(uri), []);
  });

  it('offers nothing on a new-style layer, with a hint saying why and the reason in the log', async () => {
    const uri = server.open(path.join(root, 'new-style', 'decoder_layer.cpp'));
    assert.deepStrictEqual(await server.codeActions(uri, WHOLE_FILE), []);
    const ds = await server.diagnosticsFor(uri, (d) => d.length > 0);
    const hint = ds.find((d) => d.severity === 4);
    assert.ok(hint, JSON.stringify(ds));
    assert.match(hint.message, /new-style layer.*runtime setting/);
    assert.ok(server.logs.some((l) => /decoder_layer\.cpp/.test(l) && /new-style layer/.test(l)), 'reason logged');
  });

  it('offers nothing on an already-quantized layer', async () => {
    const uri = server.open(path.join(root, 'already-quantized', 'flash_attention_quant_layer.cpp'));
    assert.deepStrictEqual(await server.codeActions(uri, WHOLE_FILE), []);
  });

  it('reports a wrong IN_TENSOR_COUNT typed into the editor, and clears it when fixed', async () => {
    const uri = uriOf(layer());
    const text = fs.readFileSync(layer(), 'utf8');
    const line = lineOf(text, 'IN_TENSOR_COUNT = 17');
    const col = text.split('\n')[line].indexOf('17');
    let version = server.change(uri, [{ range: { start: { line, character: col }, end: { line, character: col + 2 } }, text: '16' }]);
    let ds = await server.diagnosticsFor(uri, undefined, version);
    const mismatch = ds.find((d) => d.code === 'atb.layer.count-mismatch');
    assert.ok(mismatch, JSON.stringify(ds));
    assert.strictEqual(mismatch.severity, 1);
    assert.strictEqual(mismatch.range.start.line, line);
    assert.match(mismatch.message, /IN_TENSOR_COUNT is 16 but the enum has 17 input entries/);
    version = server.change(uri, [{ range: { start: { line, character: col }, end: { line, character: col + 2 } }, text: '17' }]);
    ds = await server.diagnosticsFor(uri, undefined, version);
    assert.ok(!ds.some((d) => d.code === 'atb.layer.count-mismatch'));
  });

  it('atb/quantize on a folder returns the new files, marks existing targets, and lists refused layers with reasons', async () => {
    fs.writeFileSync(path.join(root, 'packed-rope', 'sparse_quant_flash_attention_rope_layer.h'), '// an older output\n');
    const result = await server.request<QuantizeResult>('atb/quantize', { uris: [uriOf(root), uriOf(path.join(root, 'packed-rope')), uriOf(path.join(root, 'new-style'))], mode: 'w8a8sc' });
    const names = result.files.map((f) => path.basename(new URL(f.uri).pathname)).sort();
    assert.deepStrictEqual(names, ['sparse_quant_flash_attention_rope_layer.cpp', 'sparse_quant_flash_attention_rope_layer.h']);
    assert.strictEqual(result.files.find((f) => f.uri.endsWith('.h'))!.exists, true);
    assert.strictEqual(result.files.find((f) => f.uri.endsWith('.cpp'))!.exists, false);
    assert.match(result.files.find((f) => f.uri.endsWith('.cpp'))!.contents, /LinearSparseParam/);
    assert.strictEqual(result.reports.length, 1);
    assert.match(result.reports[0].summary, /flash_attention_rope_layer\.cpp → sparse_quant_flash_attention_rope_layer\.cpp/);
    const refused = result.refusals.find((r) => r.uri?.endsWith('decoder_layer.cpp'));
    assert.ok(refused, JSON.stringify(result.refusals));
    assert.strictEqual(refused.code, 'quantize.new-style');
    // The workspace root holds only unrelated.cpp (no header): it is skipped with the reason.
    assert.ok(result.skipped.some((s) => s.uri.endsWith('unrelated.cpp') && /no same-named \.h/.test(s.reason)), JSON.stringify(result.skipped));
  });
});

describe('language server: a layer whose header is found by #include (llama_adapter shape)', function () {
  this.timeout(60000);
  it('offers the actions on the .cpp, names the outputs after it; a folder request skips it with the reason', async function () {
    if (!fs.existsSync(path.join(LAYERS, 'packed-rope'))) this.skip();
    const root = tempWorkspace([]);
    const dir = path.join(root, 'layer');
    fs.mkdirSync(dir, { recursive: true });
    const src = path.join(LAYERS, 'packed-rope', 'flash_attention_rope_layer');
    const cpp = fs.readFileSync(src + '.cpp', 'utf8').replace('#include "flash_attention_rope_layer.h"', '#include "layer.h"');
    assert.ok(cpp.includes('#include "layer.h"'));
    fs.writeFileSync(path.join(dir, 'decoder_layer.cpp'), cpp);
    fs.copyFileSync(src + '.h', path.join(dir, 'layer.h'));
    const server = await TestServer.start({ root });
    try {
      const uri = server.open(path.join(dir, 'decoder_layer.cpp'));
      const kinds = (await server.codeActions(uri, WHOLE_FILE)).map((a) => a.kind).sort();
      assert.deepStrictEqual(kinds, [W8A8, W8A8SC]);
      const one = await server.request<QuantizeResult>('atb/quantize', { uris: [uri], mode: 'w8a8' });
      assert.deepStrictEqual(one.files.map((f) => path.basename(new URL(f.uri).pathname)).sort(), ['quant_decoder_layer.cpp', 'quant_decoder_layer.h']);
      assert.match(one.files.find((f) => f.uri.endsWith('.cpp'))!.contents, /#include "quant_decoder_layer\.h"/);
      const folder = await server.request<QuantizeResult>('atb/quantize', { uris: [uriOf(dir)], mode: 'w8a8' });
      assert.deepStrictEqual(folder.files, []);
      assert.ok(folder.skipped.some((s) => s.uri.endsWith('decoder_layer.cpp') && /layer\.h/.test(s.reason) && /#include/.test(s.reason)), JSON.stringify(folder.skipped));
    } finally {
      await server.stop();
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('language server: quantize messages in Chinese', function () {
  this.timeout(60000);
  it('localizes action titles and refusal reasons', async function () {
    if (!fs.existsSync(path.join(LAYERS, 'packed-rope'))) this.skip();
    const root = tempWorkspace([path.join(LAYERS, 'packed-rope'), path.join(LAYERS, 'new-style')]);
    const server = await TestServer.start({ root, locale: 'zh-CN' });
    try {
      const uri = server.open(path.join(root, 'packed-rope', 'flash_attention_rope_layer.cpp'));
      const titles = (await server.codeActions(uri, WHOLE_FILE)).map((a) => a.title).sort();
      assert.deepStrictEqual(titles, ['稀疏量化该层（W8A8SC）', '量化该层（W8A8）'].sort());
      const result = await server.request<QuantizeResult>('atb/quantize', { uris: [uriOf(path.join(root, 'new-style', 'decoder_layer.cpp'))], mode: 'w8a8' });
      assert.match(result.refusals[0].message, /新式 layer/);
    } finally {
      await server.stop();
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});

/**
 * The language server driven over real JSON-RPC: the built dist/server.js is spawned with
 * --stdio and spoken to as an editor would. Run `node esbuild.mjs` first.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import type { CodeAction, CreateFile, TextDocumentEdit, TextEdit, WorkspaceEdit } from 'vscode-languageserver-protocol';
import { FIXTURES, lineOf, tempWorkspace, TestServer, uriOf, type Diag } from './lspClient';

const SERVER_FIXTURES = path.join(FIXTURES, 'server', 'workspace');
const MODEL = 'modeling_tiny.py';

function warnings(ds: Diag[]): Diag[] {
  return ds.filter((d) => d.severity === 2);
}

function at(ds: Diag[], line: number): Diag | undefined {
  return ds.find((d) => d.range.start.line === line);
}

describe('language server: operator-support diagnostics (Python)', function () {
  this.timeout(60000);
  let root: string;
  let server: TestServer;
  let text: string;

  before(async () => {
    root = tempWorkspace([path.join(SERVER_FIXTURES, MODEL), path.join(SERVER_FIXTURES, 'helpers.py')]);
    text = fs.readFileSync(path.join(root, MODEL), 'utf8');
    server = await TestServer.start({ root, locale: 'en' });
  });
  after(async () => {
    await server?.stop();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('warns on an unsupported op with its code, a catalogue link and the reason, at the right range', async () => {
    const uri = server.open(path.join(root, MODEL));
    const ds = await server.diagnosticsFor(uri, (d) => d.length > 0);
    const convLine = lineOf(text, 'nn.Conv1d');
    const conv = at(warnings(ds), convLine);
    assert.ok(conv, `expected a warning on line ${convLine}, got ${JSON.stringify(ds.map((d) => [d.range.start.line, d.code, d.severity]))}`);
    assert.strictEqual(typeof conv.code, 'string');
    assert.match(String(conv.code), /unsupported/);
    assert.ok(conv.codeDescription?.href, 'the diagnostic links to the catalogue entry');
    assert.match(conv.message, /Conv/);
    assert.match(conv.message, /Convolution has no ATB operation/);
    const column = text.split('\n')[convLine].indexOf('nn.Conv1d');
    assert.ok(conv.range.start.character <= column && conv.range.end.line === convLine && conv.range.end.character >= column + 'nn.Conv1d'.length, 'the range covers the Conv1d construction');
    assert.strictEqual(conv.source, 'atb-migrate');
    // Supported layers (nn.Linear) are not reported by default (no fused/native noise).
    assert.ok(!ds.some((d) => d.range.start.line === lineOf(text, 'self.q_proj = nn.Linear')), 'nn.Linear is supported');
    assert.ok(!ds.some((d) => d.severity === 3), 'fused operations stay quiet unless reportFused is on');
  });

  it('says nothing about a Python file that is not model code', async () => {
    const uri = server.open(path.join(root, 'helpers.py'));
    const ds = await server.diagnosticsFor(uri);
    assert.deepStrictEqual(ds, []);
  });

  it('updates diagnostics on incremental edits: an inserted unsupported line is reported, removing it clears it', async () => {
    const uri = uriOf(path.join(root, MODEL));
    const convLine = lineOf(text, 'nn.Conv1d');
    const mlpReturn = lineOf(text, 'return self.down_proj');
    const inserted = '        spectrum = torch.fft.rfft(x)\n';
    const insertAt = (line: number, t: string) => ({ range: { start: { line, character: 0 }, end: { line, character: 0 } }, text: t });
    // 1. A new FFT call in TinyMLP.forward: a new warning on that line.
    let version = server.change(uri, [insertAt(mlpReturn, inserted)]);
    let ds = await server.diagnosticsFor(uri, undefined, version);
    assert.match(at(warnings(ds), mlpReturn)?.message ?? '', /FFT has no ATB operation/);
    assert.ok(at(warnings(ds), convLine), 'the Conv1d warning stays where it was');
    // 2. Two edits in one notification: a line at the top and a rename inside the inserted line.
    //    Both warnings move down one line; the FFT one is still found after the in-line edit.
    version = server.change(uri, [
      { range: { start: { line: mlpReturn, character: 8 }, end: { line: mlpReturn, character: 16 } }, text: 'freq' },
      insertAt(0, '# a new first line\n'),
    ]);
    ds = await server.diagnosticsFor(uri, undefined, version);
    assert.match(at(warnings(ds), mlpReturn + 1)?.message ?? '', /FFT/);
    assert.match(at(warnings(ds), convLine + 1)?.message ?? '', /Conv/);
    // 3. Remove both insertions again: the FFT warning is gone, Conv1d is back on its line.
    version = server.change(uri, [
      { range: { start: { line: mlpReturn + 1, character: 0 }, end: { line: mlpReturn + 2, character: 0 } }, text: '' },
      { range: { start: { line: 0, character: 0 }, end: { line: 1, character: 0 } }, text: '' },
    ]);
    ds = await server.diagnosticsFor(uri, undefined, version);
    assert.ok(!ds.some((d) => /FFT/.test(d.message)), 'the FFT warning is gone');
    assert.ok(at(warnings(ds), convLine), 'the Conv1d warning is back on its line');
    // The server's copy equals the file again (incremental sync and tree edits agree with a fresh parse).
    const analysis = await server.request<import('../../src/shared/protocol').AnalyzeResult>('atb/analyze', { uri });
    assert.strictEqual(analysis.totals.unsupported, 1);
    const stats = await server.request<import('../../src/shared/protocol').StatsResult>('atb/stats', null);
    assert.ok(stats.incrementalParses >= 3, `each didChange re-parsed with the old tree (${stats.incrementalParses})`);
  });

  it('offers a quick fix that declares the op supported in .atb-migrate.yaml, previewable, and honours it once written', async () => {
    const uri = uriOf(path.join(root, MODEL));
    const ds = await server.diagnosticsFor(uri, (d) => d.length > 0);
    const conv = at(warnings(ds), lineOf(text, 'nn.Conv1d'))!;
    const actions = await server.codeActions(uri, conv.range, [conv]);
    const fix = actions.find((a) => a.kind === 'quickfix');
    assert.ok(fix, `a quick fix, got ${JSON.stringify(actions.map((a) => a.title))}`);
    assert.match(fix.title, /Declare .*supported in \.atb-migrate\.yaml/);
    const edit = fix.edit as WorkspaceEdit;
    const [create, insert] = edit.documentChanges as [CreateFile, TextDocumentEdit];
    const override = path.join(root, '.atb-migrate.yaml');
    assert.strictEqual(create.kind, 'create');
    assert.strictEqual(create.uri, uriOf(override));
    assert.ok(create.annotationId && edit.changeAnnotations?.[create.annotationId]?.needsConfirmation, 'the edit needs confirmation (Refactor Preview)');
    const yamlText = (insert.edits[0] as TextEdit).newText;
    assert.match(yamlText, /Conv1d|nn\.Conv/);
    assert.ok(!fs.existsSync(override), 'nothing is written by the server itself');
    // Apply it as the editor would, then tell the server the file changed.
    fs.writeFileSync(override, yamlText);
    server.notify('workspace/didChangeWatchedFiles', { changes: [{ uri: uriOf(override), type: 1 }] });
    const after = await server.diagnosticsFor(uri, (d) => !at(warnings(d), lineOf(text, 'nn.Conv1d')));
    assert.ok(!after.some((d) => /Convolution/.test(d.message)));
  });

  it('publishes problems of a malformed .atb-migrate.yaml on that file with line numbers, and keeps serving', async () => {
    const override = path.join(root, '.atb-migrate.yaml');
    // Broken YAML syntax: one problem, pointing at the broken line (not line 0).
    fs.writeFileSync(override, 'version: 1\nentries:\n  - id: my.op\n    verdict: native\n    functions: [my_op]\n  - id: [broken\n');
    server.notify('workspace/didChangeWatchedFiles', { changes: [{ uri: uriOf(override), type: 2 }] });
    let problems = await server.diagnosticsFor(uriOf(override), (d) => d.length > 0);
    assert.ok(problems.some((d) => d.code === 'atb.catalog.yaml-syntax' && d.range.start.line >= 5 && d.severity === 1), JSON.stringify(problems.map((d) => [d.range.start.line, d.code, d.message])));
    // Valid YAML, wrong schema: the problem is on the offending field's line.
    fs.writeFileSync(override, 'version: 1\nentries:\n  - id: my.op\n    verdict: maybe\n    functions: [my_op]\n');
    server.notify('workspace/didChangeWatchedFiles', { changes: [{ uri: uriOf(override), type: 2 }] });
    problems = await server.diagnosticsFor(uriOf(override), (d) => d.some((x) => x.range.start.line === 3));
    assert.match(problems.find((d) => d.range.start.line === 3)!.message, /verdict/);
    // The built-in catalogue still works: Conv1d is unsupported again (the override no longer loads it).
    const uri = uriOf(path.join(root, MODEL));
    const ds = await server.diagnosticsFor(uri, (d) => at(warnings(d), lineOf(text, 'nn.Conv1d')) !== undefined);
    assert.ok(ds.length > 0);
    // A bad model-family entry in the same file is a problem on its line too.
    fs.writeFileSync(override, 'version: 1\nentries: []\nfamilies:\n  my_llama:\n    like: llama\n    norm: rms+2\n');
    server.notify('workspace/didChangeWatchedFiles', { changes: [{ uri: uriOf(override), type: 2 }] });
    problems = await server.diagnosticsFor(uriOf(override), (d) => d.some((x) => x.code === 'atb.families.problem'));
    assert.match(problems.find((d) => d.code === 'atb.families.problem')!.message, /my_llama.*norm/);
    assert.strictEqual(problems.find((d) => d.code === 'atb.families.problem')!.range.start.line, 3);
    // Fixing the file clears its problems.
    fs.writeFileSync(override, 'version: 1\nentries: []\n');
    server.notify('workspace/didChangeWatchedFiles', { changes: [{ uri: uriOf(override), type: 2 }] });
    await server.diagnosticsFor(uriOf(override), (d) => d.length === 0);
    assert.ok(server.alive());
    // With the file present, the quick fix edits it in place (whole-text replace, still previewable).
    const conv = at(warnings(await server.diagnosticsFor(uri, (d) => at(warnings(d), lineOf(text, 'nn.Conv1d')) !== undefined)), lineOf(text, 'nn.Conv1d'))!;
    const fix = (await server.codeActions(uri, conv.range, [conv])).find((a) => a.kind === 'quickfix')!;
    const edit = fix.edit as WorkspaceEdit;
    assert.strictEqual(edit.documentChanges!.length, 1);
    const change = edit.documentChanges![0] as TextDocumentEdit;
    assert.strictEqual(change.textDocument.uri, uriOf(override));
    const replace = change.edits[0] as TextEdit & { annotationId?: string };
    assert.deepStrictEqual(replace.range, { start: { line: 0, character: 0 }, end: { line: 2, character: 0 } });
    assert.match(replace.newText, /^version: 1/);
    assert.match(replace.newText, /Conv/);
    assert.strictEqual(edit.changeAnnotations![replace.annotationId!].needsConfirmation, true);
  });

  it('answers atb/analyze with the module tree and totals', async () => {
    const result = await server.request<import('../../src/shared/protocol').AnalyzeResult>('atb/analyze', { uri: uriOf(path.join(root, MODEL)) });
    assert.strictEqual(result.isModelCode, true);
    assert.ok(result.root, 'a root module');
    assert.ok(result.modelClasses.includes('TinyModel'), `model classes: ${result.modelClasses}`);
    assert.ok(result.totals.unsupported >= 1 && result.totals.native >= 4, JSON.stringify(result.totals));
    const names = JSON.stringify(result.root);
    assert.match(names, /Conv1d/);
    const unsupportedUse = findUse(result.root!, (u) => u.verdict === 'unsupported');
    assert.ok(unsupportedUse && unsupportedUse.reason.length > 0 && unsupportedUse.uri.startsWith('file:'));
  });

  it('exports the msit-format report files as data (nothing written)', async () => {
    const outDir = path.join(root, 'report');
    const result = await server.request<import('../../src/shared/protocol').ExportReportResult>('atb/exportReport', { uri: uriOf(path.join(root, MODEL)), outDir });
    assert.ok(!result.refusal, result.refusal);
    const names = result.files.map((f) => path.basename(new URL(f.uri).pathname));
    assert.ok(names.some((n) => n.endsWith('.json')) && names.some((n) => n.endsWith('_operators.csv')), names.join(', '));
    const csv = result.files.find((f) => f.uri.endsWith('_operators.csv'))!.contents;
    assert.match(csv.split('\n')[0], /^ori_op_name,ori_op_type,op_name,op_type,soc_type,engine,is_supported/);
    assert.ok(!fs.existsSync(outDir));
  });
});

function findUse(node: import('../../src/shared/protocol').ModuleNodeData, test: (u: import('../../src/shared/protocol').OperatorUseData) => boolean): import('../../src/shared/protocol').OperatorUseData | undefined {
  return node.uses.find(test) ?? node.children.map((c) => findUse(c, test)).find((u) => u !== undefined);
}

describe('language server: Chinese messages and settings', function () {
  this.timeout(60000);
  let root: string;
  before(() => {
    root = tempWorkspace([path.join(SERVER_FIXTURES, MODEL)]);
  });
  after(() => fs.rmSync(root, { recursive: true, force: true }));

  it('formats diagnostics and code action titles in zh-cn when the UI is Chinese', async () => {
    const server = await TestServer.start({ root, locale: 'zh-cn' });
    try {
      const text = fs.readFileSync(path.join(root, MODEL), 'utf8');
      const uri = server.open(path.join(root, MODEL));
      const ds = await server.diagnosticsFor(uri, (d) => d.length > 0);
      const conv = at(warnings(ds), lineOf(text, 'nn.Conv1d'))!;
      assert.match(conv.message, /卷积没有对应的 ATB 算子/);
      const actions = await server.codeActions(uri, conv.range, [conv]);
      assert.ok(actions.some((a) => /在 \.atb-migrate\.yaml 中声明/.test(a.title)), actions.map((a) => a.title).join(' | '));
    } finally {
      await server.stop();
    }
  });

  it('reports fused operations as information only when atbMigrate.analysis.reportFused is on', async () => {
    const server = await TestServer.start({ root, settings: { analysis: { reportFused: true } } });
    try {
      const uri = server.open(path.join(root, MODEL));
      const ds = await server.diagnosticsFor(uri, (d) => d.some((x) => x.severity === 3));
      const info = ds.filter((d) => d.severity === 3);
      assert.ok(info.length > 0);
      // The q·kᵀ matmul inside attention is fused into SelfAttention.
      const text = fs.readFileSync(path.join(root, MODEL), 'utf8');
      assert.ok(info.some((d) => d.range.start.line === lineOf(text, 'scores = torch.matmul')), JSON.stringify(info.map((d) => [d.range.start.line, d.message])));
      // Turning it off again (didChangeConfiguration → the server pulls settings) removes them.
      server.settings = { analysis: { reportFused: false } };
      server.notify('workspace/didChangeConfiguration', { settings: null });
      await server.diagnosticsFor(uri, (d) => d.length > 0 && !d.some((x) => x.severity === 3));
    } finally {
      await server.stop();
    }
  });
});

describe('language server: bad input never stops it', function () {
  this.timeout(60000);
  let root: string;
  let server: TestServer;
  before(async () => {
    root = tempWorkspace([path.join(SERVER_FIXTURES, MODEL)]);
    server = await TestServer.start({ root });
  });
  after(async () => {
    await server?.stop();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('analyzes a model file with syntax errors without failing', async () => {
    const broken = path.join(root, 'modeling_broken.py');
    const text = 'import torch\nfrom torch import nn\n\nclass Broken(nn.Module):\n    def __init__(self):\n        self.conv = nn.Conv2d(3, 3, 3\n    def forward(self, x:\n        return torch.fft.fft(x\n';
    fs.writeFileSync(broken, text);
    const uri = server.open(broken, text);
    const ds = await server.diagnosticsFor(uri);
    assert.ok(Array.isArray(ds));
    const result = await server.request<{ notes: string[] }>('atb/analyze', { uri });
    assert.ok(Array.isArray(result.notes));
  });

  it('skips a 3 MB model file with a clear note instead of parsing it live', async () => {
    const big = path.join(root, 'modeling_huge.py');
    const line = 'x = torch.matmul(a, b)  # filler line to make the file large .......................\n';
    const text = 'import torch\n' + line.repeat(Math.ceil(3_000_000 / line.length));
    const uri = server.open(big, text);
    const ds = await server.diagnosticsFor(uri, (d) => d.length > 0);
    assert.strictEqual(ds.length, 1);
    assert.strictEqual(ds[0].code, 'atb.file-too-large');
    assert.match(ds[0].message, /3\.\d MB is over the 1 MB limit/);
    server.close(uri);
  });

  it('refuses to quantize garbage and missing files with reasons, and still answers afterwards', async () => {
    const garbage = path.join(root, 'garbage_layer.cpp');
    fs.writeFileSync(garbage, Buffer.from([0, 1, 2, 3, 255, 254, 0, 0, 10]));
    fs.writeFileSync(path.join(root, 'garbage_layer.h'), '#pragma once\n');
    const result = await server.request<import('../../src/shared/protocol').QuantizeResult>('atb/quantize', {
      uris: [uriOf(garbage), uriOf(path.join(root, 'missing_layer.cpp'))],
      mode: 'w8a8',
    });
    assert.strictEqual(result.files.length, 0);
    assert.ok(result.refusals.length + result.skipped.length >= 2, JSON.stringify(result));
    for (const r of [...result.refusals.map((x) => x.message), ...result.skipped.map((x) => x.reason)]) assert.ok(r.length > 5 && !/undefined/.test(r), r);
    const stats = await server.request<{ rss: number }>('atb/stats', null);
    assert.ok(stats.rss > 0);
    assert.ok(server.alive());
  });

  it('answers requests with bad params instead of dying', async () => {
    const result = await server.request<{ isModelCode: boolean; notes: string[] }>('atb/analyze', { uri: 'not a uri' });
    assert.strictEqual(result.isModelCode, false);
    const q = await server.request<{ files: unknown[] }>('atb/quantize', { uris: 'nope', mode: 'w8a8' });
    assert.deepStrictEqual(q.files, []);
    const stats = await server.request<{ documents: number }>('atb/stats', null);
    assert.ok(stats.documents >= 1);
  });
});

export type { CodeAction };

describe('language server: model folders', function () {
  this.timeout(60000);
  const qwen2 = path.join(FIXTURES, 'models-src', 'qwen2');
  let server: TestServer;
  before(async function () {
    if (!fs.existsSync(path.join(qwen2, 'config.json'))) this.skip();
    server = await TestServer.start({ root: path.dirname(qwen2) });
  });
  after(async () => server?.stop());

  it('analyzes a folder (config.json + modeling source) into a module tree whose uses point into the source file', async () => {
    const result = await server.request<import('../../src/shared/protocol').AnalyzeResult>('atb/analyze', { uri: uriOf(qwen2) });
    assert.strictEqual(result.isModelCode, true, result.notes.join('\n'));
    assert.ok(result.root);
    const use = findUse(result.root, () => true);
    assert.ok(use, 'some operation uses');
    assert.strictEqual(use.uri, uriOf(path.join(qwen2, 'modeling_qwen2.py')));
    const layers = JSON.stringify(result.root).includes('"kind":"layers"');
    assert.ok(layers, 'decoder layers are folded into a layers node');
  });
});

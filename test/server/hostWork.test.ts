/**
 * Host-side work and MoE units over real JSON-RPC: no diagnostic for what MindIE does on the host
 * or in its MoE operations, a warning for what is inserted and has no counterpart, and the
 * readiness summary in atb/analyze and in the exported report.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import type { AnalyzeResult, ExportReportResult } from '../../src/shared/protocol';
import { FIXTURES, lineOf, tempWorkspace, TestServer, uriOf, type Diag } from './lspClient';

const CONSTRUCTS = path.join(FIXTURES, 'models-src', 'constructs');

describe('language server: host work and MoE units are not problems', function () {
  this.timeout(60000);
  let root: string;
  let server: TestServer;

  before(async () => {
    root = tempWorkspace([path.join(CONSTRUCTS, 'modeling_hostwork.py'), path.join(CONSTRUCTS, 'modeling_moe.py')]);
    server = await TestServer.start({ root, locale: 'en' });
  });
  after(async () => {
    await server?.stop();
    fs.rmSync(root, { recursive: true, force: true });
  });

  const ours = (ds: Diag[]) => ds.filter((d) => d.source === 'atb-migrate');

  it('publishes no diagnostic for position ids, masks, rotary tables, guards, or the MoE routing and expert loop', async () => {
    for (const file of ['modeling_hostwork.py', 'modeling_moe.py']) {
      const uri = server.open(path.join(root, file));
      const ds = await server.diagnosticsFor(uri);
      assert.deepStrictEqual(ours(ds).map((d) => `${d.range.start.line + 1}: ${d.message}`), [], file);
    }
  });

  it('warns on an FFT and a loop over tokens typed into the MLP, and forgets them when they are removed', async () => {
    const file = path.join(root, 'modeling_hostwork.py');
    const text = fs.readFileSync(file, 'utf8');
    const uri = uriOf(file);
    const at = lineOf(text, 'return self.down(F.silu(self.up(x)))');
    const inserted = '        x = torch.fft.rfft(x).real\n        for t in range(x.shape[1]):\n            x[:, t] = x[:, t] * 2\n';
    let version = server.change(uri, [{ range: { start: { line: at, character: 0 }, end: { line: at, character: 0 } }, text: inserted }]);
    let ds = ours(await server.diagnosticsFor(uri, undefined, version));
    assert.deepStrictEqual(
      ds.map((d) => [d.range.start.line, d.severity, String(d.code)]),
      [
        [at, 2, 'atb.unsupported-op'],
        [at + 1, 2, 'atb.unsupported-op'],
      ],
    );
    assert.match(ds[0].message, /FFT has no ATB operation/);
    assert.match(ds[1].message, /^token-loop: Python loop over tokens/);
    assert.ok(ds.every((d) => d.codeDescription?.href), 'each links to its catalogue entry');
    version = server.change(uri, [{ range: { start: { line: at, character: 0 }, end: { line: at + 3, character: 0 } }, text: '' }]);
    ds = ours(await server.diagnosticsFor(uri, undefined, version));
    assert.deepStrictEqual(ds, []);
  });

  it('answers atb/analyze with host counts and the readiness summary (MoE recognised as one unit)', async () => {
    const result = await server.request<AnalyzeResult>('atb/analyze', { uri: uriOf(path.join(root, 'modeling_moe.py')) });
    assert.ok(result.summary, 'a readiness summary');
    assert.deepStrictEqual(result.summary.counts, result.totals);
    assert.strictEqual(result.totals.unsupported, 0);
    const mlp = result.summary.parts.find((p) => p.part === 'mlp')!;
    assert.deepStrictEqual([mlp.variant, mlp.status, mlp.label], ['moe', 'atb', 'MoE']);
    assert.ok(mlp.atbOps.includes('GroupedMatmulWithRouting') && mlp.atbOps.includes('GroupTopk'), mlp.atbOps.join(', '));
    // No config.json beside the file: the targets say so instead of guessing.
    assert.deepStrictEqual(result.summary.targets.map((t) => `${t.target}:${t.status}`), ['torch-like:unknown', 'cpp:unknown', 'onnx:unknown']);
    assert.ok(result.summary.targets.every((t) => /config\.json/.test(t.reasons[0])));
    const host = await server.request<AnalyzeResult>('atb/analyze', { uri: uriOf(path.join(root, 'modeling_hostwork.py')) });
    assert.ok(host.totals.host >= 8, JSON.stringify(host.totals));
    assert.ok(host.notes.some((n) => /left out of the counts/.test(n) && /HostForSequenceClassification/.test(n)), host.notes.join('\n'));
  });

  it('exports a report whose JSON has the summary and whose CSV marks host rows TRUE on HOST', async () => {
    const outDir = path.join(root, 'report');
    const result = await server.request<ExportReportResult>('atb/exportReport', { uri: uriOf(path.join(root, 'modeling_hostwork.py')), outDir });
    assert.ok(!result.refusal, result.refusal);
    const json = JSON.parse(result.files.find((f) => f.uri.endsWith('.json'))!.contents);
    assert.deepStrictEqual(Object.keys(json), ['name', 'summary', 'children']);
    assert.ok(json.summary.counts.host >= 8);
    const csv = result.files.find((f) => f.uri.endsWith('_operators.csv'))!.contents.trim().split('\n');
    const arange = csv.find((r) => r.startsWith('model/torch.arange,'));
    assert.ok(arange, csv.slice(0, 5).join('\n'));
    assert.deepStrictEqual(arange.split(',').slice(0, 8), ['model/torch.arange', 'torch.arange', '', '', 'Ascend910', 'HOST', 'TRUE', 'host']);
    assert.ok(!fs.existsSync(outDir));
  });
});

/**
 * The server's incremental parsing: LSP content changes become tree.edit(...) + parse(text,
 * oldTree). After any sequence of edits the tree must equal a fresh parse of the final text,
 * otherwise diagnostics would drift from the code.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import type { TextDocumentContentChangeEvent } from 'vscode-languageserver-protocol';
import { nodeSyntax } from '../../src/node/syntax';
import { DocumentStore, MAX_PARSED_CHARS } from '../../src/server/documents';
import { matchesAnyGlob } from '../../src/server/glob';
import { FIXTURES } from './lspClient';

const MODEL = path.join(FIXTURES, 'server', 'workspace', 'modeling_tiny.py');

/** A small deterministic PRNG so a failure can be replayed. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
}

describe('server documents: incremental parsing', function () {
  this.timeout(30000);
  it('keeps the tree equal to a fresh parse through 200 random edits (multi-line, CJK, CRLF)', async () => {
    const syntax = await nodeSyntax();
    const store = new DocumentStore(syntax);
    const uri = 'file:///w/modeling_tiny.py';
    const doc = store.open(uri, 'python', 1, fs.readFileSync(MODEL, 'utf8'));
    const random = prng(42);
    const snippets = ['x', '\n', '    y = torch.fft.fft(x)\n', '# 中文注释\r\n', '(', ')', 'def f(a):\n    return a\n', '"""doc"""', ''];
    for (let version = 2; version < 202; version++) {
      const text = doc.document.getText();
      const changes: TextDocumentContentChangeEvent[] = [];
      const count = 1 + Math.floor(random() * 3);
      for (let i = 0; i < count; i++) {
        const lines = text.split('\n').length;
        const line = Math.floor(random() * lines);
        const start = { line, character: Math.floor(random() * 12) };
        const end = random() < 0.5 ? start : { line: Math.min(lines - 1, line + Math.floor(random() * 3)), character: Math.floor(random() * 20) };
        const [s, e] = end.line < start.line || (end.line === start.line && end.character < start.character) ? [end, start] : [start, end];
        changes.push({ range: { start: s, end: e }, text: snippets[Math.floor(random() * snippets.length)] });
      }
      store.change(uri, version, changes);
      const fresh = syntax.parser('python').parse(doc.document.getText())!;
      assert.strictEqual(doc.tree!.rootNode.toString(), fresh.rootNode.toString(), `tree differs after version ${version}: ${JSON.stringify(changes)}`);
      assert.strictEqual(doc.tree!.rootNode.endIndex, fresh.rootNode.endIndex);
      fresh.delete();
    }
    assert.strictEqual(doc.incrementalParses, 200);
    store.close(uri);
  });

  it('keeps no tree for documents over the size limit and for other languages', async () => {
    const store = new DocumentStore(await nodeSyntax());
    const big = store.open('file:///w/modeling_big.py', 'python', 1, 'x = 1\n'.repeat(MAX_PARSED_CHARS / 6 + 10));
    assert.strictEqual(big.tree, undefined);
    const yaml = store.open('file:///w/.atb-migrate.yaml', 'yaml', 1, 'entries: []\n');
    assert.strictEqual(yaml.tree, undefined);
    // A full-text change (no range) re-parses from scratch.
    const py = store.open('file:///w/a.py', 'python', 1, 'a = 1\n');
    store.change('file:///w/a.py', 2, [{ text: 'class A(nn.Module):\n    pass\n' }]);
    assert.strictEqual(py.tree!.rootNode.child(0)!.type, 'class_definition');
    assert.strictEqual(py.incrementalParses, 0);
  });
});

describe('server globs: atbMigrate.analysis.modelFileGlobs', () => {
  it('matches the default and common custom patterns the way VS Code users write them', () => {
    assert.ok(matchesAnyGlob('/home/u/models/llama/modeling_llama.py', ['**/modeling_*.py']));
    assert.ok(!matchesAnyGlob('/home/u/models/llama/configuration_llama.py', ['**/modeling_*.py']));
    assert.ok(matchesAnyGlob('C:\\work\\m\\modeling_qwen2.py', ['**/modeling_*.py']));
    assert.ok(matchesAnyGlob('/w/src/models/net.py', ['**/models/*.py']));
    assert.ok(!matchesAnyGlob('/w/src/models/sub/net.py', ['**/models/*.py']));
    assert.ok(matchesAnyGlob('/w/a/model_x.py', ['**/{modeling,model}_*.py']));
    assert.ok(matchesAnyGlob('/w/a/modeling_x.py', ['modeling_*.py']));
  });
});

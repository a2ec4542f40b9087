import * as assert from 'assert';
import * as v8 from 'v8';
import * as vm from 'vm';
import { analyzeSource } from '../../src/core/analysis';
import { loadCatalog } from '../../src/core/catalog';
import { readBuiltinCatalog } from '../../src/node/catalogFile';
import { nodeSyntax } from '../../src/node/syntax';
import '../../src/core/messages';
import { fixture } from './analysis.test';

/**
 * The language server re-analyses a document on every edit, and the per-function scan cache outlives
 * each version. Texts sliced from a version keep that whole version alive in V8, so a cache holding
 * such slices grows by one document per edit.
 */
describe('analysis cache: edits do not keep old versions of the document alive', () => {
  it('30 edits of a 1 MB file retain far less than 30 versions of it', async function () {
    this.timeout(60000);
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    const syntax = await nodeSyntax();
    const { catalog } = loadCatalog(readBuiltinCatalog().text);
    const base = fixture('llama').text;
    // ~1 MB in one string literal (long runs of comment lines make tree-sitter-python's scanner quadratic).
    const padding = `\nPADDING = """${`${'padding '.repeat(128)}\n`.repeat(1000)}"""\n`;
    const at = base.indexOf('        return self.down_proj');
    assert.ok(at > 0);
    const version = (n: number) => base.slice(0, at) + `        x = x.float()  # edit ${n}\n` + base.slice(at) + padding;
    analyzeSource(syntax, version(-1), 'm.py', catalog); // the unchanged functions are cached from here on
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let n = 0; n < 30; n++) analyzeSource(syntax, version(n), 'm.py', catalog);
    gc();
    const grown = (process.memoryUsage().heapUsed - before) / 1e6;
    // One version is ~1 MB: keeping each would add ~30 MB.
    assert.ok(grown < 8, `heap grew by ${grown.toFixed(1)} MB over 30 edits`);
  });
});

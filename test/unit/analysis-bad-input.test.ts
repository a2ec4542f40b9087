import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { analyzeSource, looksLikeModelCode, MAX_SOURCE_CHARS } from '../../src/core/analysis';
import { loadCatalog, type Catalog } from '../../src/core/catalog';
import { formatMessage } from '../../src/core/i18n';
import type { Syntax } from '../../src/core/syntax';
import { readBuiltinCatalog } from '../../src/node/catalogFile';
import { nodeSyntax } from '../../src/node/syntax';
import '../../src/core/messages';

const FIXTURES = path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'models-src');

let syntax: Syntax;
let catalog: Catalog;

before(async () => {
  syntax = await nodeSyntax();
  catalog = loadCatalog(readBuiltinCatalog().text).catalog;
});

describe('analysis: bad input gives clear results, never a throw', () => {
  it('a syntax error is reported at its line and the rest of the file is still analysed', () => {
    const text = fs.readFileSync(path.join(FIXTURES, 'llama', 'modeling_llama.py'), 'utf8');
    const lines = text.split('\n');
    const mlpForward = lines.findIndex((l) => l.includes('return self.down_proj'));
    lines[mlpForward] = '        return self.down_proj(self.act_fn(self.gate_proj(x) * self.up_proj(x)  # unclosed';
    const broken = lines.join('\n');
    const result = analyzeSource(syntax, broken, 'broken.py', catalog);
    const syntaxErrors = result.diagnostics.filter((d) => d.code === 'atb.python-syntax');
    assert.ok(syntaxErrors.length >= 1);
    assert.ok(syntaxErrors.some((d) => d.range.start.line >= mlpForward - 1 && d.range.start.line <= mlpForward + 3), JSON.stringify(syntaxErrors.map((d) => d.range)));
    assert.ok(result.notes.some((n) => n.code === 'analysis.note.syntaxErrors'));
    assert.match(formatMessage(result.diagnostics[0].message, 'zh-cn'), /语法错误/);
    // Classes after the error are still found and analysed.
    assert.ok(result.isModelCode);
    assert.ok(result.uses.some((u) => u.name === 'torch.arange'));
  });

  it('a file that is only garbage says there is no model code', () => {
    const result = analyzeSource(syntax, 'def (((\n\x00\x01 class ::: \n'.repeat(50), 'junk.py', catalog);
    assert.strictEqual(result.isModelCode, false);
    assert.strictEqual(result.root, undefined);
    assert.ok(result.notes.some((n) => n.code === 'analysis.note.notModelCode'));
  });

  it('a non-model Python file is recognised as such and reports nothing', () => {
    const text = ['import torch', '', 'def main():', '    x = torch.fft.rfft(torch.ones(4))', '    return x + 1', '', 'class Config:', '    hidden = 4', ''].join('\n');
    const tree = syntax.parser('python').parse(text)!;
    assert.strictEqual(looksLikeModelCode(tree), false);
    tree.delete();
    const result = analyzeSource(syntax, text, 'tool.py', catalog);
    assert.strictEqual(result.isModelCode, false);
    assert.deepStrictEqual(result.uses, []);
    assert.deepStrictEqual(result.diagnostics, []);
    assert.match(formatMessage(result.notes[0], 'en'), /tool\.py defines no nn\.Module/);
  });

  it('a 3 MB generated file is refused quickly with its size', () => {
    const row = 'WEIGHTS_TABLE_ENTRY = [' + '0.123456789, '.repeat(20) + ']\n';
    const text = 'import torch\nfrom torch import nn\nclass Big(nn.Module):\n    pass\n' + row.repeat(Math.ceil((3 * 1024 * 1024) / row.length));
    assert.ok(text.length > 3 * 1024 * 1024 && text.length > MAX_SOURCE_CHARS);
    const start = Date.now();
    const result = analyzeSource(syntax, text, 'generated.py', catalog);
    assert.ok(Date.now() - start < 500, 'refused without parsing');
    assert.strictEqual(result.root, undefined);
    assert.strictEqual(result.notes[0].code, 'analysis.note.tooLarge');
    assert.match(formatMessage(result.notes[0], 'en'), /generated\.py is 3\.0 MB, over the 2 MB limit/);
  });

  it('a large but allowed generated model file (about 400 KB) is analysed without error', function () {
    this.timeout(20000);
    const layer = (i: number) => `class Layer${i}(nn.Module):\n    def __init__(self, config):\n        super().__init__()\n        self.proj = nn.Linear(4, 4)\n    def forward(self, x):\n        return self.proj(x).view(-1) + x\n\n`;
    let text = 'import torch\nfrom torch import nn\n\n';
    for (let i = 0; text.length < 400_000; i++) text += layer(i);
    const result = analyzeSource(syntax, text, 'huge_model.py', catalog);
    assert.ok(result.isModelCode);
    assert.ok(result.modelClasses.length > 1000);
    assert.ok(result.uses.length > 2000);
  });

  it('empty text and a lone class header do not throw', () => {
    assert.strictEqual(analyzeSource(syntax, '', 'empty.py', catalog).isModelCode, false);
    const r = analyzeSource(syntax, 'class M(nn.Module):\n    def forward(self, x:\n', 'half.py', catalog);
    assert.strictEqual(r.isModelCode, true);
    assert.ok(r.diagnostics.some((d) => d.code === 'atb.python-syntax'));
  });
});

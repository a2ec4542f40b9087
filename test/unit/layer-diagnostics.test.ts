import * as assert from 'assert';
import { formatMessage } from '../../src/core/i18n';
import '../../src/core/messages';
import { diagnoseLayer } from '../../src/core/layer/diagnostics';
import { quantizeLayer } from '../../src/core/quantize';
import type { Syntax } from '../../src/core/syntax';
import { nodeSyntax } from '../../src/node/syntax';
import { fixtureInput } from '../compile/layer-fixtures';

function summary(ds: ReturnType<typeof diagnoseLayer>): string[] {
  return ds.map((d) => `${d.code}@${d.range.start.line + 1}`);
}

describe('layer diagnostics: real problems in old-style layers', () => {
  let syntax: Syntax;
  before(async () => {
    syntax = await nodeSyntax();
  });
  const diagnose = (caseName: string, edit: (cpp: string) => string = (x) => x) => {
    const input = fixtureInput(caseName);
    return diagnoseLayer(syntax, input.cppPath, edit(input.cppText), input.headerText);
  };
  const line = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;

  it('finds nothing in consistent layers (.cpp and .h)', () => {
    for (const c of ['packed-rope', 'crlf-chinese', 'enum-in-header', 'existing-bias', 'unrolled-mlp']) {
      const input = fixtureInput(c);
      assert.deepStrictEqual(summary(diagnoseLayer(syntax, input.cppPath, input.cppText, input.headerText)), [], c);
      assert.deepStrictEqual(summary(diagnoseLayer(syntax, input.headerPath, input.headerText!, input.cppText)), [], c + '.h');
    }
  });

  it('reports IN_TENSOR_COUNT that disagrees with the enum, on the number', () => {
    const input = fixtureInput('packed-rope');
    const ds = diagnose('packed-rope', (t) => t.replace('IN_TENSOR_COUNT = 17', 'IN_TENSOR_COUNT = 16'));
    assert.deepStrictEqual(summary(ds), [`atb.layer.count-mismatch@${line(input.cppText, 'IN_TENSOR_COUNT = 17')}`]);
    assert.strictEqual(ds[0].severity, 'error');
    assert.ok(/16.*17/.test(formatMessage(ds[0].message)));
    assert.ok(/[\u4e00-\u9fff]/.test(formatMessage(ds[0].message, 'zh-cn')));
    assert.strictEqual(ds[0].range.end.character - ds[0].range.start.character, 2, 'range covers the literal');
  });

  it('reports OUT / INTERMEDIATE / NODE counts that disagree', () => {
    const ds = diagnose('packed-rope', (t) =>
      t.replace('OUT_TENSOR_COUNT = 1;', 'OUT_TENSOR_COUNT = 2;').replace('INTERMEDIATE_TENSOR_COUNT = 12', 'INTERMEDIATE_TENSOR_COUNT = 11').replace('NODE_COUNT = 10', 'NODE_COUNT = 11'),
    );
    assert.deepStrictEqual(
      ds.map((d) => d.message.code),
      ['layer.count-mismatch.out', 'layer.count-mismatch.inter', 'layer.node-count-mismatch'],
    );
  });

  it('reports INTERNAL_TENSOR_COUNT (another spelling) and counts kept in the header', () => {
    const bias = diagnose('existing-bias', (t) => t.replace('INTERNAL_TENSOR_COUNT = 12', 'INTERNAL_TENSOR_COUNT = 13'));
    assert.deepStrictEqual(bias.map((d) => d.message.code), ['layer.count-mismatch.inter']);
    const input = fixtureInput('enum-in-header');
    const header = input.headerText!.replace('IN_TENSOR_COUNT = 19', 'IN_TENSOR_COUNT = 20');
    assert.deepStrictEqual(diagnoseLayer(syntax, input.headerPath, header, input.cppText).map((d) => d.message.code), ['layer.count-mismatch.in']);
  });

  it('reports tensor ids declared but never used (warnings) as found in the fixtures', () => {
    assert.deepStrictEqual(
      diagnose('separate-qkv').map((d) => [d.code, d.severity, d.message.args?.name]),
      [['atb.layer.unused-tensor', 'warning', 'IN_POSITION_IDS']],
    );
    assert.deepStrictEqual(diagnose('v1-helper').map((d) => d.message.args?.name), ['IN_ATTENTION_MASK', 'IN_HOLDER']);
    assert.deepStrictEqual(diagnose('layernorm').map((d) => d.message.args?.name), []);
  });

  it('reports an intermediate used as a node input that no node produces', () => {
    const input = fixtureInput('packed-rope');
    const ds = diagnose('packed-rope', (t) => t.replace('selfAttentionKvCacheNode.outTensorIds = {INTERMIDATE_SELFOUT};', 'selfAttentionKvCacheNode.outTensorIds = {};'));
    assert.deepStrictEqual(summary(ds), [`atb.layer.unproduced-tensor@${line(input.cppText, 'INTERMIDATE_SELFOUT, IN_SELFOUTLINEARWEIGHT')}`]);
    assert.strictEqual(ds[0].message.args?.name, 'INTERMIDATE_SELFOUT');
  });

  it('notes ATB params that current ATB no longer has, with a version note', () => {
    const ds = diagnose('packed-rope', (t) => t.replace('atb::infer::SplitParam splitParam = {2, 3};', 'atb::infer::SplitParam splitParam = {2, 3};\n    atb::infer::MatmulParam legacyMatmul;'));
    assert.deepStrictEqual(ds.map((d) => [d.code, d.message.args?.name]), [['atb.layer.removed-param', 'MatmulParam']]);
    assert.ok(/ATB 1\.0\.RC1/.test(formatMessage(ds[0].message)));
    const quant = quantizeLayer(syntax, fixtureInput('packed-rope'), 'w8a8');
    assert.ok(quant.ok);
    if (quant.ok) {
      const q = diagnoseLayer(syntax, quant.files[0].path, quant.files[0].contents, quant.files[1].contents);
      assert.deepStrictEqual(q.map((d) => [d.code, d.severity]), [['atb.layer.removed-field', 'information']], 'LinearParam::linearType in the W8A8 output');
    }
  });

  it('returns [] for files that are not old-style layers, and for broken input', () => {
    const ns = fixtureInput('new-style');
    assert.deepStrictEqual(diagnoseLayer(syntax, ns.cppPath, ns.cppText, ns.headerText), []);
    assert.deepStrictEqual(diagnoseLayer(syntax, '/x/a.cpp', 'int main() { return 0; }\n'), []);
    assert.deepStrictEqual(diagnoseLayer(syntax, '/x/a.cpp', ''), []);
    assert.deepStrictEqual(diagnoseLayer(syntax, '/x/a.cpp', '\u0000\u0001'), []);
    const input = fixtureInput('packed-rope');
    for (let cut = 100; cut < input.cppText.length; cut += 700) {
      assert.doesNotThrow(() => diagnoseLayer(syntax, input.cppPath, input.cppText.slice(0, cut), input.headerText));
    }
  });
});

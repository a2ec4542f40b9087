import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';

// The TextMate injection that highlights ATB tensor ids and atb::infer::*Param types in C++.
// Its patterns are Oniguruma-compatible subsets of JS regular expressions, so they are checked here.
const grammarPath = path.join(__dirname, '..', '..', '..', 'syntaxes', 'atb-cpp.injection.tmLanguage.json');

describe('catalog: C++ injection grammar for ATB tensor ids', () => {
  const grammar = JSON.parse(fs.readFileSync(grammarPath, 'utf8'));
  const patterns: { name?: string; match: string }[] = [grammar.repository['atb-param-type'], ...grammar.repository['atb-tensor-id'].patterns];
  const scopesOf = (line: string) => {
    const found: string[] = [];
    for (const p of patterns) {
      for (const m of line.matchAll(new RegExp(p.match, 'g'))) found.push(`${m[0]}=${p.name ?? 'param'}`);
    }
    return found.sort();
  };

  it('is injected into C++ outside comments and strings, with the scope name package.json declares', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '..', 'package.json'), 'utf8'));
    assert.strictEqual(pkg.contributes.grammars[0].scopeName, grammar.scopeName);
    assert.match(grammar.injectionSelector, /source\.cpp/);
    assert.match(grammar.injectionSelector, /-comment/);
  });

  it('marks input, output and intermediate tensor ids (both spellings) and param types', () => {
    assert.deepStrictEqual(scopesOf('enum InTensorId { IN_HIDDENSTATES = 0, IN_NORMWEIGHT, OUT_LAYEROUT, INTERMIDATE_QKV, INTERMEDIATE_X, INTERNAL_Y };'), [
      'INTERMEDIATE_X=variable.other.constant.atb.tensor.internal',
      'INTERMIDATE_QKV=variable.other.constant.atb.tensor.internal',
      'INTERNAL_Y=variable.other.constant.atb.tensor.internal',
      'IN_HIDDENSTATES=variable.other.constant.atb.tensor.in',
      'IN_NORMWEIGHT=variable.other.constant.atb.tensor.in',
      'OUT_LAYEROUT=variable.other.constant.atb.tensor.out',
    ]);
    assert.deepStrictEqual(scopesOf('atb::infer::RmsNormParam rmsNormParam; infer::LinearParam p;'), ['atb::infer::RmsNormParam=param', 'infer::LinearParam=param']);
  });

  it('leaves look-alikes alone', () => {
    assert.deepStrictEqual(scopesOf('int MIN_SIZE = LOGIN_OK + PRINT_OUTPUT; std::infer::thing; atb::infer::helper();'), []);
  });
});

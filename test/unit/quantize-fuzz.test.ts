/**
 * Robustness: broken input never throws and never produces a broken rewrite. Every outcome is
 * either a refusal with a known code and a real message, or outputs that parse cleanly.
 */
import * as assert from 'assert';
import { formatMessage } from '../../src/core/i18n';
import '../../src/core/messages';
import { quantizeLayer, quantizePaths, type LayerInput, type QuantizeOutcome } from '../../src/core/quantize';
import type { FileReader } from '../../src/core/common';
import type { Syntax } from '../../src/core/syntax';
import { nodeSyntax } from '../../src/node/syntax';
import { fixtureInput, syntaxErrors } from '../compile/layer-fixtures';

/** Small seeded PRNG (mulberry32) so failures reproduce. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function check(syntax: Syntax, outcome: QuantizeOutcome, what: string): void {
  if (outcome.ok) {
    for (const f of outcome.files) assert.deepStrictEqual(syntaxErrors(syntax, f.contents), [], `${what}: output parses`);
    return;
  }
  const { code, message } = outcome.refusal;
  assert.notStrictEqual(code, 'quantize.internal', `${what}: internal error ${formatMessage(message)}`);
  assert.ok(/^quantize(\.[a-z-]+)+$/.test(code), `${what}: code ${code}`); // feature codes may nest: quantize.slots.misfit
  assert.notStrictEqual(formatMessage(message, 'en'), code, `${what}: ${code} has English text`);
  assert.notStrictEqual(formatMessage(message, 'zh-cn'), code, `${what}: ${code} has Chinese text`);
}

function run(syntax: Syntax, input: LayerInput, what: string): QuantizeOutcome {
  let outcome: QuantizeOutcome | undefined;
  assert.doesNotThrow(() => {
    outcome = quantizeLayer(syntax, input, 'w8a8');
  }, what);
  check(syntax, outcome!, what);
  return outcome!;
}

describe('quantize: robustness against broken input', function () {
  this.timeout(60000);
  let syntax: Syntax;
  let base: LayerInput;
  before(async () => {
    syntax = await nodeSyntax();
    base = fixtureInput('packed-rope');
  });

  it('truncated .cpp at 80 offsets: a refusal (mostly syntax-error) or a clean rewrite, never a throw', () => {
    const codes = new Set<string>();
    for (let i = 1; i <= 80; i++) {
      const cut = Math.floor((base.cppText.length * i) / 81);
      const o = run(syntax, { ...base, cppText: base.cppText.slice(0, cut) }, `cpp cut at ${cut}`);
      if (!o.ok) codes.add(o.refusal.code);
    }
    assert.ok(codes.has('quantize.syntax-error'), [...codes].join());
  });

  it('truncated .h at 40 offsets', () => {
    for (let i = 1; i <= 40; i++) {
      const cut = Math.floor((base.headerText!.length * i) / 41);
      run(syntax, { ...base, headerText: base.headerText!.slice(0, cut) }, `h cut at ${cut}`);
    }
  });

  it('random byte flips (seeded) in both files', () => {
    const random = prng(20240611);
    for (let i = 0; i < 120; i++) {
      const which = i % 2 === 0 ? 'cppText' : 'headerText';
      const bytes = Buffer.from(base[which]!, 'utf8');
      const flips = 1 + Math.floor(random() * 4);
      for (let k = 0; k < flips; k++) bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
      run(syntax, { ...base, [which]: bytes.toString('utf8') }, `flip #${i} in ${which}`);
    }
  });

  it('a 5 MB file is refused as too large, quickly', () => {
    const big = base.cppText + '// padding\n'.repeat(Math.ceil((5 * 1024 * 1024) / 11));
    const start = Date.now();
    const o = run(syntax, { ...base, cppText: big }, '5 MB');
    assert.ok(!o.ok && o.refusal.code === 'quantize.too-large');
    assert.ok(Date.now() - start < 2000);
  });

  it('empty, whitespace-only and binary files get their own reasons', () => {
    for (const [text, code] of [
      ['', 'quantize.empty'],
      ['  \n\r\n\t', 'quantize.empty'],
      ['\u0000\u0001ELF\u0002\u0000\u0000garbage', 'quantize.not-text'],
      [Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 131) % 256)).toString('utf8'), 'quantize.not-text'],
    ] as const) {
      const o = run(syntax, { ...base, cppText: text }, JSON.stringify(text.slice(0, 8)));
      assert.ok(!o.ok && o.refusal.code === code, `${JSON.stringify(text.slice(0, 8))}: ${!o.ok && o.refusal.code}`);
    }
    const emptyHeader = run(syntax, { ...base, headerText: '' }, 'empty header');
    assert.ok(!emptyHeader.ok && emptyHeader.refusal.code === 'quantize.empty' && emptyHeader.refusal.path === base.headerPath);
  });

  it('a missing .h is a refusal that names the header', () => {
    const o = run(syntax, { ...base, headerText: undefined }, 'no header');
    assert.ok(!o.ok && o.refusal.code === 'quantize.missing-header');
  });

  it('plain C++ that is not a layer, and a header-only struct, are refused as not-a-layer', () => {
    const o = run(syntax, { ...base, cppText: 'int main() { return 0; }\n' }, 'not a layer');
    assert.ok(!o.ok && o.refusal.code === 'quantize.not-a-layer');
  });

  it('quantizePaths never throws, even when the reader fails', async () => {
    const failing: FileReader = {
      readText: async () => {
        throw new Error('EACCES');
      },
      readBytes: async () => undefined,
      size: async () => {
        throw new Error('EIO');
      },
      list: async () => {
        throw new Error('EIO');
      },
    };
    const r = await quantizePaths(syntax, failing, ['/x/a.cpp', '/x/b.h', '/x/c.txt', '/x'], 'w8a8');
    assert.strictEqual(r.results.length, 0);
    assert.deepStrictEqual(
      r.skipped.map((s) => s.reason.code),
      ['quantize.skip.missing', 'quantize.skip.missing', 'quantize.skip.missing', 'quantize.skip.missing'],
    );
  });
});

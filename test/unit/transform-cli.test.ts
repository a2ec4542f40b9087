import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { main } from '../../src/cli/main';
import type { CliIO } from '../../src/cli/io';
import type { Locale } from '../../src/core/i18n';
import { FIXTURES } from '../compile/layer-fixtures';

interface Captured {
  code: number;
  out: string;
  err: string;
}

async function cli(args: string[], cwd: string, locale: Locale = 'en'): Promise<Captured> {
  let out = '';
  let err = '';
  const io: CliIO = { out: (t) => (out += t + '\n'), err: (t) => (err += t + '\n'), cwd, locale };
  const code = await main(['transform', ...args], io);
  return { code, out, err };
}

/** Relative paths of every file under `dir`. */
function tree(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(path.relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}

function copyCase(caseName: string, to: string, rename?: string): void {
  fs.mkdirSync(to, { recursive: true });
  for (const f of fs.readdirSync(path.join(FIXTURES, caseName))) {
    const target = rename ? f.replace(/^[^.]+/, rename) : f;
    fs.copyFileSync(path.join(FIXTURES, caseName, f), path.join(to, target));
  }
}

describe('atb-migrate transform (CLI, in-process)', function () {
  this.timeout(30000);
  let tmp: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'atb-transform-'));
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('converts one layer: exit 0, writes quant_<name>.cpp/.h next to it, no temp files left', async () => {
    copyCase('packed-rope', tmp);
    const r = await cli(['-s', 'flash_attention_rope_layer.cpp'], tmp);
    assert.strictEqual(r.code, 0, r.err);
    assert.deepStrictEqual(tree(tmp), [
      'flash_attention_rope_layer.cpp',
      'flash_attention_rope_layer.h',
      'quant_flash_attention_rope_layer.cpp',
      'quant_flash_attention_rope_layer.h',
    ]);
    assert.ok(r.out.includes('IN_TENSOR_COUNT 17 -> 28'), r.out);
    assert.ok(fs.readFileSync(path.join(tmp, 'quant_flash_attention_rope_layer.cpp'), 'utf8').includes('QuantFlashAttentionRopeLayer'));
  });

  it('--enable-sparse names the outputs sparse_quant_* and uses LinearSparseParam', async () => {
    copyCase('packed-rope', tmp);
    const r = await cli(['--source', tmp, '--enable-sparse'], tmp);
    assert.strictEqual(r.code, 0, r.err);
    assert.ok(tree(tmp).includes('sparse_quant_flash_attention_rope_layer.cpp'));
    assert.ok(tree(tmp).includes('sparse_quant_flash_attention_rope_layer.h'));
    const cpp = fs.readFileSync(path.join(tmp, 'sparse_quant_flash_attention_rope_layer.cpp'), 'utf8');
    assert.strictEqual(cpp.split('LinearSparseParam').length - 1, 1);
  });

  it('a .h as source resolves to its .cpp', async () => {
    copyCase('separate-qkv', tmp);
    const r = await cli(['-s', 'flash_attention_layer.h'], tmp);
    assert.strictEqual(r.code, 0, r.err);
    assert.ok(tree(tmp).includes('quant_flash_attention_layer.cpp'));
  });

  it('a refused layer: exit 1, the reason with its code on stderr, nothing written', async () => {
    copyCase('mixed-branches', tmp);
    const before = tree(tmp);
    const r = await cli(['-s', 'flash_attention_rope_layer.cpp'], tmp);
    assert.strictEqual(r.code, 1);
    assert.ok(r.err.includes('[quantize.mixed-branches]'), r.err);
    assert.ok(/flash_attention_rope_layer\.cpp:\d+: refused/.test(r.err), 'file:line of the obstacle');
    assert.deepStrictEqual(tree(tmp), before);
  });

  it('refusals are in Chinese for a zh-cn user', async () => {
    copyCase('new-style', tmp);
    const r = await cli(['-s', '.'], tmp, 'zh-cn');
    assert.strictEqual(r.code, 1);
    assert.ok(/运行时/.test(r.err), r.err);
  });

  it('--dry-run writes nothing and says what it would write', async () => {
    copyCase('packed-rope', tmp);
    const before = tree(tmp);
    const r = await cli(['-s', '.', '--dry-run'], tmp);
    assert.strictEqual(r.code, 0, r.err);
    assert.deepStrictEqual(tree(tmp), before);
    assert.ok(r.out.includes('quant_flash_attention_rope_layer.cpp'), r.out);
  });

  it('--out-dir writes there instead of next to the input', async () => {
    copyCase('packed-rope', path.join(tmp, 'src'));
    const r = await cli(['-s', 'src', '--out-dir', 'gen'], tmp);
    assert.strictEqual(r.code, 0, r.err);
    assert.deepStrictEqual(tree(path.join(tmp, 'gen')), ['quant_flash_attention_rope_layer.cpp', 'quant_flash_attention_rope_layer.h']);
    assert.deepStrictEqual(tree(path.join(tmp, 'src')), ['flash_attention_rope_layer.cpp', 'flash_attention_rope_layer.h']);
  });

  it('folder mode: converts pairs, skips quant names and lone .cpp files with reasons, refuses the rest (exit 1)', async () => {
    copyCase('packed-rope', tmp);
    copyCase('already-quantized', tmp);
    copyCase('mixed-branches', tmp, 'gpt_style_layer');
    fs.copyFileSync(path.join(FIXTURES, 'separate-qkv', 'flash_attention_layer.cpp'), path.join(tmp, 'lonely_layer.cpp'));
    fs.writeFileSync(path.join(tmp, 'notes.txt'), 'not a layer');
    const r = await cli(['-s', '.', '--json'], tmp);
    assert.strictEqual(r.code, 1, r.err);
    const summary = JSON.parse(r.out);
    assert.deepStrictEqual(Object.keys(summary).sort(), ['converted', 'dryRun', 'mode', 'refused', 'skipped', 'writeErrors', 'written']);
    assert.strictEqual(summary.mode, 'w8a8');
    assert.deepStrictEqual(summary.converted.map((c: { input: string }) => path.basename(c.input)), ['flash_attention_rope_layer.cpp']);
    const converted = summary.converted[0];
    assert.strictEqual(converted.addedTensors.length, 11);
    assert.deepStrictEqual(converted.counts.find((c: { name: string }) => c.name === 'IN_TENSOR_COUNT'), { name: 'IN_TENSOR_COUNT', before: 17, after: 28 });
    assert.ok(converted.renamed.some((x: { from: string; to: string }) => x.from === 'FlashAttentionRopeLayer' && x.to === 'QuantFlashAttentionRopeLayer'));
    assert.deepStrictEqual(summary.refused.map((x: { input: string; code: string }) => [path.basename(x.input), x.code]), [['gpt_style_layer.cpp', 'quantize.mixed-branches']]);
    assert.ok(summary.refused[0].message.includes('quantModel'));
    assert.deepStrictEqual(
      summary.skipped.map((s: { path: string; code: string }) => [path.basename(s.path), s.code]),
      [
        ['flash_attention_quant_layer.cpp', 'quantize.skip.quant-name'],
        ['lonely_layer.cpp', 'quantize.skip.no-header'],
      ],
    );
    assert.deepStrictEqual(summary.written.map((w: string) => path.basename(w)).sort(), ['quant_flash_attention_rope_layer.cpp', 'quant_flash_attention_rope_layer.h']);
    assert.ok(!tree(tmp).some((f) => f.startsWith('quant_gpt_style')), 'refused layer not written');
  });

  it('--json messages follow the locale', async () => {
    copyCase('mixed-branches', tmp);
    const r = await cli(['-s', '.', '--json'], tmp, 'zh-cn');
    const summary = JSON.parse(r.out);
    assert.strictEqual(summary.refused[0].code, 'quantize.mixed-branches');
    assert.ok(/运行时/.test(summary.refused[0].message), summary.refused[0].message);
  });

  it('broken inputs (truncated, binary, empty, missing .h): exit 1, a reason for each, nothing written', async () => {
    const good = fs.readFileSync(path.join(FIXTURES, 'packed-rope', 'flash_attention_rope_layer.cpp'), 'utf8');
    const header = fs.readFileSync(path.join(FIXTURES, 'packed-rope', 'flash_attention_rope_layer.h'), 'utf8');
    fs.writeFileSync(path.join(tmp, 'cut_layer.cpp'), good.slice(0, Math.floor(good.length / 2)));
    fs.writeFileSync(path.join(tmp, 'cut_layer.h'), header);
    fs.writeFileSync(path.join(tmp, 'blob_layer.cpp'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 0, 1, 2, 3, 0, 255, 254]));
    fs.writeFileSync(path.join(tmp, 'blob_layer.h'), header);
    fs.writeFileSync(path.join(tmp, 'empty_layer.cpp'), '');
    fs.writeFileSync(path.join(tmp, 'empty_layer.h'), '');
    const before = tree(tmp);
    const r = await cli(['-s', '.', '--json'], tmp);
    assert.strictEqual(r.code, 1);
    const summary = JSON.parse(r.out);
    assert.deepStrictEqual(
      summary.refused.map((x: { input: string; code: string }) => [path.basename(x.input), x.code]),
      [
        ['blob_layer.cpp', 'quantize.not-text'],
        ['cut_layer.cpp', 'quantize.syntax-error'],
        ['empty_layer.cpp', 'quantize.empty'],
      ],
    );
    assert.deepStrictEqual(tree(tmp), before);
    const single = await cli(['-s', 'cut_layer.cpp', '-l', 'debug'], tmp);
    assert.strictEqual(single.code, 1);
    assert.ok(/line \d+/.test(single.err), single.err);
    fs.rmSync(path.join(tmp, 'cut_layer.h'));
    const noHeader = await cli(['-s', 'cut_layer.cpp'], tmp);
    assert.strictEqual(noHeader.code, 1);
    assert.ok(noHeader.err.includes('quantize.missing-header'), noHeader.err);
  });

  it('-l debug lists the new tensors and renames', async () => {
    copyCase('packed-rope', tmp);
    const r = await cli(['-s', '.', '-l', 'debug'], tmp);
    assert.strictEqual(r.code, 0);
    assert.ok(r.err.includes('IN_QKVMIXEDLINEARWEIGHT_DEQSCALE') && r.err.includes('QuantFlashAttentionRopeLayerBinder'), r.err);
  });

  it('bad usage exits 2: no source, unknown flag, bad -l, missing path', async () => {
    for (const args of [[], ['--frobnicate', '-s', '.'], ['-s', '.', '-l', 'loud'], ['-s', 'does/not/exist.cpp'], ['-s']]) {
      const r = await cli(args, tmp);
      assert.strictEqual(r.code, 2, `${args.join(' ')}: ${r.err}`);
      assert.ok(r.err.length > 0);
    }
    assert.deepStrictEqual(tree(tmp), []);
  });

  it('-h prints the usage and exits 0', async () => {
    const r = await cli(['-h'], tmp);
    assert.strictEqual(r.code, 0);
    assert.ok(r.out.includes('--enable-sparse'));
  });

  it('-l error keeps stdout quiet on success', async () => {
    copyCase('packed-rope', tmp);
    const r = await cli(['-s', '.', '-l', 'error'], tmp);
    assert.strictEqual(r.code, 0);
    assert.strictEqual(r.out, '');
  });
});

import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { main } from '../../src/cli/main';
import type { CliIO } from '../../src/cli/io';
import { FIXTURES, tempDir } from './modelDirHelpers';

const REWRITE = path.resolve(__dirname, '../../../test/fixtures/rewrite');
const ONNX = path.resolve(__dirname, '../../../test/fixtures/onnx');

function capture(cwd: string, locale: CliIO['locale'] = 'en') {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIO = { out: (t) => out.push(t), err: (t) => err.push(t), cwd, locale };
  return { io, out, err };
}

function copyFixture(name: string): string {
  const file = path.join(tempDir('rw'), name);
  fs.copyFileSync(path.join(REWRITE, name), file);
  return file;
}

describe('cli: atb-migrate rewrite --static-shape', function () {
  this.timeout(20000);

  it('rewrites the file in place and says what it applied', async () => {
    const file = copyFixture('modeling_tiny_v444.py');
    const c = capture(path.dirname(file));
    assert.strictEqual(await main(['rewrite', 'modeling_tiny_v444.py', '--static-shape'], c.io), 0, c.err.join('\n'));
    const after = fs.readFileSync(file, 'utf8');
    assert.match(after, /past_kv = \(key_states, value_states\)/);
    assert.deepStrictEqual(c.out.filter((l) => l.startsWith('applied ')).map((l) => l.split(':')[0]), ['applied rotary', 'applied repeat-kv', 'applied attention-layout', 'applied pretraining-tp']);
    assert.deepStrictEqual(fs.readdirSync(path.dirname(file)), ['modeling_tiny_v444.py'], 'no temp files left');
  });

  it('--only with --dry-run --json writes nothing and reports the refusal of a partial layout group', async () => {
    const file = copyFixture('modeling_tiny_v444.py');
    const before = fs.readFileSync(file, 'utf8');
    const c = capture(path.dirname(file));
    const code = await main(['rewrite', file, '--static-shape', '--only', 'pretraining-tp,rotary', '--dry-run', '--json'], c.io);
    assert.strictEqual(code, 0);
    const r = JSON.parse(c.out.join(''));
    assert.deepStrictEqual(r.applied.map((a: { edit: string }) => a.edit), ['pretraining-tp']);
    assert.deepStrictEqual(r.refused.map((a: { code: string }) => a.code), ['rewrite.layout.together']);
    assert.strictEqual(r.written, false);
    assert.doesNotMatch(r.contents, /if self\.config\.pretraining_tp > 1:/);
    assert.strictEqual(fs.readFileSync(file, 'utf8'), before);
  });

  it('a 4.48+/5.x file: nothing applies, exit 1, reasons printed in Chinese, file unchanged', async () => {
    const file = copyFixture('modeling_tiny_v5.py');
    const before = fs.readFileSync(file, 'utf8');
    const c = capture(path.dirname(file), 'zh-cn');
    assert.strictEqual(await main(['rewrite', file, '--static-shape', '-o', path.join(path.dirname(file), 'out.py')], c.io), 1);
    assert.ok(c.err.some((l) => l.includes('注意力函数注册表')), c.err.join('\n'));
    assert.strictEqual(fs.readFileSync(file, 'utf8'), before);
    assert.ok(!fs.existsSync(path.join(path.dirname(file), 'out.py')));
  });

  it('usage errors exit 2', async () => {
    const c = capture('/');
    assert.strictEqual(await main(['rewrite', 'x.py'], c.io), 2);
    assert.strictEqual(await main(['rewrite', 'x.py', '--static-shape', '--only', 'rotary,bogus'], c.io), 2);
    assert.match(c.err.join('\n'), /not: bogus/);
    assert.strictEqual(await main(['rewrite', '/nonexistent/modeling_x.py', '--static-shape'], c.io), 1);
  });
});

describe('cli: atb-migrate generate --target onnx', function () {
  this.timeout(20000);

  it('writes export_onnx.py and README.md with the chosen sequence length', async () => {
    const out = tempDir('onnx');
    const c = capture(out);
    assert.strictEqual(await main(['generate', path.join(ONNX, 'tiny-llama'), '--target', 'onnx', '--seq-length', '256', '--out', out], c.io), 0, c.err.join('\n'));
    assert.deepStrictEqual(fs.readdirSync(out).sort(), ['README.md', 'export_onnx.py']);
    assert.match(fs.readFileSync(path.join(out, 'export_onnx.py'), 'utf8'), /^DEFAULT_SEQ_LENGTH = 256$/m);
    assert.match(fs.readFileSync(path.join(out, 'README.md'), 'utf8'), /--seq_length 256/);
  });

  it('defaults the output folder to ./<model folder>-onnx', async () => {
    const cwd = tempDir('cwd');
    const c = capture(cwd);
    assert.strictEqual(await main(['generate', path.join(ONNX, 'tiny-gemma'), '--target', 'onnx'], c.io), 0, c.err.join('\n'));
    assert.ok(fs.existsSync(path.join(cwd, 'tiny-gemma-onnx', 'export_onnx.py')));
  });

  it('refuses a MoE model with the reason and writes nothing; rejects an unknown target', async () => {
    const out = tempDir('onnx-moe');
    const c = capture(out);
    assert.strictEqual(await main(['generate', path.join(FIXTURES, 'moe'), '--target', 'onnx', '--out', out], c.io), 1);
    assert.ok(c.err.some((l) => l.includes('[onnx.refused.moe]')), c.err.join('\n'));
    assert.deepStrictEqual(fs.readdirSync(out), []);
    assert.strictEqual(await main(['generate', path.join(FIXTURES, 'moe'), '--target', 'tpu'], c.io), 2);
    assert.strictEqual(await main(['generate', path.join(FIXTURES, 'moe'), '--target', 'onnx', '--seq-length', '0'], c.io), 2);
  });
});

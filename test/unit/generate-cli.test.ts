import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { main } from '../../src/cli/main';
import type { CliIO } from '../../src/cli/io';
import { FIXTURES, tempDir } from './modelDirHelpers';

function capture(cwd: string, locale: CliIO['locale'] = 'en') {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIO = { out: (t) => out.push(t), err: (t) => err.push(t), cwd, locale };
  return { io, out, err };
}

const listFiles = (dir: string): string[] => (fs.existsSync(dir) ? fs.readdirSync(dir, { recursive: true }).map(String).sort() : []);

describe('cli: atb-migrate generate', function () {
  this.timeout(20000);

  it('writes the five files under <out>/<model_type>/ and exits 0', async () => {
    const out = tempDir('models');
    const c = capture(out);
    const code = await main(['generate', path.join(FIXTURES, 'qwen2'), '--out', out], c.io);
    assert.strictEqual(code, 0, c.err.join('\n'));
    assert.deepStrictEqual(listFiles(path.join(out, 'qwen2')), ['__init__.py', 'config_qwen2.py', 'flash_causal_qwen2_v3.py', 'modeling_qwen2_python.py', 'router_qwen2.py']);
    const snapshot = fs.readFileSync(path.join(FIXTURES, '_snapshots', 'qwen2', 'modeling_qwen2_python.py'), 'utf8');
    assert.strictEqual(fs.readFileSync(path.join(out, 'qwen2', 'modeling_qwen2_python.py'), 'utf8'), snapshot);
    assert.ok(c.out.some((l) => l.startsWith('wrote ') && l.endsWith('flash_causal_qwen2_v3.py')));
  });

  it('--dry-run --json reports files and findings but writes nothing', async () => {
    const out = tempDir('models');
    const c = capture(out);
    const code = await main(['generate', path.join(FIXTURES, 'llama3'), '-o', out, '--model-type', 'my_llama', '--dry-run', '--json'], c.io);
    assert.strictEqual(code, 0);
    const result = JSON.parse(c.out.join(''));
    assert.strictEqual(result.ok, true);
    assert.strictEqual(result.files.length, 5);
    assert.strictEqual(result.files[0].path, path.join(out, 'my_llama', 'flash_causal_my_llama_v3.py'));
    assert.match(result.files[0].contents, /class FlashMy_llamaForCausalLMV3/);
    assert.strictEqual(result.findings.find((f: { key: string }) => f.key === 'numKvHeads').value, 8);
    assert.ok(result.problems.some((p: { code: string }) => p.code === 'generate.allow-list'));
    assert.deepStrictEqual(listFiles(out), []);
  });

  it('refuses (exit 1, nothing written) a broken config, a missing folder and a bad model type', async () => {
    for (const [args, code] of [
      [[path.join(FIXTURES, 'broken-config')], 'modelDir.bad-json'],
      [[path.join(FIXTURES, 'no-config')], 'modelDir.no-config'],
      [[path.join(FIXTURES, 'llama3'), '--model-type', '../../etc'], 'generate.invalid-model-type'],
    ] as const) {
      const out = tempDir('models');
      const c = capture(out);
      assert.strictEqual(await main(['generate', ...args, '--out', out], c.io), 1, args.join(' '));
      assert.ok(c.err.some((l) => l.includes(`[${code}]`)), c.err.join('\n'));
      assert.ok(c.err.some((l) => l.includes('Nothing was written.')));
      assert.deepStrictEqual(listFiles(out), []);
    }
  });

  it('does not overwrite existing files without --force (and writes none of the five)', async () => {
    const out = tempDir('models');
    fs.mkdirSync(path.join(out, 'qwen3'));
    fs.writeFileSync(path.join(out, 'qwen3', 'config_qwen3.py'), '# mine\n');
    const c = capture(out);
    assert.strictEqual(await main(['generate', path.join(FIXTURES, 'qwen3'), '--out', out], c.io), 1);
    assert.deepStrictEqual(listFiles(path.join(out, 'qwen3')), ['config_qwen3.py']);
    assert.strictEqual(fs.readFileSync(path.join(out, 'qwen3', 'config_qwen3.py'), 'utf8'), '# mine\n');
    const forced = capture(out);
    assert.strictEqual(await main(['generate', path.join(FIXTURES, 'qwen3'), '--out', out, '--force'], forced.io), 0);
    assert.match(fs.readFileSync(path.join(out, 'qwen3', 'config_qwen3.py'), 'utf8'), /class Qwen3Config\(BaseConfig\)/);
    assert.deepStrictEqual(listFiles(path.join(out, 'qwen3')).filter((f) => f.endsWith('.tmp')), []);
  });

  it('usage errors exit 2; -l error hides warnings; Chinese messages with a zh locale', async () => {
    const c = capture('/');
    assert.strictEqual(await main(['generate'], c.io), 2);
    assert.strictEqual(await main(['generate', 'x', '--bogus'], c.io), 2);
    assert.strictEqual(await main(['generate', 'x', '-l', 'loud'], c.io), 2);
    assert.strictEqual(await main(['generate', '--help'], capture('/').io), 0);

    const out = tempDir('models');
    const quiet = capture(out);
    assert.strictEqual(await main(['generate', path.join(FIXTURES, 'moe'), '--out', out, '--dry-run', '-l', 'error'], quiet.io), 0);
    assert.deepStrictEqual(quiet.err, []);
    const loud = capture(out, 'zh-cn');
    assert.strictEqual(await main(['generate', path.join(FIXTURES, 'moe'), '--out', out, '--dry-run', '-l', 'warning'], loud.io), 0);
    assert.ok(loud.err.some((l) => l.startsWith('[warning]') && l.includes('混合专家')), loud.err.join('\n'));
  });

  it('usage errors of analyze, generate, rewrite and an unknown command are printed in Chinese under a zh locale', async () => {
    const cases: [string[], string, RegExp][] = [
      [['analyze', 'x', '--bogus'], 'en', /^atb-migrate analyze: unknown option --bogus$/m],
      [['analyze', 'x', '--bogus'], 'zh-cn', /^atb-migrate analyze: 未知选项 --bogus$/m],
      [['analyze', 'a', 'b'], 'zh-cn', /^atb-migrate analyze: 多余的参数 b$/m],
      [['analyze', 'x', '--format', 'xml'], 'zh-cn', /^atb-migrate analyze: --format 只能取 json, csv, json,csv 之一（不是：xml）$/m],
      [['generate', 'x', '--seq-length', '0'], 'en', /^atb-migrate generate: --seq-length needs a positive whole number \(not: 0\)$/m],
      [['generate', 'x', '--seq-length', '0'], 'zh-cn', /^atb-migrate generate: --seq-length 需要一个正整数（不是：0）$/m],
      [['generate', 'x', '-l', 'loud'], 'zh-cn', /^atb-migrate generate: -l, --log-level 只能取 debug, info, warning, error 之一（不是：loud）$/m],
      [['generate', 'x', '--out'], 'zh-cn', /^atb-migrate generate: -o, --out 需要一个值$/m],
      [['generate'], 'zh-cn', /^atb-migrate generate: 缺少 <model dir>$/m],
      [['rewrite', 'x.py', '--static-shape', '--only', 'rotary,bogus'], 'zh-cn', /^atb-migrate rewrite: --only 只能取 rotary, .* 之一（不是：bogus）$/m],
      [['rewrite', 'x.py'], 'zh-cn', /^atb-migrate rewrite: 请指定改写方式：--static-shape$/m],
      [['nonsense'], 'zh-cn', /^atb-migrate: 未知命令 'nonsense'\n\n用法：atb-migrate <命令> \[选项\]\n\n命令：\n/],
    ];
    for (const [argv, locale, expected] of cases) {
      const c = capture(tempDir('usage'), locale as CliIO['locale']);
      assert.strictEqual(await main(argv, c.io), 2, argv.join(' '));
      assert.match(c.err.join('\n'), expected, argv.join(' '));
      assert.deepStrictEqual(c.out, []);
    }
  });

  it('--quant-disable-names takes a comma list or a file (msit style): a quantized fallback layer is an error, nothing written', async () => {
    const out = tempDir('models');
    const listed = capture(out);
    const code = await main(['generate', path.join(FIXTURES, 'quantized'), '--out', out, '--quant-disable-names', 'lm_head,model.layers.0.mlp.down_proj'], listed.io);
    assert.strictEqual(code, 1);
    assert.ok(listed.err.some((l) => l.includes('[modelDir.quant.fallback-not-float]') && l.includes('model.layers.0.mlp.down_proj')), listed.err.join('\n'));
    assert.deepStrictEqual(listFiles(out), []);

    const file = path.join(tempDir('names'), 'disable.txt');
    fs.writeFileSync(file, '# layers kept in float\nlm_head\n\nmodel.layers.0.mlp.down_proj\n');
    const fromFile = capture(out);
    assert.strictEqual(await main(['generate', path.join(FIXTURES, 'quantized'), '--out', out, '--quant-disable-names', file], fromFile.io), 1);
    assert.ok(fromFile.err.some((l) => l.includes('model.layers.0.mlp.down_proj')));

    const ok = capture(out);
    assert.strictEqual(await main(['generate', path.join(FIXTURES, 'quantized'), '--out', out, '--quant-disable-names', 'lm_head', '--dry-run'], ok.io), 0, ok.err.join('\n'));
    assert.strictEqual(await main(['generate', path.join(FIXTURES, 'quantized'), '--out', out, '--quant-disable-names', 'bad name!'], capture(out).io), 2);
  });
});

/**
 * The long `--help` texts of analyze, generate and rewrite, and the `--quant-disable-names` list
 * errors, follow the CLI's language (English, Simplified Chinese) like its other messages.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { main } from '../../src/cli/main';
import type { CliIO } from '../../src/cli/io';
import { DEFAULT_SEQ_LENGTH } from '../../src/core/generate/onnx';
import { FIXTURES, tempDir } from './modelDirHelpers';

function capture(locale: CliIO['locale']) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIO = { out: (t) => out.push(t), err: (t) => err.push(t), cwd: tempDir('help'), locale };
  return { io, out, err };
}

const HAN = /[\u4e00-\u9fff]/;
/** Every flag, one-word placeholder and number a help text names: a translation must keep them all. */
const tokens = (text: string) => new Set([...text.matchAll(/(?<![\w-])--?[a-z][a-z-]*|<[\w.*]+>|\b\d+(\.\d+)*\b/g)].map((m) => m[0]));

describe('cli: --help of analyze, generate and rewrite in English and Chinese', function () {
  this.timeout(20000);

  for (const command of ['analyze', 'generate', 'rewrite']) {
    it(`${command} --help follows the locale and names the same flags in both languages`, async () => {
      const en = capture('en');
      const zh = capture('zh-cn');
      assert.strictEqual(await main([command, '--help'], en.io), 0);
      assert.strictEqual(await main([command, '-h'], zh.io), 0);
      const [e, z] = [en.out.join('\n'), zh.out.join('\n')];
      assert.ok(e.startsWith(`Usage: atb-migrate ${command} `), e);
      assert.ok(z.startsWith(`用法：atb-migrate ${command} `), z);
      assert.ok(!HAN.test(e), 'English help has no Chinese');
      assert.ok(z.split('\n').filter((l) => HAN.test(l)).length >= 8, 'the Chinese help is translated, not just its first line');
      const missing = [...tokens(e)].filter((t) => !tokens(z).has(t));
      assert.deepStrictEqual(missing, [], 'flags, placeholders and numbers of the English help are all in the Chinese one');
      assert.deepStrictEqual(en.err, []);
    });
  }

  it('generate --help states the ONNX default sequence length in both languages', async () => {
    for (const locale of ['en', 'zh-cn'] as const) {
      const c = capture(locale);
      await main(['generate', '--help'], c.io);
      const line = c.out.join('\n').split('\n').find((l) => l.includes('--seq-length'))!;
      assert.ok(line.includes(String(DEFAULT_SEQ_LENGTH)) && !line.includes('{'), line);
    }
  });

  it('a usage error is followed by the help in the same language', async () => {
    const zh = capture('zh-cn');
    assert.strictEqual(await main(['analyze', 'x', '--bogus'], zh.io), 2);
    assert.match(zh.err.join('\n'), /^atb-migrate analyze: 未知选项 --bogus\n\n用法：atb-migrate analyze /);
    const en = capture('en');
    assert.strictEqual(await main(['rewrite'], en.io), 2);
    assert.match(en.err.join('\n'), /^atb-migrate rewrite: missing <modeling_\*\.py>\n\nUsage: atb-migrate rewrite /);
  });

  it('--quant-disable-names errors (bad name, empty list, file without names) in both languages, exit 2', async () => {
    const empty = path.join(tempDir('names'), 'empty.txt');
    fs.writeFileSync(empty, '# nothing here\n\n');
    const cases: [string, RegExp, RegExp][] = [
      ['bad name!', /"bad name!" is not a layer name \(letters, digits, _ and dots\)$/, /"bad name!" 不是层名称（只能含字母、数字、_ 和点）$/],
      [',', /: no layer names given$/, /: 没有给出层名称$/],
      [empty, /: .*empty\.txt names no layer$/, /: .*empty\.txt 中没有任何层名称$/],
    ];
    for (const [value, en, zh] of cases) {
      for (const [locale, expected] of [['en', en], ['zh-cn', zh]] as const) {
        const c = capture(locale);
        assert.strictEqual(await main(['generate', path.join(FIXTURES, 'quantized'), '--dry-run', '--quant-disable-names', value], c.io), 2, value);
        const text = c.err.join('\n');
        assert.ok(text.startsWith('atb-migrate generate: --quant-disable-names: '), text);
        assert.match(text, expected);
      }
    }
  });
});

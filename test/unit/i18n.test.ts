import * as assert from 'assert';
import { allCatalogs, formatMessage, toLocale } from '../../src/core/i18n';
import '../../src/core/messages';

describe('i18n: every engine message exists in English and Simplified Chinese', () => {
  const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort().join(',');

  it('has the same codes and placeholders in both languages', () => {
    assert.ok(allCatalogs().length > 0);
    for (const catalog of allCatalogs()) {
      assert.deepStrictEqual(Object.keys(catalog['zh-cn']).sort(), Object.keys(catalog.en).sort());
      for (const code of Object.keys(catalog.en)) {
        assert.strictEqual(placeholders(catalog['zh-cn'][code]), placeholders(catalog.en[code]), code);
        assert.ok(/[\u4e00-\u9fff]/.test(catalog['zh-cn'][code]), `${code} has no Chinese text`);
      }
    }
  });

  it('has no code defined by two features', () => {
    const seen = new Set<string>();
    for (const catalog of allCatalogs()) {
      for (const code of Object.keys(catalog.en)) {
        assert.ok(!seen.has(code), `duplicate message code ${code}`);
        seen.add(code);
      }
    }
  });

  it('maps locale tags and formats placeholders', () => {
    assert.strictEqual(toLocale('zh-CN'), 'zh-cn');
    assert.strictEqual(toLocale('zh_CN.UTF-8'), 'zh-cn');
    assert.strictEqual(toLocale('en_US.UTF-8'), 'en');
    assert.strictEqual(toLocale(undefined), 'en');
    assert.match(formatMessage({ code: 'cli.transform.summary' }, 'zh-cn'), /量化/);
    assert.strictEqual(formatMessage({ code: 'no.such.code' }), 'no.such.code');
  });
});

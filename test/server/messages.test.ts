/** The server's own wording: every message in English and Chinese, with the same placeholders. */
import * as assert from 'assert';
import { serverMessages } from '../../src/server/messages';

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('server messages', () => {
  it('has every code in en and zh-cn with identical placeholders', () => {
    assert.deepStrictEqual(Object.keys(serverMessages['zh-cn']).sort(), Object.keys(serverMessages.en).sort());
    for (const [code, en] of Object.entries(serverMessages.en)) {
      const zh = serverMessages['zh-cn'][code];
      assert.deepStrictEqual(placeholders(zh), placeholders(en), code);
      assert.match(zh, /[\u4e00-\u9fff]/, `${code} is not translated`);
    }
  });
});

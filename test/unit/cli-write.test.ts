import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { writeAllOrNothing } from '../../src/cli/writeFiles';

describe('cli: all-or-nothing writes', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'atb-write-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  const listAll = (d: string): string[] =>
    fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? listAll(path.join(d, e.name)).map((n) => `${e.name}/${n}`) : [e.name]));

  it('writes every file, creating folders, and leaves no temp files', () => {
    const files = [
      { path: path.join(dir, 'a', 'quant_x.cpp'), contents: '// 中文注释\r\nint x;\r\n' },
      { path: path.join(dir, 'a', 'quant_x.h'), contents: '#pragma once\n' },
    ];
    const outcome = writeAllOrNothing(files);
    assert.deepStrictEqual(outcome, { written: files.map((f) => f.path), failures: [] });
    assert.strictEqual(fs.readFileSync(files[0].path, 'utf8'), files[0].contents);
    assert.deepStrictEqual(listAll(dir).sort(), ['a/quant_x.cpp', 'a/quant_x.h']);
  });

  it('writes nothing when one file cannot be staged, and names it', () => {
    fs.writeFileSync(path.join(dir, 'blocker'), 'a file where a folder is needed');
    const good = path.join(dir, 'ok.cpp');
    const bad = path.join(dir, 'blocker', 'quant_x.h');
    const outcome = writeAllOrNothing([
      { path: good, contents: 'int a;\n' },
      { path: bad, contents: 'int b;\n' },
    ]);
    assert.deepStrictEqual(outcome.written, []);
    assert.strictEqual(outcome.failures.length, 1);
    assert.strictEqual(outcome.failures[0].path, bad);
    assert.deepStrictEqual(listAll(dir), ['blocker'], 'no target and no temp file is left behind');
  });
});

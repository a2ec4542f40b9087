/**
 * Compile check: every fixture and every quantize output must pass `g++ -std=c++17 -fsyntax-only`
 * against the declaration-only ATB stubs in test/compile/atb_stub, and the float, quant and
 * sparse-quant objects must link into one relocatable object (no duplicate symbols).
 * Skipped, with a message, when g++ is not installed.
 */
import * as assert from 'assert';
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import '../../src/core/messages';
import { quantizeLayer, readIncludedSources, type QuantMode } from '../../src/core/quantize';
import { nodeFileReader } from '../../src/node/fileReader';
import { nodeSyntax } from '../../src/node/syntax';
import { FIXTURE_CASES, FIXTURES, STUB } from '../compile/layer-fixtures';

const GXX = process.env.CXX ?? 'g++';
const hasGxx = spawnSync(GXX, ['--version']).status === 0;

function gxx(args: string[], cwd: string): { ok: boolean; output: string } {
  const r = spawnSync(GXX, ['-std=c++17', '-I', STUB, ...args], { cwd, encoding: 'utf8' });
  return { ok: r.status === 0, output: (r.stderr ?? '') + (r.stdout ?? '') };
}

/** Copies a case into `dir`, also at the sub-paths its own quoted includes name (e.g. models/x/layer/y.h). */
function stage(dir: string, files: { name: string; contents: string }[]): void {
  fs.mkdirSync(dir, { recursive: true });
  for (const f of files) fs.writeFileSync(path.join(dir, f.name), f.contents);
  for (const f of files.filter((x) => x.name.endsWith('.cpp'))) {
    for (const m of f.contents.matchAll(/#include "([^"]+\/)([^"/]+\.h)"/g)) {
      const header = files.find((x) => x.name === m[2]);
      if (!header) continue;
      fs.mkdirSync(path.join(dir, m[1]), { recursive: true });
      fs.writeFileSync(path.join(dir, m[1], m[2]), header.contents);
    }
  }
}

describe('quantize: outputs compile against the ATB stubs and link next to the float layer', function () {
  this.timeout(180000);
  let root: string;
  before(function () {
    if (!hasGxx) {
      console.log(`      (skipped: ${GXX} not found; install g++ to run the compile checks)`);
      this.skip();
    }
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'atb-quant-compile-'));
  });
  after(() => {
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  for (const c of FIXTURE_CASES) {
    it(`${c}: the fixture and its outputs compile; float + quant + sparse link together`, async () => {
      const syntax = await nodeSyntax();
      const dir = path.join(FIXTURES, c);
      const files = fs
        .readdirSync(dir, { withFileTypes: true })
        .filter((e) => e.isFile())
        .map(({ name }) => ({ name, contents: fs.readFileSync(path.join(dir, name), 'utf8') }));
      // Sub-folders (a model's own ops/ included by path) are staged as they are.
      const nested = (fs.readdirSync(dir, { recursive: true }) as string[]).filter((p) => p.includes(path.sep) && fs.statSync(path.join(dir, p)).isFile());
      const cppName = files.find((f) => f.name.endsWith('.cpp'))!.name;
      const headerName = cppName.replace(/\.cpp$/, '.h');
      const produced: string[] = [];
      // The headers the layer includes (and their .cpp), as the CLI and the extension read them.
      const included = await readIncludedSources(nodeFileReader, path.join(dir, cppName), files.find((f) => f.name === cppName)!.contents, path.join(dir, headerName));
      for (const mode of ['w8a8', 'w8a8sc'] as QuantMode[]) {
        const outcome = quantizeLayer(
          syntax,
          {
            cppPath: path.join(dir, cppName),
            cppText: files.find((f) => f.name === cppName)!.contents,
            headerPath: path.join(dir, headerName),
            headerText: files.find((f) => f.name === headerName)?.contents,
            included,
          },
          mode,
        );
        if (outcome.ok) {
          for (const f of outcome.files) files.push({ name: path.basename(f.path), contents: f.contents });
          produced.push(path.basename(outcome.files[0].path));
        }
      }
      const caseDir = path.join(root, c);
      stage(caseDir, files);
      for (const p of nested) {
        fs.mkdirSync(path.dirname(path.join(caseDir, p)), { recursive: true });
        fs.copyFileSync(path.join(dir, p), path.join(caseDir, p));
      }
      const units = [cppName, ...produced];
      if (!produced.length) {
        const r = gxx(['-fsyntax-only', cppName], caseDir);
        assert.ok(r.ok, `${cppName} does not compile:\n${r.output}`);
        return;
      }
      // -c checks everything -fsyntax-only does and gives the objects for the link check.
      const objects = units.map((u) => u.replace(/\.cpp$/, '.o'));
      units.forEach((u, i) => {
        const r = gxx(['-c', u, '-o', objects[i]], caseDir);
        assert.ok(r.ok, `${u} does not compile:\n${r.output}`);
      });
      const link = spawnSync(GXX, ['-r', ...objects, '-o', 'all.o'], { cwd: caseDir, encoding: 'utf8' });
      assert.strictEqual(link.status, 0, `duplicate symbols between float and quant layers:\n${link.stderr}`);
    });
  }

  it('the link check can fail: the float layer linked with itself has duplicate symbols', () => {
    const caseDir = path.join(root, 'packed-rope');
    assert.ok(fs.existsSync(path.join(caseDir, 'flash_attention_rope_layer.o')), 'built by the packed-rope case');
    fs.copyFileSync(path.join(caseDir, 'flash_attention_rope_layer.o'), path.join(caseDir, 'copy.o'));
    const link = spawnSync(GXX, ['-r', 'flash_attention_rope_layer.o', 'copy.o', '-o', 'dup.o'], { cwd: caseDir, encoding: 'utf8' });
    assert.notStrictEqual(link.status, 0);
    assert.ok(/multiple definition/.test(link.stderr));
  });

  it('the stubs reject what ATB rejects: LinearSparseParam has no hasBias / linearType', () => {
    const file = path.join(root, 'sparse_misuse.cpp');
    fs.writeFileSync(file, '#include <atb/atb_infer.h>\nvoid f() { atb::infer::LinearSparseParam p = {false, true, 8, 8}; p.hasBias = false; }\n');
    const r = gxx(['-fsyntax-only', file], root);
    assert.ok(!r.ok && /hasBias/.test(r.output));
    execFileSync(GXX, ['--version']);
  });
});

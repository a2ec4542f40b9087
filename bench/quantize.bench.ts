/**
 * Quantize-layer speed, as ratios to a bare tree-sitter parse of the same files in the same run:
 * each fixture, a folder of 40 layer pairs (generated from the fixtures in a temp dir), and the
 * bundled CLI on that folder (wall clock, including Node start-up; needs `node esbuild.mjs`).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { performance } from 'perf_hooks';
import type { Bench, Timing } from './harness';
import '../src/core/messages';
import { quantizeLayer, quantizePaths } from '../src/core/quantize';
import { nodeFileReader } from '../src/node/fileReader';
import { nodeSyntax } from '../src/node/syntax';
import { fixtureInput, REPO } from '../test/compile/layer-fixtures';

/** Runs the functions in turn (after one warm-up round) and records the median of each. */
async function interleaved(b: Bench, names: string[], fns: (() => unknown)[], runs: number): Promise<Timing[]> {
  for (const fn of fns) await fn();
  const samples: number[][] = fns.map(() => []);
  for (let i = 0; i < runs; i++) {
    for (const [k, fn] of fns.entries()) {
      const start = performance.now();
      await fn();
      samples[k].push(performance.now() - start);
    }
  }
  return samples.map((list, k) => {
    list.sort((x, y) => x - y);
    const timing = { name: names[k], median: list[Math.floor(list.length / 2)], runs };
    b.timings.push(timing);
    console.log(`  ${timing.name.padEnd(58)} ${timing.median.toFixed(2).padStart(9)} ms (median of ${runs}, interleaved)`);
    return timing;
  });
}

const CONVERTIBLE = ['packed-rope', 'separate-qkv', 'existing-bias', 'enum-in-header', 'crlf-chinese', 'paged-attention'];

export default async function (b: Bench): Promise<void> {
  const syntax = await nodeSyntax();
  const parser = syntax.parser('cpp');
  const parse = (text: string) => parser.parse(text)!.delete();

  let parseTotal = 0;
  let quantTotal = 0;
  let worstWarm = 0;
  for (const c of CONVERTIBLE) {
    const input = fixtureInput(c);
    // Interleaved so a busy machine slows both sides alike.
    const [bare, quant] = await interleaved(
      b,
      [`parse ${c} (.cpp + .h)`, `quantize ${c} (w8a8)`],
      [
        () => {
          parse(input.cppText);
          parse(input.headerText!);
        },
        () => {
          const r = quantizeLayer(syntax, input, 'w8a8');
          if (!r.ok) throw new Error(`${c} refused: ${r.refusal.code}`);
        },
      ],
      41,
    );
    console.log(`    ratio ${c}: ${(quant.median / bare.median).toFixed(2)}x`);
    parseTotal += bare.median;
    quantTotal += quant.median;
    worstWarm = Math.max(worstWarm, quant.median);
  }
  b.atMost('quantize / bare parse, all fixtures (sum of medians)', quantTotal / parseTotal, 3, 'x');
  b.atMost('single layer pair, warm, in-process (worst fixture)', worstWarm, 15, 'ms');

  // A folder of 40 pairs, named like real layers so folder mode picks every one.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'atb-quant-bench-'));
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'atb-quant-bench-out-'));
  try {
    const texts: string[] = [];
    for (let i = 0; i < 40; i++) {
      const input = fixtureInput(CONVERTIBLE[i % CONVERTIBLE.length]);
      const stem = path.basename(input.cppPath, '.cpp');
      const name = `layer${String(i).padStart(2, '0')}`;
      // The own-header include must follow the new file name.
      const cpp = input.cppText.split(`${stem}.h"`).join(`${name}.h"`);
      fs.writeFileSync(path.join(dir, `${name}.cpp`), cpp);
      fs.writeFileSync(path.join(dir, `${name}.h`), input.headerText!);
      texts.push(cpp, input.headerText!);
    }
    const [bareFolder, quantFolder] = await interleaved(
      b,
      ['read + parse 40 pairs', 'quantizePaths on 40 pairs'],
      [
        async () => {
          for (const f of fs.readdirSync(dir)) parse(await fs.promises.readFile(path.join(dir, f), 'utf8'));
        },
        async () => {
          const r = await quantizePaths(syntax, nodeFileReader, [dir], 'w8a8');
          if (r.results.length !== 40 || r.results.some((x) => !x.outcome.ok)) throw new Error('folder run did not convert all 40');
        },
      ],
      7,
    );
    b.ratio('folder of 40 pairs', quantFolder, bareFolder, 3);

    const bin = path.join(REPO, 'bin', 'atb-migrate.js');
    if (!fs.existsSync(path.join(REPO, 'dist', 'cli.js'))) {
      console.log('  (CLI wall-clock check skipped: dist/cli.js missing, run `node esbuild.mjs`)');
    } else {
      const samples: number[] = [];
      for (let i = 0; i < 3; i++) {
        const start = performance.now();
        const r = spawnSync(process.execPath, [bin, 'transform', '-s', dir, '--out-dir', out], { encoding: 'utf8' });
        samples.push(performance.now() - start);
        if (r.status !== 0) throw new Error(`CLI failed (${r.status}): ${r.stderr}`);
      }
      samples.sort((x, y) => x - y);
      console.log(`  CLI transform on 40 pairs: ${samples.map((s) => s.toFixed(0)).join(', ')} ms`);
      b.atMost('CLI transform, 40 pairs, wall clock incl. start-up (median of 3)', samples[1], 1500, 'ms');
      if (fs.readdirSync(out).length !== 80) throw new Error('CLI did not write 80 files');
    }
  } finally {
    parser.delete();
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(out, { recursive: true, force: true });
  }
}

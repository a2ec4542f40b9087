/**
 * Issue 8's speed targets, each in fresh processes (cold: no JIT warm-up, wasm compiled on the spot):
 * - the bundled CLI (`bin/atb-migrate.js transform -s <folder>`) on a folder of 8 hand-written layer
 *   pairs, against msit's ~0.5 s per layer (process start + libclang): at most 1/10 of its 4 s;
 * - start-up alone (`--version`), next to a bare `node -e 0` measured in the same run;
 * - the engine on one layer (quantizeLayer) against a bare tree-sitter parse of the same two files,
 *   both in a cold process with the CLI's wasm flags: at most 2x.
 * Needs `node esbuild.mjs` for the CLI parts (npm run bench builds first).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { performance } from 'perf_hooks';
import type { Bench, Timing } from './harness';
import { fixtureInput, REPO } from '../test/compile/layer-fixtures';

/** msit llm transform: about 0.5 s per layer on the same kind of machine (process start + libclang). */
const MSIT_MS_PER_LAYER = 500;
const PAIRS = ['packed-rope', 'separate-qkv', 'existing-bias', 'enum-in-header', 'crlf-chinese', 'paged-attention', 'layernorm', 'anti-outlier'];
/** The flags bin/atb-migrate.js sets for a CLI run. */
const CLI_WASM_FLAGS = ['--liftoff-only', '--wasm-lazy-compilation'];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Wall clock of whole processes (median), with the CPU time each child reports for itself. */
function processes(b: Bench, name: string, args: string[], runs: number, cwd = REPO): Timing & { cpu: number } {
  const wall: number[] = [];
  const cpu: number[] = [];
  const probe = path.join(os.tmpdir(), `atb-bench-cpu-${process.pid}.js`);
  fs.writeFileSync(probe, "process.on('exit', () => { const u = process.cpuUsage(); process.stderr.write(`\\nATB_BENCH_CPU ${(u.user + u.system) / 1000}\\n`); });\n");
  try {
    for (let i = 0; i < runs; i++) {
      const start = performance.now();
      const r = spawnSync(process.execPath, ['--require', probe, ...args], { cwd, encoding: 'utf8' });
      wall.push(performance.now() - start);
      if (r.status !== 0) throw new Error(`${name} failed (${r.status}): ${r.stderr}`);
      const m = /ATB_BENCH_CPU ([\d.]+)/.exec(r.stderr);
      if (m) cpu.push(Number(m[1]));
    }
  } finally {
    fs.rmSync(probe, { force: true });
  }
  const timing = { name, median: median(wall), runs, cpu: median(cpu) };
  b.timings.push(timing);
  console.log(`  ${name.padEnd(58)} ${timing.median.toFixed(0).padStart(6)} ms wall, ${timing.cpu.toFixed(0).padStart(5)} ms CPU (median of ${runs} processes)`);
  return timing;
}

/** One cold child that loads tree-sitter, then times `what` on the two files once. */
function coldChild(what: 'parse' | 'quantize', cppPath: string, headerPath: string): number {
  const script = `
    const { performance } = require('perf_hooks');
    const fs = require('fs');
    require(${JSON.stringify(path.join(REPO, 'out', 'src', 'core', 'messages'))});
    const { nodeCppSyntax } = require(${JSON.stringify(path.join(REPO, 'out', 'src', 'node', 'syntax'))});
    const { quantizeLayer } = require(${JSON.stringify(path.join(REPO, 'out', 'src', 'core', 'quantize'))});
    const cppText = fs.readFileSync(${JSON.stringify(cppPath)}, 'utf8');
    const headerText = fs.readFileSync(${JSON.stringify(headerPath)}, 'utf8');
    nodeCppSyntax().then((syntax) => {
      const start = performance.now();
      if (${JSON.stringify(what)} === 'parse') {
        const parser = syntax.parser('cpp');
        parser.parse(cppText).delete();
        parser.parse(headerText).delete();
        parser.delete();
      } else {
        const r = quantizeLayer(syntax, { cppPath: ${JSON.stringify(cppPath)}, cppText, headerPath: ${JSON.stringify(headerPath)}, headerText }, 'w8a8');
        if (!r.ok) throw new Error(r.refusal.code);
      }
      process.stdout.write(String(performance.now() - start));
    });`;
  const r = spawnSync(process.execPath, [...CLI_WASM_FLAGS, '-e', script], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`cold ${what} failed: ${r.stderr}`);
  return Number(r.stdout);
}

export default async function (b: Bench): Promise<void> {
  const bin = path.join(REPO, 'bin', 'atb-migrate.js');
  if (!fs.existsSync(path.join(REPO, 'dist', 'cli.js'))) {
    console.log('  (skipped: dist/cli.js missing, run `node esbuild.mjs`)');
    return;
  }
  // A folder of 8 pairs, each renamed so folder mode takes it (same-named .h, no "quant").
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'atb-quant-cli-bench-'));
  try {
    for (const [i, c] of PAIRS.entries()) {
      const input = fixtureInput(c);
      const stem = path.basename(input.cppPath, '.cpp');
      const name = `layer${i}_${stem}`;
      fs.writeFileSync(path.join(dir, `${name}.cpp`), input.cppText.split(`${stem}.h"`).join(`${name}.h"`));
      fs.writeFileSync(path.join(dir, `${name}.h`), input.headerText!);
    }
    const node = processes(b, 'node -e 0 (bare Node start-up)', ['-e', '0'], 7);
    const version = processes(b, 'atb-migrate --version', [bin, '--version'], 7);
    const cli = processes(b, `atb-migrate transform -s <${PAIRS.length} pairs> --dry-run`, [bin, 'transform', '-s', dir, '--dry-run'], 7);
    const msit = PAIRS.length * MSIT_MS_PER_LAYER;
    console.log(`  msit on the same folder: ~${msit} ms; CLI / msit = 1/${(msit / cli.median).toFixed(1)} (wall), 1/${(msit / cli.cpu).toFixed(1)} (CPU)`);
    console.log(`  start-up over bare Node: ${(version.median - node.median).toFixed(0)} ms wall`);
    b.atMost(`CLI on ${PAIRS.length} pairs, whole process, wall (target 1/10 of msit's ${msit} ms; goal 1/20)`, cli.median, msit / 10, 'ms');
    b.atMost(`CLI on ${PAIRS.length} pairs, whole process, CPU (goal 1/20 of msit)`, cli.cpu, msit / 20, 'ms');
    b.ratio('start-up (--version) over bare Node', version, node, 2);

    // Engine per layer vs bare parse of the same two files, cold processes, interleaved.
    const cases = ['packed-rope', 'layernorm', 'anti-outlier'];
    const bare: number[] = [];
    const engine: number[] = [];
    for (let i = 0; i < 5; i++) {
      for (const c of cases) {
        const input = fixtureInput(c);
        bare.push(coldChild('parse', input.cppPath, input.headerPath));
        engine.push(coldChild('quantize', input.cppPath, input.headerPath));
      }
    }
    const parseT = { name: 'cold bare parse (.cpp + .h)', median: median(bare), runs: bare.length };
    const engineT = { name: 'cold quantizeLayer (same files)', median: median(engine), runs: engine.length };
    b.timings.push(parseT, engineT);
    console.log(`  ${parseT.name.padEnd(58)} ${parseT.median.toFixed(1).padStart(9)} ms (median of ${parseT.runs} cold processes)`);
    console.log(`  ${engineT.name.padEnd(58)} ${engineT.median.toFixed(1).padStart(9)} ms (median of ${engineT.runs} cold processes)`);
    b.ratio('engine per layer over bare parse, cold process', engineT, parseT, 2);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Benchmarks report ratios, not bare milliseconds: these machines are noisy, so every target is
 * stated against a baseline measured in the same run (for example a bare tree-sitter parse of the
 * same files). Each feature adds `bench/<feature>.bench.ts` exporting `default (h: Bench) => Promise<void>`.
 */
import { performance } from 'perf_hooks';

export interface Timing {
  name: string;
  /** Median of the measured runs, in milliseconds. */
  median: number;
  runs: number;
}

export interface Check {
  name: string;
  value: number;
  target: number;
  unit: string;
  pass: boolean;
}

export class Bench {
  readonly timings: Timing[] = [];
  readonly checks: Check[] = [];

  /** Runs `fn` `warmup` times unmeasured, then `runs` times; returns the median. */
  async time(name: string, fn: () => unknown | Promise<unknown>, { runs = 15, warmup = 3 } = {}): Promise<Timing> {
    for (let i = 0; i < warmup; i++) await fn();
    const samples: number[] = [];
    for (let i = 0; i < runs; i++) {
      const start = performance.now();
      await fn();
      samples.push(performance.now() - start);
    }
    samples.sort((a, b) => a - b);
    const timing = { name, median: samples[Math.floor(samples.length / 2)], runs };
    this.timings.push(timing);
    console.log(`  ${name.padEnd(58)} ${timing.median.toFixed(2).padStart(9)} ms (median of ${runs})`);
    return timing;
  }

  /** Records `value` against a target where lower is better (`value <= target`). */
  atMost(name: string, value: number, target: number, unit: string): Check {
    const check = { name, value, target, unit, pass: value <= target };
    this.checks.push(check);
    console.log(`  ${check.pass ? 'PASS' : 'FAIL'} ${name}: ${value.toFixed(2)} ${unit} (target <= ${target} ${unit})`);
    return check;
  }

  /** Records `value` against a target where higher is better (`value >= target`). */
  atLeast(name: string, value: number, target: number, unit: string): Check {
    const check = { name, value, target, unit, pass: value >= target };
    this.checks.push(check);
    console.log(`  ${check.pass ? 'PASS' : 'FAIL'} ${name}: ${value.toFixed(2)} ${unit} (target >= ${target} ${unit})`);
    return check;
  }

  /** Ratio of a timing to a baseline timing measured in the same run. */
  ratio(name: string, measured: Timing, baseline: Timing, target: number): Check {
    return this.atMost(`${name} (${measured.name} / ${baseline.name})`, measured.median / baseline.median, target, 'x');
  }
}

/** `npm run bench`: runs every `bench/*.bench.ts` (compiled to out/bench) and prints a summary. */
import * as fs from 'fs';
import * as path from 'path';
import { Bench } from './harness';

async function main(): Promise<void> {
  const only = process.argv[2];
  const files = fs
    .readdirSync(__dirname)
    .filter((f) => f.endsWith('.bench.js') && (!only || f.startsWith(only)))
    .sort();
  const bench = new Bench();
  for (const file of files) {
    console.log(`\n${file.replace(/\.bench\.js$/, '')}`);
    const mod = await import(path.join(__dirname, file));
    await mod.default(bench);
  }
  const failed = bench.checks.filter((c) => !c.pass);
  console.log(`\nbench: ${bench.checks.length - failed.length} passed, ${failed.length} failed`);
  process.exitCode = failed.length ? 1 : 0;
}

void main();

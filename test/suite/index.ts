/**
 * Entry point VS Code's extension host calls (`extensionTestsPath`): runs every compiled
 * `*.test.js` next to this file with mocha, inside the host, with the real `vscode` API.
 * Writes counts and per-test results to $ATB_TEST_RESULTS (runners read that instead of
 * parsing console output, which the browser-hosted workbench does not hand back reliably).
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Mocha from 'mocha';
import * as vscode from 'vscode';
import type { SuiteResults } from './results';

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? testFiles(join(dir, e.name)) : e.name.endsWith('.test.js') ? [join(dir, e.name)] : [],
  );
}

export async function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 60_000, reporter: 'spec' });
  if (process.env.ATB_TEST_GREP) mocha.grep(process.env.ATB_TEST_GREP);
  for (const file of testFiles(__dirname).sort()) mocha.addFile(file);

  const results: SuiteResults = { passes: 0, failures: 0, pending: 0, vscodeVersion: vscode.version, tests: [] };
  await new Promise<void>((resolve) => {
    const runner = mocha.run(() => resolve());
    runner.on('pass', (t) => results.tests.push({ fullTitle: t.fullTitle(), state: 'passed', durationMs: t.duration }));
    // 'fail' also fires for hooks; they count as failures, as in mocha's own stats.
    runner.on('fail', (t, err: Error) => results.tests.push({ fullTitle: t.fullTitle(), state: 'failed', durationMs: t.duration, error: err?.stack ?? String(err) }));
    runner.on('pending', (t) => results.tests.push({ fullTitle: t.fullTitle(), state: 'pending' }));
  });
  results.passes = results.tests.filter((t) => t.state === 'passed').length;
  results.failures = results.tests.filter((t) => t.state === 'failed').length;
  results.pending = results.tests.filter((t) => t.state === 'pending').length;
  if (process.env.ATB_TEST_RESULTS) writeFileSync(process.env.ATB_TEST_RESULTS, JSON.stringify(results, null, 2));
  if (results.failures > 0) throw new Error(`${results.failures} test(s) failed`);
  if (results.passes === 0) throw new Error('no test ran');
}

/**
 * UI runner: each flow in test/e2e/flows gets its own code-server, browser page and workspace copy,
 * so one flow's files or dialogs never leak into the next.
 *
 *   node out/test/e2e/run.js [flow-name ...]
 *
 * Leaves test-results/e2e/<flow>/NN-step.png screenshots, failure.png + code-server.log +
 * browser.log + vscode-logs/ for a failing flow, and test-results/e2e/results.json.
 * Exit code 0 when every flow passed, 1 when one failed, 2 when this machine cannot run them.
 */
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import type { SuiteResults } from '../suite/results';
import {
  CodeServer, REPO_ROOT, RESULTS_ROOT, collectVsCodeLogs, copyWorkspace, freshResultsDir, launchChromium, makeScratch, missingPrerequisite,
  newPage, remoteUri, removeScratch, startCodeServer, workbenchUrl,
} from '../runners/code-server/vscode';
import { Flow, resultsPath, workbenchReady } from './harness';
import { problemsFlow } from './flows/problems';
import { quantizeFromExplorer, quantizeFromPalette } from './flows/quantize';
import { wizardFlow } from './flows/wizard';
import { wizardCppFlow } from './flows/wizardCpp';

const FLOWS: Flow[] = [quantizeFromExplorer, quantizeFromPalette, problemsFlow, wizardFlow, wizardCppFlow];
const FLOW_TIMEOUT_MS = 3 * 60_000;

async function runFlow(flow: Flow, root: string): Promise<{ ok: boolean; error?: string; ms: number; shots: string[] }> {
  const dir = freshResultsDir(join('e2e', flow.name)); // only this flow's old evidence goes
  const scratch = makeScratch(`atb-e2e-${flow.name}-`);
  const workspace = copyWorkspace(scratch);
  const browserLog = createWriteStream(join(dir, 'browser.log'));
  const shots: string[] = [];
  const started = Date.now();
  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  let ok = false;
  let error: string | undefined;
  try {
    server = await startCodeServer({ scratch, logFile: join(dir, 'code-server.log') });
    browser = await launchChromium();
    const { page } = await newPage(browser, browserLog);
    page.setDefaultTimeout(30_000);
    await page.goto(workbenchUrl(server, workspace, [['extensionDevelopmentPath', remoteUri(server, REPO_ROOT)]]));
    await workbenchReady(page);
    const shot = async (label: string) => {
      const file = resultsPath(dir, shots.length + 1, label);
      await page.screenshot({ path: file });
      shots.push(file);
      return file;
    };
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`flow did not finish within ${FLOW_TIMEOUT_MS / 1000}s`)), FLOW_TIMEOUT_MS)));
    try {
      await Promise.race([flow.run({ page, workspace, shot }), timeout]);
    } finally {
      clearTimeout(timer);
    }
    ok = true;
  } catch (e) {
    error = e instanceof Error ? (e.stack ?? e.message) : String(e);
    const page = browser?.contexts()[0]?.pages()[0];
    if (page) {
      await page.screenshot({ path: join(dir, 'failure.png') }).catch(() => undefined);
      shots.push(join(dir, 'failure.png'));
    }
  } finally {
    await browser?.close().catch(() => undefined);
    if (server) {
      if (!ok) collectVsCodeLogs(server, dir);
      await server.stop();
    }
    browserLog.end();
    removeScratch(scratch);
  }
  return { ok, error, ms: Date.now() - started, shots };
}

async function main(): Promise<number> {
  const missing = missingPrerequisite();
  if (missing) {
    console.error(`[e2e] cannot run: ${missing}`);
    return 2;
  }
  const wanted = process.argv.slice(2);
  const flows = wanted.length ? FLOWS.filter((f) => wanted.includes(f.name)) : FLOWS;
  const root = join(RESULTS_ROOT, 'e2e');
  mkdirSync(root, { recursive: true });
  const results: SuiteResults = { passes: 0, failures: 0, pending: 0, vscodeVersion: '1.100.3', tests: [] };
  for (const flow of flows) {
    console.log(`[e2e] ${flow.name} ...`);
    const r = await runFlow(flow, root);
    results.tests.push({ fullTitle: flow.name, state: r.ok ? 'passed' : 'failed', durationMs: r.ms, error: r.error });
    console.log(`  ${r.ok ? '✓' : '✗'} ${flow.name} (${(r.ms / 1000).toFixed(1)}s, ${r.shots.length} screenshot(s) in test-results/e2e/${flow.name}/)`);
    if (r.error) console.log(`      ${r.error.split('\n').slice(0, 6).join('\n      ')}`);
  }
  results.passes = results.tests.filter((t) => t.state === 'passed').length;
  results.failures = results.tests.filter((t) => t.state === 'failed').length;
  writeFileSync(join(root, 'results.json'), JSON.stringify(results, null, 2));
  console.log(`[e2e] ${results.passes} passing, ${results.failures} failing`);
  return results.failures > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);

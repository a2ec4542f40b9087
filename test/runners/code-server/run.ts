/**
 * Integration runner: runs the mocha suite of test/suite inside the extension host of a real
 * VS Code 1.100.3 (code-server), with this repository loaded as the extension under development.
 *
 *   node out/test/runners/code-server/run.js [--grep <pattern>]
 *
 * Exit code = the suite's. Leaves test-results/integration/{screenshot.png, code-server.log,
 * browser.log, suite.log, results.json, vscode-logs/}.
 */
import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { format } from 'node:util';
import type { Browser } from 'playwright-core';
import type { SuiteResults } from '../../suite/results';
import {
  CodeServer, REPO_ROOT, collectVsCodeLogs, copyWorkspace, freshResultsDir, launchChromium, makeScratch,
  missingPrerequisite, newPage, remoteUri, removeScratch, startCodeServer, workbenchUrl,
} from './vscode';

const SUITE_TIMEOUT_MS = Number(process.env.ATB_SUITE_TIMEOUT_MS ?? 8 * 60_000);

async function main(): Promise<number> {
  const missing = missingPrerequisite();
  if (missing) {
    console.error(`[integration] cannot run: ${missing}`);
    return 2;
  }
  const results = freshResultsDir('integration');
  const scratch = makeScratch('atb-integration-');
  const workspace = copyWorkspace(scratch);
  const resultsFile = join(results, 'results.json');
  const suiteLog = createWriteStream(join(results, 'suite.log'));
  const browserLog = createWriteStream(join(results, 'browser.log'));
  const grep = process.argv.indexOf('--grep') > 0 ? process.argv[process.argv.indexOf('--grep') + 1] : undefined;
  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  const started = Date.now();
  try {
    console.log(`[integration] starting code-server on a free port (workspace copy: ${workspace})`);
    server = await startCodeServer({
      scratch,
      logFile: join(results, 'code-server.log'),
      // Read by test/suite/index.ts inside the extension host (it inherits the server's environment).
      env: { ATB_TEST_RESULTS: resultsFile, ATB_TEST_WORKSPACE: workspace, ...(grep ? { ATB_TEST_GREP: grep } : {}) },
    });
    browser = await launchChromium();
    const { page } = await newPage(browser, browserLog);

    let exitCode: (code: number) => void = () => {};
    const exited = new Promise<number>((r) => (exitCode = r));
    await page.exposeFunction('codeAutomationLog', (type: string, args: unknown[]) => {
      // Console calls arrive as printf-style argument lists ("%s passing", n).
      const text = format(...(Array.isArray(args) ? args : [args]));
      suiteLog.write(`[${type}] ${text}\n`);
      if (process.env.ATB_VERBOSE === '1') console.log(`[vscode:${type}] ${text}`);
    });
    await page.exposeFunction('codeAutomationExit', (code: number) => exitCode(code));

    const payload: [string, string][] = [
      ['extensionDevelopmentPath', remoteUri(server, REPO_ROOT)],
      ['extensionTestsPath', remoteUri(server, join(REPO_ROOT, 'out', 'test', 'suite', 'index'))],
    ];
    console.log(`[integration] opening VS Code ${server.baseUrl} in Chromium; the suite runs in the extension host`);
    await page.goto(workbenchUrl(server, workspace, payload));

    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<number>((r) => (timer = setTimeout(() => r(-1), SUITE_TIMEOUT_MS)));
    const code = await Promise.race([exited, timedOut]);
    clearTimeout(timer);
    await page.screenshot({ path: join(results, 'screenshot.png') }).catch(() => undefined);
    if (code === -1) {
      console.error(`[integration] FAILED: the suite did not finish within ${SUITE_TIMEOUT_MS / 1000}s (VS Code never called codeAutomationExit); see ${results}`);
      return 1;
    }
    printSummary(resultsFile);
    console.log(`[integration] suite exit code ${code} after ${((Date.now() - started) / 1000).toFixed(1)}s; screenshot and logs in ${results.replace(REPO_ROOT + '/', '')}/`);
    return code;
  } catch (e) {
    console.error(`[integration] FAILED: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  } finally {
    await browser?.close().catch(() => undefined);
    if (server) {
      collectVsCodeLogs(server, results);
      await server.stop();
    }
    suiteLog.end();
    browserLog.end();
    if (process.env.ATB_KEEP_SCRATCH === '1') console.log(`[integration] kept ${scratch}`);
    else removeScratch(scratch);
  }
}

/** Prints the per-test lines the suite recorded (the extension host's console is not ours). */
function printSummary(resultsFile: string): void {
  if (!existsSync(resultsFile)) {
    console.error('[integration] the suite wrote no results file (did test/suite/index.ts run at all?)');
    return;
  }
  const r = JSON.parse(readFileSync(resultsFile, 'utf8')) as SuiteResults;
  for (const t of r.tests) {
    const mark = t.state === 'passed' ? '  ✓' : t.state === 'failed' ? '  ✗' : '  -';
    console.log(`${mark} ${t.fullTitle}${t.state === 'failed' ? `\n      ${t.error}` : ''}`);
  }
  console.log(`[integration] ${r.passes} passing, ${r.failures} failing, ${r.pending} pending (VS Code ${r.vscodeVersion})`);
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);

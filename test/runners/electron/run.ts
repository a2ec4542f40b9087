/**
 * The same in-host suite (test/suite) under desktop VS Code via @vscode/test-electron, for
 * contributors whose machine can download VS Code. On machines that cannot (like the CI runners,
 * which reach only npm and Debian), it says so and exits 0; the code-server runner is the default.
 *
 *   node out/test/runners/electron/run.js
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { downloadAndUnzipVSCode, runTests } from '@vscode/test-electron';

const ROOT = resolve(__dirname, '..', '..', '..', '..');
const VERSION = process.env.ATB_VSCODE_VERSION ?? '1.100.3';

async function main(): Promise<number> {
  let executable: string;
  try {
    executable = await downloadAndUnzipVSCode({ version: VERSION, cachePath: join(ROOT, '.vscode-test') });
  } catch (e) {
    console.log(`[electron] SKIPPED: VS Code ${VERSION} cannot be downloaded here (${e instanceof Error ? e.message : String(e)}).`);
    console.log('[electron] Run the same suite in a real VS Code with: npm run test:integration (code-server).');
    return process.env.CI === 'true' ? 1 : 0;
  }
  const scratch = mkdtempSync(join(tmpdir(), 'atb-electron-'));
  const workspace = join(scratch, 'workspace');
  cpSync(join(ROOT, 'test', 'fixtures', 'workspace'), workspace, { recursive: true });
  const results = join(ROOT, 'test-results', 'integration-electron');
  rmSync(results, { recursive: true, force: true });
  mkdirSync(results, { recursive: true });
  try {
    return await runTests({
      vscodeExecutablePath: executable,
      extensionDevelopmentPath: ROOT,
      extensionTestsPath: join(ROOT, 'out', 'test', 'suite', 'index'),
      launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust', '--skip-welcome', '--user-data-dir', join(scratch, 'user-data')],
      extensionTestsEnv: { ATB_TEST_RESULTS: join(results, 'results.json'), ATB_TEST_WORKSPACE: workspace },
    });
  } catch (e) {
    console.error(`[electron] the suite failed: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

main().then((code) => process.exit(code));

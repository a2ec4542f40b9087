/**
 * Starts a real VS Code (code-server, installed by scripts/setup-vscode.mjs) on loopback and opens
 * it in Debian's Chromium through playwright-core. Shared by the integration runner (run.ts), the
 * UI flows (test/e2e) and nothing else: see docs/vscode-testing-offline.md for why it is done this way.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { cpSync, createWriteStream, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Browser, BrowserContext, chromium, Page } from 'playwright-core';

/** The repository root (this file is compiled to out/test/runners/code-server/). */
export const REPO_ROOT = resolve(__dirname, '..', '..', '..', '..');
export const CODE_SERVER_VERSION = '4.100.3';
export const CHROMIUM = process.env.ATB_CHROMIUM ?? '/usr/bin/chromium';
export const FIXTURE_WORKSPACE = join(REPO_ROOT, 'test', 'fixtures', 'workspace');
/** Where every run leaves screenshots and logs (ignored by git). */
export const RESULTS_ROOT = join(REPO_ROOT, 'test-results');

export function codeServerBin(): string {
  return process.env.CODE_SERVER_BIN ?? join(REPO_ROOT, '.vscode-test', `code-server-${CODE_SERVER_VERSION}`, 'node_modules', '.bin', 'code-server');
}

/** Why this machine cannot run VS Code tests, or undefined when it can. */
export function missingPrerequisite(): string | undefined {
  if (!existsSync(codeServerBin())) return `code-server is not installed at ${codeServerBin()} (run: node scripts/setup-vscode.mjs)`;
  if (!existsSync(CHROMIUM)) return `no Chromium at ${CHROMIUM} (Debian package chromium; node scripts/setup-vscode.mjs installs it when run as root)`;
  if (!existsSync(join(REPO_ROOT, 'dist', 'extension.js'))) return 'the extension is not built: dist/extension.js is missing (run: node esbuild.mjs)';
  return undefined;
}

/** Polls `check` until it returns a truthy value; fails with `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 30_000, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${String(lastError)})` : ''}`);
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/** A fresh copy of the example workspace, so tests can write files without touching the repo. */
export function copyWorkspace(into: string): string {
  const workspace = join(into, 'workspace');
  cpSync(FIXTURE_WORKSPACE, workspace, { recursive: true });
  return workspace;
}

export interface CodeServer {
  port: number;
  /** `127.0.0.1:<port>`: the authority of `vscode-remote://` URIs. */
  authority: string;
  baseUrl: string;
  process: ChildProcess;
  userDataDir: string;
  stop(): Promise<void>;
}

/** User settings of every test window: no welcome page or tips in the way, nothing phoning home. */
export const TEST_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'telemetry.telemetryLevel': 'off',
  'extensions.ignoreRecommendations': true,
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'update.mode': 'none',
  'git.enabled': false,
  'security.workspace.trust.enabled': false,
  'explorer.autoReveal': true,
  'explorer.compactFolders': false,
  'files.refactoring.autoSave': true,
};

export interface StartOptions {
  /** Folder for this run's throw-away state (user data, extensions). */
  scratch: string;
  /** code-server's stdout/stderr go here. */
  logFile: string;
  /** Extra environment for the server (the extension host inherits it). */
  env?: Record<string, string>;
  /** Extra command-line arguments (e.g. `--extensions-dir` contents are already empty). */
  args?: string[];
}

export async function startCodeServer(opts: StartOptions): Promise<CodeServer> {
  const port = await freePort();
  const userDataDir = join(opts.scratch, 'user-data');
  const extensionsDir = join(opts.scratch, 'extensions');
  const xdg = join(opts.scratch, 'xdg');
  for (const d of [userDataDir, extensionsDir, xdg, join(userDataDir, 'User')]) mkdirSync(d, { recursive: true });
  writeFileSync(join(userDataDir, 'User', 'settings.json'), JSON.stringify(TEST_SETTINGS, null, 2));
  const args = [
    '--auth', 'none',
    '--bind-addr', `127.0.0.1:${port}`,
    '--disable-telemetry',
    '--disable-update-check',
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    '--user-data-dir', userDataDir,
    '--extensions-dir', extensionsDir,
    ...(opts.args ?? []),
  ];
  const log = createWriteStream(opts.logFile);
  const child = spawn(codeServerBin(), args, {
    cwd: opts.scratch,
    // Own config/data dirs: code-server would otherwise write ~/.config/code-server.
    env: { ...process.env, XDG_CONFIG_HOME: xdg, XDG_DATA_HOME: xdg, ...(opts.env ?? {}) },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // own process group, so stop() also ends the extension host and file watcher
  });
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  let exited: string | undefined;
  child.on('exit', (code, signal) => (exited = `code-server exited early (code ${code}, signal ${signal}); see ${opts.logFile}`));
  child.on('error', (e) => (exited = `could not start code-server: ${e.message}`));

  const baseUrl = `http://127.0.0.1:${port}`;
  await waitFor(`code-server to answer on ${baseUrl}/healthz (log: ${opts.logFile})`, async () => {
    if (exited) throw new Error(exited);
    const r = await fetch(`${baseUrl}/healthz`).catch(() => undefined);
    return r?.ok;
  }, 60_000, 250);

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const gone = new Promise<void>((r) => child.once('exit', () => r()));
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        /* already gone */
      }
      const killed = await Promise.race([gone.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 5000))]);
      if (!killed) {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
    }
    log.end();
  };
  return { port, authority: `127.0.0.1:${port}`, baseUrl, process: child, userDataDir, stop };
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: process.env.ATB_HEADED !== '1',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
  });
}

export async function newPage(browser: Browser, browserLog: NodeJS.WritableStream): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  page.on('console', (m) => browserLog.write(`[console.${m.type()}] ${m.text()}\n`));
  page.on('pageerror', (e) => browserLog.write(`[pageerror] ${e.message}\n`));
  return { context, page };
}

/** The workbench URL that opens `workspace`, optionally with an extension test payload. */
export function workbenchUrl(server: CodeServer, workspace: string, payload?: [string, string][]): string {
  const query = new URLSearchParams({ folder: workspace });
  if (payload) query.set('payload', JSON.stringify(payload));
  return `${server.baseUrl}/?${query.toString()}`;
}

export function remoteUri(server: CodeServer, absolutePath: string): string {
  return `vscode-remote://${server.authority}${absolutePath}`;
}

/** Copies VS Code's own logs (extension host, server, renderer) next to the screenshots. */
export function collectVsCodeLogs(server: CodeServer, into: string): void {
  const logs = join(server.userDataDir, 'logs');
  if (existsSync(logs)) cpSync(logs, join(into, 'vscode-logs'), { recursive: true });
}

export function makeScratch(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function removeScratch(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export function freshResultsDir(name: string): string {
  const dir = join(RESULTS_ROOT, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}

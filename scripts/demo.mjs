#!/usr/bin/env node
// `npm start`: a real VS Code (code-server 4.100.3) in your browser with this extension loaded on
// the example workspace test/fixtures/workspace. Runs until Ctrl+C.
//
//   npm start                     # a fresh copy of the example workspace, port 8080 on 127.0.0.1 (or the next free one)
//   PORT=9000 npm start
//   npm start -- --workspace /path/to/folder
//
// The extension is loaded as "extension under development" from this checkout (the payload in the
// URL below), so `npm run watch`-style rebuilds show up after "Developer: Reload Window".
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { CODE_SERVER_BIN, ROOT, setup } from './setup-vscode.mjs';

const args = process.argv.slice(2);
const ownWorkspace = args.includes('--workspace');
const state = join(ROOT, '.vscode-test', 'demo');
// The example workspace is copied afresh each start, so quantizing in the demo never writes into the repo.
const workspace = ownWorkspace ? resolve(args[args.indexOf('--workspace') + 1]) : join(state, 'workspace');

function portFree(port) {
  return new Promise((r) => {
    const s = createServer();
    s.once('error', () => r(false));
    s.listen(port, '127.0.0.1', () => s.close(() => r(true)));
  });
}

async function pickPort(start) {
  for (let p = start; p < start + 50; p++) if (await portFree(p)) return p;
  throw new Error(`no free port between ${start} and ${start + 49}`);
}

function step(cmd, argv) {
  console.log(`[demo] $ ${cmd} ${argv.join(' ')}`);
  const r = spawnSync(cmd, argv, { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`[demo] FAILED: ${cmd} ${argv.join(' ')} exited ${r.status}`);
    process.exit(1);
  }
}

try {
  await setup();
} catch (e) {
  console.error(`[demo] FAILED: ${e.message}`);
  process.exit(1);
}
step('node', ['esbuild.mjs']);

const port = await pickPort(Number(process.env.PORT ?? 8080));
if (!ownWorkspace) {
  rmSync(workspace, { recursive: true, force: true });
  cpSync(join(ROOT, 'test', 'fixtures', 'workspace'), workspace, { recursive: true });
}
const userData = join(state, 'user-data');
mkdirSync(join(userData, 'User'), { recursive: true });
mkdirSync(join(state, 'extensions'), { recursive: true });
mkdirSync(join(state, 'xdg'), { recursive: true });
// A demo should open on the files, not on VS Code's welcome page.
writeFileSync(join(userData, 'User', 'settings.json'), JSON.stringify({ 'workbench.startupEditor': 'none', 'telemetry.telemetryLevel': 'off', 'security.workspace.trust.enabled': false }, null, 2));

const child = spawn(
  CODE_SERVER_BIN,
  [
    '--auth', 'none',
    '--bind-addr', `127.0.0.1:${port}`,
    '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', '--disable-getting-started-override',
    '--user-data-dir', userData,
    '--extensions-dir', join(state, 'extensions'),
  ],
  { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, XDG_CONFIG_HOME: join(state, 'xdg'), XDG_DATA_HOME: join(state, 'xdg') } },
);
child.stderr.on('data', (b) => process.stderr.write(`[code-server] ${b}`));

const authority = `127.0.0.1:${port}`;
const payload = JSON.stringify([['extensionDevelopmentPath', `vscode-remote://${authority}${ROOT}`]]);
const url = `http://${authority}/?${new URLSearchParams({ folder: workspace, payload })}`;
let announced = false;
child.stdout.on('data', (b) => {
  const text = b.toString();
  if (process.env.ATB_VERBOSE === '1') process.stdout.write(`[code-server] ${text}`);
  if (!announced && /HTTP server listening/.test(text)) {
    announced = true;
    console.log('\n[demo] VS Code 1.100.3 (code-server) is running with ATB Migrate loaded on the example workspace.');
    console.log(`[demo] Open this URL in a browser on this machine (or forward port ${port} over ssh: ssh -L ${port}:127.0.0.1:${port} <host>):\n`);
    console.log(`  ${url}\n`);
    console.log('[demo] Try: right-click atb_models/.../flash_attention_rope_layer.cpp → Quantize Layer (W8A8); open hf_models/tiny_qwen2/modeling_tiny_qwen2.py; F1 → ATB: Migrate Model.');
    console.log('[demo] Ctrl+C to stop.');
  }
});
child.on('exit', (code, signal) => {
  console.log(`[demo] code-server exited (${signal ?? code})`);
  process.exit(code ?? 0);
});
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill('SIGTERM'));

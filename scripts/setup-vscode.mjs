#!/usr/bin/env node
// Installs a real VS Code (code-server 4.100.3 = VS Code 1.100.3) into .vscode-test/ using only the
// npm registry and Debian packages, following docs/vscode-testing-offline.md. The plain
// `npm install code-server` would run a postinstall that downloads ripgrep from GitHub, so every
// native module is rebuilt by name instead and Debian's rg is copied in.
//
// Idempotent: a stamp file records a finished install; a second run only re-checks and exits.
// Usage: node scripts/setup-vscode.mjs [--force] [--skip-apt] [--optional]
//   --optional (used by `npm test`'s pretest): when something is missing, say what and exit 0, so
//   the tiers that need VS Code report themselves as unable to run (FAILED when CI=true).
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, lstatSync, unlinkSync, writeFileSync, chmodSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CODE_SERVER_VERSION = '4.100.3';
export const VSCODE_VERSION = '1.100.3';
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const CACHE = join(ROOT, '.vscode-test', `code-server-${CODE_SERVER_VERSION}`);
export const CODE_SERVER_BIN = join(CACHE, 'node_modules', '.bin', 'code-server');
export const DEBIAN_PACKAGES = ['libkrb5-dev', 'libsecret-1-dev', 'libx11-dev', 'libxkbfile-dev', 'ripgrep', 'chromium'];
export const CHROMIUM = '/usr/bin/chromium';

const STAMP = join(CACHE, '.setup-complete.json');
const PKG = join(CACHE, 'node_modules', 'code-server');
const VSCODE = join(PKG, 'lib', 'vscode');
const VSCODE_MODULES = join(VSCODE, 'node_modules');

/** Native modules of lib/vscode that must be compiled, and the file each build must leave behind. */
const VSCODE_NATIVE = [
  { name: 'kerberos', built: 'kerberos/build/Release/kerberos.node' },
  { name: 'node-pty', built: 'node-pty/build/Release/pty.node' },
  // @parcel/watcher normally uses its prebuilt optional package; a source build is the fallback.
  { name: '@parcel/watcher', built: ['@parcel/watcher-linux-x64-glibc/watcher.node', '@parcel/watcher/build/Release/watcher.node'] },
  { name: '@vscode/spdlog', built: '@vscode/spdlog/build/Release/spdlog.node' },
  { name: '@vscode/deviceid', built: null }, // JS-only on Linux; rebuilt because the doc says so
  { name: 'native-watchdog', built: 'native-watchdog/build/Release/watchdog.node' },
];

class SetupError extends Error {}

const log = (msg) => console.log(`[setup-vscode] ${msg}`);

function run(cmd, args, opts = {}) {
  const shown = `${cmd} ${args.join(' ')}`;
  log(`$ ${shown}${opts.cwd ? `   (in ${opts.cwd.replace(ROOT + '/', '')})` : ''}`);
  const started = Date.now();
  const r = spawnSync(cmd, args, {
    stdio: opts.quiet ? ['ignore', 'pipe', 'pipe'] : 'inherit',
    encoding: 'utf8',
    ...opts,
    env: { ...process.env, npm_config_yes: 'true', npm_config_audit: 'false', npm_config_fund: 'false', ...(opts.env ?? {}) },
  });
  if (r.error) throw new SetupError(`could not start \`${cmd}\`: ${r.error.message}`);
  if (r.status !== 0) {
    const tail = opts.quiet ? `\n${(r.stdout ?? '') + (r.stderr ?? '')}`.slice(-4000) : '';
    throw new SetupError(`\`${shown}\` failed with exit code ${r.status}${opts.why ? ` — ${opts.why}` : ''}${tail}`);
  }
  log(`  done in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  return r;
}

function missingDebianPackages() {
  return DEBIAN_PACKAGES.filter((p) => {
    const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', p], { encoding: 'utf8' });
    if (r.error) return !(p === 'ripgrep' ? which('rg') : p === 'chromium' ? existsSync(CHROMIUM) : true);
    return !/install ok installed/.test(r.stdout ?? '');
  });
}

function which(cmd) {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

function ensureDebianPackages(skipApt) {
  const missing = missingDebianPackages();
  if (missing.length === 0) {
    log(`Debian packages present: ${DEBIAN_PACKAGES.join(' ')}`);
    return;
  }
  const isRoot = process.getuid?.() === 0;
  if (skipApt || !isRoot || !which('apt-get')) {
    const cmd = `apt-get update && apt-get install -y --no-install-recommends ${missing.join(' ')}`;
    throw new SetupError(
      `missing Debian packages: ${missing.join(', ')}. ` +
        (isRoot ? `Install them with: ${cmd}` : `Not root, so I cannot install them; run as root: sudo sh -c '${cmd}'`),
    );
  }
  log(`installing missing Debian packages: ${missing.join(' ')}`);
  run('apt-get', ['update'], { why: 'apt-get update failed (is a Debian mirror reachable?)' });
  run('apt-get', ['install', '-y', '--no-install-recommends', ...missing], {
    env: { DEBIAN_FRONTEND: 'noninteractive' },
    why: `could not install ${missing.join(', ')}`,
  });
  const still = missingDebianPackages();
  if (still.length) throw new SetupError(`still missing after apt-get install: ${still.join(', ')}`);
}

function checkToolchain() {
  const major = Number(process.versions.node.split('.')[0]);
  if (major !== 20) {
    throw new SetupError(`code-server ${CODE_SERVER_VERSION} needs Node 20 (its native modules are built for it); this is Node ${process.versions.node}`);
  }
  const missing = ['make', 'g++', 'python3'].filter((t) => !which(t));
  if (missing.length) throw new SetupError(`native module builds need ${missing.join(', ')} (Debian: build-essential python3)`);
}

function link(target, path) {
  try {
    lstatSync(path);
    unlinkSync(path);
  } catch {
    /* absent */
  }
  symlinkSync(target, path);
  log(`linked ${path.replace(ROOT + '/', '')} -> ${target}`);
}

function requireBuilt(file, what) {
  if (!existsSync(file)) {
    throw new SetupError(
      `${what} was not built: ${file.replace(ROOT + '/', '')} is missing. ` +
        `npm probably skipped the package's install script (check "npm warn install-scripts" above, ` +
        `or npm's allow-scripts / ignore-scripts settings) or the compiler failed.`,
    );
  }
}

function argon2Built() {
  // argon2 ships prebuilt binaries for some platforms and builds the rest with node-gyp.
  const dir = join(CACHE, 'node_modules', 'argon2');
  const candidates = ['build/Release/argon2.node', 'lib/binding/napi-v3/argon2.node'];
  return candidates.map((c) => join(dir, c)).find(existsSync) ?? null;
}

function verifyVersion() {
  // Its own config dir, so checking the version does not write ~/.config/code-server.
  const env = { ...process.env, XDG_CONFIG_HOME: join(CACHE, '.config'), XDG_DATA_HOME: join(CACHE, '.local') };
  const r = spawnSync(CODE_SERVER_BIN, ['--version'], { encoding: 'utf8', timeout: 60_000, env });
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim();
  if (r.status !== 0 || !out.includes(CODE_SERVER_VERSION) || !out.includes(`Code ${VSCODE_VERSION}`)) {
    throw new SetupError(`\`code-server --version\` should print ${CODE_SERVER_VERSION} ... with Code ${VSCODE_VERSION}; got (exit ${r.status}): ${out || r.error?.message}`);
  }
  return out.split('\n').find((l) => l.startsWith(CODE_SERVER_VERSION)) ?? out;
}

function install() {
  rmSync(CACHE, { recursive: true, force: true });
  mkdirSync(CACHE, { recursive: true });
  writeFileSync(join(CACHE, 'package.json'), JSON.stringify({ name: 'vscode-test-cache', private: true }, null, 2));

  log(`1/6 code-server ${CODE_SERVER_VERSION} from npm (scripts off: its postinstall downloads from GitHub)`);
  run('npm', ['install', `code-server@${CODE_SERVER_VERSION}`, '--ignore-scripts', '--no-save', '--loglevel=error'], { cwd: CACHE });

  log('2/6 VS Code server dependencies, then the native modules by name');
  run('npm', ['install', '--omit=dev', '--ignore-scripts', '--loglevel=error'], { cwd: VSCODE });
  run('npm', ['rebuild', ...VSCODE_NATIVE.map((m) => m.name)], { cwd: VSCODE, why: 'a native module did not compile (need python3, make, g++, libkrb5-dev, libsecret-1-dev, libx11-dev, libxkbfile-dev)' });
  for (const m of VSCODE_NATIVE) {
    const files = [m.built ?? []].flat().map((f) => join(VSCODE_MODULES, f));
    if (files.length && !files.some(existsSync)) requireBuilt(files[files.length - 1], m.name);
  }

  log('3/6 ripgrep from Debian instead of GitHub');
  const rg = which('rg');
  if (!rg) throw new SetupError('`rg` not found (Debian package ripgrep)');
  const rgDir = join(VSCODE_MODULES, '@vscode', 'ripgrep', 'bin');
  mkdirSync(rgDir, { recursive: true });
  copyFileSync(rg, join(rgDir, 'rg'));
  chmodSync(join(rgDir, 'rg'), 0o755);

  log('4/6 links the postinstall would have made');
  link('node_modules', join(VSCODE, 'node_modules.asar'));
  link('code-linux.sh', join(VSCODE, 'bin', 'remote-cli', 'code-server'));
  link('browser-linux.sh', join(VSCODE, 'bin', 'helpers', 'browser.sh'));

  log('5/6 built-in extensions\' dependencies');
  run('npm', ['install', '--omit=dev', '--ignore-scripts', '--loglevel=error'], { cwd: join(VSCODE, 'extensions') });

  log('6/6 argon2 (password hashing; loaded even with --auth none)');
  run('npm', ['rebuild', 'argon2'], { cwd: CACHE, why: 'argon2 did not build' });
  if (!argon2Built()) requireBuilt(join(CACHE, 'node_modules', 'argon2', 'build', 'Release', 'argon2.node'), 'argon2');
}

export async function setup({ force = false, skipApt = false } = {}) {
  const started = Date.now();
  checkToolchain();
  ensureDebianPackages(skipApt);
  let stamp = null;
  try {
    stamp = JSON.parse(readFileSync(STAMP, 'utf8'));
  } catch {
    /* no stamp: not installed (or a previous run stopped half-way) */
  }
  const fresh = !(!force && stamp?.version === CODE_SERVER_VERSION && stamp?.node === process.versions.modules && existsSync(CODE_SERVER_BIN));
  if (!fresh) {
    log(`code-server ${CODE_SERVER_VERSION} already installed in ${CACHE.replace(ROOT + '/', '')} (stamp from ${stamp.at}); nothing to do`);
  } else {
    log(`installing code-server ${CODE_SERVER_VERSION} into ${CACHE.replace(ROOT + '/', '')}`);
    install();
  }
  const version = verifyVersion();
  if (fresh) {
    const seconds = Math.round((Date.now() - started) / 1000);
    writeFileSync(STAMP, JSON.stringify({ version: CODE_SERVER_VERSION, node: process.versions.modules, at: new Date().toISOString(), installSeconds: seconds }, null, 2));
    log(`install took ${seconds}s`);
  }
  log(`ready: ${CODE_SERVER_BIN.replace(ROOT + '/', '')} (${version}); browser: ${CHROMIUM}`);
  return { bin: CODE_SERVER_BIN, version };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    await setup({ force: process.argv.includes('--force'), skipApt: process.argv.includes('--skip-apt') });
  } catch (e) {
    if (e instanceof SetupError) {
      console.error(`[setup-vscode] FAILED: ${e.message}`);
      if (process.argv.includes('--optional')) {
        console.error('[setup-vscode] continuing without a real VS Code: the integration and e2e tiers will say they cannot run');
        process.exit(0);
      }
      process.exit(1);
    }
    throw e;
  }
}

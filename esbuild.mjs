// Bundles the three front doors and the webview, and copies the tree-sitter wasm files next to
// them (src/node/syntax.ts finds them there). `--watch` rebuilds on change; `--production` minifies.
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

const common = {
  bundle: true,
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
};
// web-tree-sitter's ESM build (picked for `import`) reads import.meta.url, which is empty in a CJS
// bundle; point it at the bundle's own file so Node bundles can load it.
const nodeCjs = {
  define: { 'import.meta.url': '__bundleUrl' },
  banner: { js: "const __bundleUrl = require('url').pathToFileURL(__filename).href;" },
};

const builds = [
  { ...common, ...nodeCjs, entryPoints: ['src/extension/main.ts'], outfile: 'dist/extension.js', platform: 'node', format: 'cjs', target: 'node20', external: ['vscode'] },
  { ...common, ...nodeCjs, entryPoints: ['src/server/main.ts'], outfile: 'dist/server.js', platform: 'node', format: 'cjs', target: 'node20' },
  { ...common, ...nodeCjs, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', platform: 'node', format: 'cjs', target: 'node20' },
  { ...common, entryPoints: ['src/webview/main.ts'], outfile: 'dist/webview.js', platform: 'browser', format: 'iife', target: 'es2022' },
];

function copyAssets() {
  mkdirSync('dist', { recursive: true });
  const assets = {
    'tree-sitter.wasm': require.resolve('web-tree-sitter/tree-sitter.wasm'),
    'tree-sitter-cpp.wasm': join(dirname(require.resolve('tree-sitter-cpp/package.json')), 'tree-sitter-cpp.wasm'),
    'tree-sitter-python.wasm': join(dirname(require.resolve('tree-sitter-python/package.json')), 'tree-sitter-python.wasm'),
  };
  for (const [name, from] of Object.entries(assets)) copyFileSync(from, join('dist', name));
  // The operator catalogue ships as data beside the bundles.
  try {
    copyFileSync('src/core/catalog/operators.yaml', 'dist/operators.yaml');
    copyFileSync('src/core/families/families.yaml', 'dist/families.yaml');
  } catch {
    /* not there yet */
  }
  try {
    const codicons = dirname(require.resolve('@vscode/codicons/package.json'));
    copyFileSync(join(codicons, 'dist', 'codicon.css'), 'dist/codicon.css');
    copyFileSync(join(codicons, 'dist', 'codicon.ttf'), 'dist/codicon.ttf');
  } catch {
    /* optional */
  }
}

const entryExists = (b) => {
  try {
    readFileSync(b.entryPoints[0]);
    return true;
  } catch {
    return false;
  }
};

copyAssets();
const active = builds.filter(entryExists);
if (watch) {
  for (const b of active) (await esbuild.context(b)).watch();
} else {
  await Promise.all(active.map((b) => esbuild.build(b)));
}

#!/usr/bin/env node
'use strict';
// The command-line front door: the same engine as the extension, bundled into dist/cli.js.
const path = require('path');
const fs = require('fs');
// A CLI run parses a few files and exits: compiling the 3.4 MB C++ grammar's wasm lazily with the
// baseline compiler only (no optimising tier-up on the machine's other cores) cuts its CPU time
// about threefold (README, "Speed"). Must be set before any wasm is compiled.
require('v8').setFlagsFromString('--liftoff-only');
require('v8').setFlagsFromString('--wasm-lazy-compilation');
const cli = path.join(__dirname, '..', 'dist', 'cli.js');
if (!fs.existsSync(cli)) {
  process.stderr.write('atb-migrate: dist/cli.js is missing; run `npm run build` first.\n');
  process.exit(2);
}
require(cli).main(process.argv.slice(2)).then((code) => { process.exitCode = code; });

#!/usr/bin/env node
'use strict';
// The command-line front door: the same engine as the extension, bundled into dist/cli.js.
const path = require('path');
const fs = require('fs');
const cli = path.join(__dirname, '..', 'dist', 'cli.js');
if (!fs.existsSync(cli)) {
  process.stderr.write('atb-migrate: dist/cli.js is missing; run `npm run build` first.\n');
  process.exit(2);
}
require(cli).main(process.argv.slice(2)).then((code) => { process.exitCode = code; });

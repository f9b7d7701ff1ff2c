#!/usr/bin/env -S node --single-threaded-gc
// `npx tandem ...` from the repository root: the host's CLI (built by `npm run build`, `npm start` or `npm test`).
// The node flag: see ts-host/bin/tandem.js.
'use strict';
const path = require('node:path');
try {
  require.resolve(path.resolve(__dirname, '..', '..', 'ts-host', 'dist', 'cli', 'main.js'));
} catch {
  console.error('tandem is not built yet: run `npm run build` (or `npm start`) in the repository root first.');
  process.exit(1);
}
require('../../ts-host/bin/tandem.js');

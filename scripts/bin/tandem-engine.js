#!/usr/bin/env node
// `npx tandem-engine ...` from the repository root: the host package's engine launcher.
'use strict';
const path = require('node:path');
try {
  require.resolve(path.resolve(__dirname, '..', '..', 'ts-host', 'dist', 'engine', 'binary.js'));
} catch {
  console.error('tandem-engine is not built yet: run `npm run build` in the repository root first.');
  process.exit(1);
}
require('../../ts-host/bin/tandem-engine.js');

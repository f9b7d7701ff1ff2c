#!/usr/bin/env node
// `tandem-engine ...`: runs the engine binary (see dist/engine/binary.js for where it is found) with the given arguments.
'use strict';
const { spawn } = require('node:child_process');
let binary;
try {
  binary = require('../dist/engine/binary.js').engineBinaryPath();
} catch (err) {
  console.error(`tandem-engine: ${err.message}`);
  process.exit(1);
}
const child = spawn(binary, process.argv.slice(2), { stdio: 'inherit' });
// The engine handles SIGINT/SIGTERM itself. Ctrl-C already reaches it through the terminal's process group, so this
// wrapper ignores SIGINT and forwards only SIGTERM; it then exits the way the engine did.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => child.kill('SIGTERM'));
child.on('exit', (code, signal) => {
  process.removeAllListeners('SIGINT');
  process.removeAllListeners('SIGTERM');
  if (signal) process.kill(process.pid, signal);
  else process.exit(code ?? 1);
});

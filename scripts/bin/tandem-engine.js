#!/usr/bin/env node
// `npx tandem-engine ...` from the repository root: runs the Rust engine binary with the given arguments.
'use strict';
const path = require('node:path');
const { spawn } = require('node:child_process');
const locate = path.resolve(__dirname, '..', '..', 'ts-host', 'dist', 'engine', 'binary.js');
let binary;
try {
  binary = require(locate).engineBinaryPath();
} catch (err) {
  console.error(`tandem-engine is not built yet (${err.message}): run \`npm run build\` in the repository root first.`);
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

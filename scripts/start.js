#!/usr/bin/env node
// `npm start`: build what is missing, then run the collector on the shipped default config with the engine spawned.
// The CLI runs in this process, so Ctrl-C and SIGTERM reach it once and it shuts down gracefully.
'use strict';
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const prepared = spawnSync(process.execPath, [path.join(__dirname, 'prepare.js')], { cwd: root, stdio: 'inherit' });
if (prepared.status !== 0) process.exit(prepared.status ?? 1);

const args = process.argv.slice(2);
if (!args.some((a) => a === '--config' || a.startsWith('--config='))) {
  args.unshift('--config', path.join(root, 'config', 'default.yaml'));
}
require(path.join(root, 'ts-host', 'dist', 'cli', 'main.js')).main(args);

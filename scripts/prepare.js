#!/usr/bin/env node
// Installs and builds whatever is missing, so that `npm start`, `npm test` and `npm run bench` work on a fresh clone:
// npm dependencies, the ring addon (node-gyp), the TypeScript projects, the Rust workspace (the ring crate and its test peer)
// and the Go Collector and telemetrygen the oracle tests compare Tandem with (integration-tests/otelcol/).
// Every step is incremental: on a built tree the whole script takes a few seconds.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');

function run(cmd, args, opts = {}) {
  const started = Date.now();
  const result = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts });
  if (result.error) throw result.error;
  if (result.status !== 0) {
    console.error(`[prepare] ${cmd} ${args.join(' ')} failed with exit code ${result.status}`);
    process.exit(result.status ?? 1);
  }
  return Date.now() - started;
}

function step(name, fn) {
  process.stderr.write(`[prepare] ${name}\n`);
  fn();
}

function dependenciesInstalled() {
  const marker = path.join(root, 'node_modules', '.package-lock.json');
  if (!fs.existsSync(marker)) return false;
  const lock = path.join(root, 'package-lock.json');
  return !fs.existsSync(lock) || fs.statSync(marker).mtimeMs >= fs.statSync(lock).mtimeMs;
}

function addonBuilt() {
  return fs.existsSync(path.join(root, 'ipc', 'node', 'build', 'Release', 'tandem_ipc.node'));
}

function main() {
  const only = new Set(process.argv.slice(2));
  const want = (part) => only.size === 0 || only.has(part);
  if (want('npm') && !dependenciesInstalled()) {
    step('installing npm dependencies', () => run('npm', ['install', '--no-audit', '--no-fund']));
  }
  if (want('addon') && !addonBuilt()) {
    step('building the ring addon (node-gyp)', () => run('npm', ['run', 'build:addon', '--workspace', '@tandem/ipc']));
  }
  if (want('ts')) {
    step('compiling TypeScript', () => run('npx', ['tsc', '--build']));
  }
  if (want('otelcol')) {
    step('building the Go Collector and telemetrygen when missing', () => {
      const build = require(path.join(root, 'integration-tests', 'otelcol', 'build.js'));
      build.otelcol();
      build.telemetrygen();
    });
  }
  if (want('rust')) {
    step('building the Rust workspace (release)', () =>
      run('cargo', ['build', '--release', '--locked', '--manifest-path', path.join(root, 'rust-engine', 'Cargo.toml')]));
  }
}

main();

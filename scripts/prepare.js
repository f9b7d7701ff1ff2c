#!/usr/bin/env node
// Installs and builds whatever is missing, so that `npm start`, `npm test` and `npm run bench` work on a fresh clone:
// npm dependencies, the ring addon (node-gyp), the TypeScript projects, the Rust workspace (the ring crate and its test peer)
// and the Go Collector and telemetrygen the oracle tests compare Tandem with (integration-tests/otelcol/).
// Every step is incremental: on a built tree the whole script takes a few seconds. Before the long first build of the
// Rust workspace it says what it builds and roughly how long it takes, and it reports progress while Cargo runs.
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const readline = require('node:readline');

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

/** Cargo's release output: where the engine binary lands (CARGO_TARGET_DIR or the workspace's own target directory). */
function engineBinary() {
  return path.join(process.env.CARGO_TARGET_DIR ?? path.join(root, 'rust-engine', 'target'), 'release', 'tandem-engine');
}

/** The packages the lock file pins: about how many crates a first build compiles (some are for other platforms). */
function lockedCrates() {
  const lock = fs.readFileSync(path.join(root, 'rust-engine', 'Cargo.lock'), 'utf8');
  return (lock.match(/^\[\[package\]\]$/gm) ?? []).length;
}

/** A first build takes about 37 CPU-minutes (18m35s measured on 2 cores); Cargo spreads it over the cores. */
const FIRST_BUILD_CPU_MINUTES = 37;

const elapsed = (ms) => `${Math.floor(ms / 60000)}m${String(Math.floor((ms % 60000) / 1000)).padStart(2, '0')}s`;

/**
 * Runs Cargo's release build. On a terminal Cargo draws its own progress bar; otherwise (CI, a pipe) its output is
 * passed on and a line says how many crates are compiled, every 50 crates and at least once a minute.
 */
function buildRust(first) {
  const args = ['build', '--release', '--locked', '--manifest-path', path.join(root, 'rust-engine', 'Cargo.toml')];
  if (first) {
    const cores = os.availableParallelism?.() ?? os.cpus().length;
    const minutes = Math.max(3, Math.round(FIRST_BUILD_CPU_MINUTES / cores));
    process.stderr.write(
      `[prepare] first build of the Rust engine (tandem-engine): about ${lockedCrates()} crates, most of them otap-dataflow's\n` +
      `[prepare] (arrow, datafusion, tonic); expect about ${minutes} minutes on ${cores} cores. Later runs rebuild only what changed.\n`,
    );
  }
  const tty = process.stderr.isTTY;
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn('cargo', args, { cwd: root, stdio: ['ignore', 'inherit', tty ? 'inherit' : 'pipe'] });
    child.once('error', reject);
    if (!tty) {
      const total = lockedCrates();
      let compiled = 0;
      let lastReport = started;
      const report = () => {
        lastReport = Date.now();
        process.stderr.write(`[prepare] rust: ${compiled} of about ${total} crates compiled, ${elapsed(lastReport - started)} so far\n`);
      };
      const ticker = setInterval(() => Date.now() - lastReport >= 60_000 && report(), 5_000).unref();
      readline.createInterface({ input: child.stderr }).on('line', (line) => {
        process.stderr.write(`${line}\n`);
        if (/^\s*Compiling /.test(line) && ++compiled % 50 === 0) report();
      });
      child.once('exit', () => clearInterval(ticker));
    }
    child.once('exit', (code) => {
      if (code !== 0) {
        console.error(`[prepare] cargo ${args.join(' ')} failed with exit code ${code}`);
        process.exit(code ?? 1);
      }
      if (first) process.stderr.write(`[prepare] the Rust engine is built (${elapsed(Date.now() - started)})\n`);
      resolve();
    });
  });
}

async function main() {
  const only = new Set(process.argv.slice(2));
  const want = (part) => only.size === 0 || only.has(part);
  if (only.size === 0 && !dependenciesInstalled()) {
    process.stderr.write('[prepare] first run: installing the npm dependencies, building the ring addon (node-gyp), compiling the\n'
      + '[prepare] TypeScript projects and the Rust engine; the engine takes most of the time (see below).\n');
  }
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
    const first = !fs.existsSync(engineBinary());
    process.stderr.write(`[prepare] building the Rust workspace (release)\n`);
    await buildRust(first);
  }
}

main().catch((err) => {
  console.error(`[prepare] ${err.message}`);
  process.exit(1);
});

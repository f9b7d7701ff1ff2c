#!/usr/bin/env node
// Lays out what the container images run, from a built checkout (`npm run build`):
//
//   node deploy/stage.js host <dir>     the collector: /opt/tandem as the image has it (the CLI, the host's compiled
//                                       JavaScript, the ring addon, control.proto, production node_modules)
//   node deploy/stage.js engine <dir>   the engine: <dir>/tandem-engine, stripped, from Cargo's release output
//
// The Dockerfile's from-source build runs `host` inside its build stage; its prebuilt path (TANDEM_BUILD=prebuilt)
// copies what `node deploy/stage.js host deploy/prebuilt/host` and `... engine deploy/prebuilt/engine` left here.
// Both paths therefore ship the same files. Type declarations, source maps and build leftovers are not copied.
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');

/** Files of the host's own packages that are not run: declarations, source maps, tsc's build info. */
const NOT_RUN = /\.(d\.ts|map|tsbuildinfo)$/;

function copy(from, to, filter = () => true) {
  fs.cpSync(from, to, {
    recursive: true,
    dereference: true,
    filter: (file) => !NOT_RUN.test(file) && filter(file),
  });
}

function need(file, hint) {
  if (!fs.existsSync(file)) throw new Error(`${path.relative(root, file)} does not exist: ${hint}`);
  return file;
}

/** The host's production dependencies as npm resolves them (the tree `npm ci --omit=dev` would install). */
function productionPackages() {
  const out = execFileSync('npm', ['ls', '--omit=dev', '--all', '--parseable', '--workspace', '@tandem/host'], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return out
    .split('\n')
    .filter(Boolean)
    .map((dir) => path.relative(root, dir))
    .filter((dir) => dir.startsWith(`node_modules${path.sep}`));
}

function stageHost(out) {
  const built = 'run `npm run build` first';
  fs.rmSync(out, { recursive: true, force: true });
  copy(need(path.join(root, 'scripts', 'bin', 'tandem.js'), built), path.join(out, 'scripts', 'bin', 'tandem.js'));
  copy(path.join(root, 'proto', 'control.proto'), path.join(out, 'proto', 'control.proto'));
  for (const part of ['package.json', path.join('bin', 'tandem.js'), 'dist', 'generated']) {
    copy(need(path.join(root, 'ts-host', part), built), path.join(out, 'ts-host', part));
  }
  // The workspace packages are links in a checkout; in the image each is a plain folder with what it runs.
  const ipc = path.join(out, 'node_modules', '@tandem', 'ipc');
  for (const part of ['package.json', 'dist', path.join('build', 'Release', 'tandem_ipc.node')]) {
    copy(need(path.join(root, 'ipc', 'node', part), built), path.join(ipc, part));
  }
  for (const dir of productionPackages()) {
    if (dir.startsWith(path.join('node_modules', '@tandem'))) continue;
    copy(path.join(root, dir), path.join(out, dir), (file) => !file.startsWith(path.join(root, dir, 'node_modules') + path.sep));
  }
}

function stageEngine(out) {
  const target = process.env.CARGO_TARGET_DIR ?? path.join(root, 'rust-engine', 'target');
  const binary = need(path.join(target, 'release', 'tandem-engine'), 'run `npm run build` first (with the same CARGO_TARGET_DIR)');
  fs.rmSync(out, { recursive: true, force: true });
  fs.mkdirSync(out, { recursive: true });
  execFileSync('strip', ['-o', path.join(out, 'tandem-engine'), binary], { stdio: 'inherit' });
}

const [what, out] = process.argv.slice(2);
const stages = { host: stageHost, engine: stageEngine };
if (!stages[what] || !out) {
  console.error('usage: node deploy/stage.js host|engine <dir>');
  process.exit(2);
}
try {
  stages[what](path.resolve(out));
} catch (err) {
  console.error(`deploy/stage.js: ${err.message}`);
  process.exit(1);
}

#!/usr/bin/env node
// `npm run pack [-- --out DIR] [-- --profile dist]`: the npm packages a user installs, as tarballs, without a
// registry: @tandem/host (with the ring's TypeScript, @tandem/ipc, bundled in it) and the engine's platform package
// for this machine (the engine binary stripped of its symbols, and the prebuilt ring addon). Builds what is missing first; writes to dist/packages unless told
// otherwise, and prints one JSON line: the tarballs and the engine's size as built and as packed. `--profile dist`
// packs the engine of Cargo's `dist` profile (link-time optimised: smaller, and a much longer build) instead of the
// release build the checkout uses.
'use strict';
const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');

function fail(message) {
  console.error(`[pack] ${message}`);
  process.exit(1);
}

const flag = (name) => {
  const at = process.argv.indexOf(name);
  return at >= 0 ? process.argv[at + 1] : undefined;
};
const out = path.resolve(flag('--out') ?? path.join(root, 'dist', 'packages'));
const profile = flag('--profile') ?? 'release';

const prepared = spawnSync(process.execPath, [path.join(__dirname, 'prepare.js')], { cwd: root, stdio: 'inherit' });
if (prepared.status !== 0) process.exit(prepared.status ?? 1);

const platform = `${process.platform}-${process.arch}`;
const template = path.join(root, 'npm', '@tandem', `engine-${platform}`);
if (!fs.existsSync(template)) fail(`no engine package is defined for ${platform} (npm/@tandem/engine-${platform})`);

function engineOfProfile() {
  if (profile === 'release') return require(path.join(root, 'ts-host', 'dist', 'engine', 'binary.js')).engineBinaryPath();
  const manifest = path.join(root, 'rust-engine', 'Cargo.toml');
  const built = spawnSync('cargo', ['build', '--profile', profile, '--locked', '--bin', 'tandem-engine', '--manifest-path', manifest], { cwd: root, stdio: 'inherit' });
  if (built.status !== 0) fail(`cargo build --profile ${profile} failed`);
  return path.join(process.env.CARGO_TARGET_DIR ?? path.join(root, 'rust-engine', 'target'), profile, 'tandem-engine');
}
const engine = engineOfProfile();
const addon = path.join(root, 'ipc', 'node', 'build', 'Release', 'tandem_ipc.node');

// Both packages are assembled outside the checkout: the engine's so that the checkout's own workspace of it stays
// empty (the host there keeps using Cargo's fresh build), the host's so that the ring it bundles sits in its
// node_modules, where npm looks for bundled dependencies (workspaces hoist it to the root).
const staging = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-pack-'));
const npmJSON = (args, cwd) => JSON.parse(execFileSync('npm', [...args, '--json'], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }));
/** Copies the files npm would pack from `dir` (its `files`, package.json, README) into `into`. */
function copyPackage(dir, into) {
  const [{ files }] = npmJSON(['pack', '--dry-run'], dir);
  for (const { path: file } of files) {
    fs.mkdirSync(path.dirname(path.join(into, file)), { recursive: true });
    fs.copyFileSync(path.join(dir, file), path.join(into, file));
  }
}
try {
  const host = path.join(staging, 'host');
  copyPackage(path.join(root, 'ts-host'), host);
  copyPackage(path.join(root, 'ipc', 'node'), path.join(host, 'node_modules', '@tandem', 'ipc'));
  // The control API's one home is the repository's proto/; the package carries a copy where the host looks for it.
  fs.mkdirSync(path.join(host, 'proto'));
  fs.copyFileSync(path.join(root, 'proto', 'control.proto'), path.join(host, 'proto', 'control.proto'));
  const manifest = JSON.parse(fs.readFileSync(path.join(host, 'package.json'), 'utf8'));
  fs.writeFileSync(path.join(host, 'package.json'), `${JSON.stringify({ ...manifest, files: [...manifest.files, 'proto/control.proto'] }, null, 2)}\n`);

  const platformPackage = path.join(staging, 'engine');
  copyPackage(template, platformPackage);
  fs.mkdirSync(path.join(platformPackage, 'bin'));
  fs.mkdirSync(path.join(platformPackage, 'lib'));
  const binary = path.join(platformPackage, 'bin', 'tandem-engine');
  // The release profile keeps symbol names (for backtraces in a checkout); the package drops them: about a fifth of
  // the size. `strip` is binutils'; without it the binary is packed as built.
  const stripped = spawnSync('strip', ['--strip-all', '-o', binary, engine], { stdio: 'inherit' });
  if (stripped.error || stripped.status !== 0) {
    console.error('[pack] strip is not available: packing the engine with its symbols');
    fs.copyFileSync(engine, binary);
  }
  fs.chmodSync(binary, 0o755);
  fs.copyFileSync(addon, path.join(platformPackage, 'lib', 'tandem_ipc.node'));

  fs.mkdirSync(out, { recursive: true });
  const pack = (dir) => {
    const [{ name, filename, size }] = npmJSON(['pack', '--pack-destination', out], dir);
    return { name, tarball: path.join(out, filename), bytes: size };
  };
  const packages = [pack(host), pack(platformPackage)];
  const result = { packages, engine: { built: fs.statSync(engine).size, packaged: fs.statSync(binary).size } };
  process.stdout.write(`${JSON.stringify(result)}\n`);
} finally {
  fs.rmSync(staging, { recursive: true, force: true });
}

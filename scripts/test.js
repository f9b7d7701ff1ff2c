#!/usr/bin/env node
// `npm test`: build what is missing, lint the TypeScript and JavaScript (ESLint, eslint.config.js), check the Rust
// workspace's formatting (rustfmt.toml) and lints (clippy, every target, warnings are errors), then run the Rust
// workspace's tests and every Jest project (the TypeScript host and the integration tests that spawn real processes).
// Clippy checks in the dev profile, so a cold target directory builds the dependencies once more in check mode
// (about 8 minutes on two cores here; seconds when warm).
'use strict';
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const root = path.resolve(__dirname, '..');

function run(cmd, args) {
  process.stderr.write(`[test] ${cmd} ${args.join(' ')}\n`);
  const result = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (result.error) throw result.error;
  if (result.status !== 0) process.exit(result.status ?? 1);
}

run(process.execPath, [path.join(__dirname, 'prepare.js')]);
run(path.join(root, 'node_modules', '.bin', 'eslint'), ['--max-warnings', '0', '.']);
run('cargo', ['fmt', '--all', '--check', '--manifest-path', path.join(root, 'rust-engine', 'Cargo.toml')]);
run('cargo', ['clippy', '--locked', '--workspace', '--all-targets', '--manifest-path', path.join(root, 'rust-engine', 'Cargo.toml'), '--', '-D', 'warnings']);
run('cargo', ['test', '--release', '--locked', '--workspace', '--manifest-path', path.join(root, 'rust-engine', 'Cargo.toml')]);
run(path.join(root, 'node_modules', '.bin', 'jest'), ['--runInBand', ...process.argv.slice(2)]);

#!/usr/bin/env node
// `node scripts/fuzz.js [seconds]` (CI runs it from .ci/run): a short, time-bounded coverage-guided run of each
// cargo-fuzz target, one after the other, each from the corpus kept in the repository: the ring record reader
// (ipc/rust/fuzz) and the engine's OTLP request validation (rust-engine/crates/otlp-wire/fuzz). New inputs go to a
// temporary copy, so the checkout is left as it was; a crash or a broken property fails the run and names the input.
// cargo-fuzz comes from crates.io (installed once if missing); RUSTC_BOOTSTRAP=1 lets stable Rust take the
// sanitizer flags it passes.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const seconds = Number(process.argv[2] ?? 20);
const CARGO_FUZZ = '0.13.2';

function run(cmd, args, options = {}) {
  process.stderr.write(`[fuzz] ${cmd} ${args.join(' ')}\n`);
  const result = spawnSync(cmd, args, { stdio: 'inherit', ...options });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

const installed = spawnSync('cargo', ['fuzz', '--version'], { encoding: 'utf8' });
if (installed.status !== 0 && run('cargo', ['install', 'cargo-fuzz', '--locked', '--version', CARGO_FUZZ]) !== 0) process.exit(1);

const targetDir = `${process.env.CARGO_TARGET_DIR ?? path.join(os.homedir(), '.cache', 'tandem', 'cargo-target')}-fuzz`;
const env = { ...process.env, RUSTC_BOOTSTRAP: '1', CARGO_TARGET_DIR: targetDir };
let failed = 0;
const TARGETS = [
  { target: 'record_reader', crate: path.join(root, 'ipc', 'rust') },
  { target: 'otlp_validate', crate: path.join(root, 'rust-engine', 'crates', 'otlp-wire') },
];
for (const { target, crate } of TARGETS) {
  const kept = path.join(crate, 'fuzz', 'corpus', target);
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), `tandem-fuzz-${target}-`));
  const artifacts = `${scratch}${path.sep}`;
  try {
    const status = run('cargo', ['fuzz', 'run', target, scratch, kept, '--', `-max_total_time=${seconds}`, `-artifact_prefix=${artifacts}`], { cwd: crate, env });
    if (status !== 0) {
      failed++;
      process.stderr.write(`[fuzz] ${target} failed; the input is in ${artifacts} (crash-*): add it to ${path.relative(root, kept)} with the fix\n`);
    }
  } finally {
    if (failed === 0) fs.rmSync(scratch, { recursive: true, force: true });
  }
}
process.exit(failed === 0 ? 0 : 1);

// What `npm start` and `npm test` say while they build (scripts/prepare.js): before the long first build of the Rust
// engine, what it builds and roughly how long it takes; while Cargo runs without a terminal, how far it got. Cargo
// itself is replaced by a script on PATH that prints what Cargo prints, so the test takes seconds, not a build.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from './collector';

const PREPARE = path.resolve(__dirname, '..', '..', 'scripts', 'prepare.js');
const LOCKED = (fs.readFileSync(path.resolve(__dirname, '..', '..', 'rust-engine', 'Cargo.lock'), 'utf8').match(/^\[\[package\]\]$/gm) ?? []).length;

/** Runs `prepare.js rust` with a `cargo` that prints `crates` Compiling lines and exits with `code`. */
function prepare(targetDir: string, crates: number, code = 0) {
  const bin = tempDir('tandem-fake-cargo-');
  fs.writeFileSync(path.join(bin, 'cargo'), `#!/bin/sh\ni=0\nwhile [ $i -lt ${crates} ]; do echo "   Compiling crate-$i v1.0.0" >&2; i=$((i+1)); done\nexit ${code}\n`, { mode: 0o755 });
  const result = spawnSync(process.execPath, [PREPARE, 'rust'], {
    env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, CARGO_TARGET_DIR: targetDir },
    encoding: 'utf8',
  });
  fs.rmSync(bin, { recursive: true, force: true });
  return result;
}

describe('prepare.js', () => {
  test('a first build says what it builds and about how long, then reports progress and the time it took', () => {
    const target = tempDir('tandem-target-');
    const { status, stderr } = prepare(target, 120);
    fs.rmSync(target, { recursive: true, force: true });
    expect(status).toBe(0);
    expect(stderr).toContain(`[prepare] first build of the Rust engine (tandem-engine): about ${LOCKED} crates`);
    expect(stderr).toMatch(/expect about \d+ minutes on \d+ cores/);
    expect(stderr).toContain(`[prepare] rust: 50 of about ${LOCKED} crates compiled`);
    expect(stderr).toContain(`[prepare] rust: 100 of about ${LOCKED} crates compiled`);
    expect(stderr).toContain('   Compiling crate-119 v1.0.0'); // Cargo's own lines pass through
    expect(stderr).toMatch(/\[prepare\] the Rust engine is built \(\d+m\d\ds\)/);
    // The announcement comes before Cargo starts.
    expect(stderr.indexOf('first build of the Rust engine')).toBeLessThan(stderr.indexOf('Compiling crate-0'));
  });

  test('a built engine is rebuilt without the announcement', () => {
    const target = tempDir('tandem-target-');
    fs.mkdirSync(path.join(target, 'release'));
    fs.writeFileSync(path.join(target, 'release', 'tandem-engine'), '');
    const { status, stderr } = prepare(target, 3);
    fs.rmSync(target, { recursive: true, force: true });
    expect(status).toBe(0);
    expect(stderr).not.toContain('first build');
    expect(stderr).toContain('[prepare] building the Rust workspace (release)');
  });

  test('a failing build fails prepare with Cargo\'s exit code', () => {
    const target = tempDir('tandem-target-');
    const { status, stderr } = prepare(target, 2, 101);
    fs.rmSync(target, { recursive: true, force: true });
    expect(status).toBe(101);
    expect(stderr).toMatch(/\[prepare\] cargo build --release .* failed with exit code 101/);
  });
});

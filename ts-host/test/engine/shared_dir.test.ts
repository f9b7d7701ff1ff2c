// Attach mode's shared folder and control socket: each way the volume can be wrong is one message with its fix.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { checkSharedDir, unansweredHint } from '../../src/engine/shared_dir';

let dir: string;
beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-shared-'))));
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

// Scenario: the volume is not mounted and the folder is absent / guarantee: an error naming the folder and the fix.
test('a missing folder is an error that says to mount the shared volume there', () => {
  const missing = path.join(dir, 'run', 'tandem');
  expect(() => checkSharedDir(missing)).toThrow(`runtime.rust.ipc.shm_dir ${missing} does not exist: mount the volume shared with the engine there, writable by this user (compose: the \`ring\` volume; Kubernetes: an emptyDir with medium: Memory in both containers)`);
});

// Scenario: shm_dir names a file / guarantee: an error, not a failure to create the ring inside it.
test('a file in its place is an error', () => {
  const file = path.join(dir, 'file');
  fs.writeFileSync(file, '');
  expect(() => checkSharedDir(file)).toThrow(`runtime.rust.ipc.shm_dir ${file} is not a folder`);
});

// Scenario: a tmpfs (what compose and Kubernetes mount) / guarantee: accepted without a word.
test('a memory-backed folder passes', () => {
  if (fs.statfsSync('/dev/shm').type !== 0x01021994) throw new Error('this test needs /dev/shm to be a tmpfs');
  expect(checkSharedDir('/dev/shm')).toBeUndefined();
});

// Scenario: a folder on a disk-backed filesystem (the checkout) / guarantee: a warning naming the filesystem and the fix.
test('a disk-backed folder gets a warning that says to mount a tmpfs', () => {
  const { type } = fs.statfsSync(__dirname);
  expect(checkSharedDir(__dirname)).toBe(
    `runtime.rust.ipc.shm_dir ${__dirname} is not memory-backed (filesystem type 0x${type.toString(16)}), so the rings' pages are written to disk: mount a tmpfs there (compose: a volume with driver_opts type: tmpfs; Kubernetes: emptyDir medium: Memory)`,
  );
});

// Scenario: the engine's socket is absent (engine not started, or not on the shared volume) / guarantee: the hint says how to start it.
test('an absent control socket gets a hint; a present one, a TCP endpoint none', () => {
  const socket = path.join(dir, 'control.sock');
  expect(unansweredHint(`unix://${socket}`)).toBe(
    `: there is no socket at ${socket}; start the engine with \`tandem-engine --listen unix://${socket}\`, with ${dir} shared by both (compose: the engine service and the \`ring\` volume; Kubernetes: the engine sidecar and the emptyDir mounted in both containers)`,
  );
  fs.writeFileSync(socket, '');
  expect(unansweredHint(`unix://${socket}`)).toBe('');
  expect(unansweredHint('tcp://127.0.0.1:1')).toBe('');
});

// Scenario: the engine runs as another user than the collector / guarantee: the hint names both uids and the fix.
test("a socket of another user's gets a hint to run both as one user", () => {
  const socket = path.join(dir, 'control.sock');
  fs.writeFileSync(socket, '', { mode: 0o600 });
  const owner = fs.statSync(socket).uid;
  expect(unansweredHint(`unix://${socket}`, owner + 1)).toBe(
    `: the socket ${socket} belongs to uid ${owner} and this collector runs as uid ${owner + 1}; run the engine and the collector as the same user (compose: the same \`user:\` in both services; Kubernetes: the same runAsUser), the socket and the ring files being private to their owner`,
  );
  expect(unansweredHint(`unix://${socket}`, owner)).toBe('');
  fs.chmodSync(socket, 0o666); // anyone may connect: the user is not why
  expect(unansweredHint(`unix://${socket}`, owner + 1)).toBe('');
});

// Corrupt and fuzzed records: reported as corruption, nothing read outside the ring, no crash; the addon's part also
// under AddressSanitizer.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Consumer, layout as L, Producer, Region, RingError, Session, socketPairSockets, symmetricOptions } from '../src';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { fuzz } = require('./fuzz.js');

test('fuzzed headers are delivered inside the ring or reported as corruption, never an exception', () => {
  const stats = fuzz(20_000, 7);
  expect(stats.escaped).toBe(0);
  expect(stats.delivered).toBeGreaterThan(0);
  for (const field of ['epoch_tag', 'type', 'code', 'length']) expect(stats.corruptions[field]).toBeGreaterThan(0);
});

test('a corrupt record ends the Node session: requests in flight fail retryable and the region is marked FAILED', async () => {
  const region = Region.createAnonymous(symmetricOptions(65536, 1024, 16));
  const [ours, theirs] = socketPairSockets();
  theirs.on('error', () => {}); // this end only plays the peer; it sees the reset when the session drops the doorbell
  const session = new Session(region, ours);
  const inFlight = session.request(L.SIGNAL_LOGS, 1, Buffer.from('hello'), Date.now() + 60_000);
  // The attacher's producer writes a record with a foreign epoch tag into the creator's incoming ring.
  const producer = new Producer(region, 1);
  producer.push(L.TYPE_RESPONSE, L.STATUS_OK, 1n, 0, Buffer.alloc(0));
  region.bytes.writeUInt32LE(0xdeadbeef, region.ringOffset(1) + 20);
  producer.publish();
  theirs.write(Buffer.of(L.BELL_RECORDS));
  const err = await inFlight.catch((e: RingError) => e);
  expect(err).toBeInstanceOf(RingError);
  expect(err).toMatchObject({ retryable: true, message: expect.stringMatching(/^ring session ended: corrupt record at position 0: epoch_tag/) });
  expect(await session.closed).toMatch(/^corrupt record at position 0: epoch_tag: 0xdeadbeef is not this session's/);
  expect(region.state).toBe(L.STATE_FAILED);
  theirs.destroy();
  region.close();
});

test('the addon under AddressSanitizer: fuzzing reports no memory error', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-asan-'));
  const addonSource = path.join(__dirname, '..');
  fs.cpSync(path.join(addonSource, 'binding.gyp'), path.join(dir, 'binding.gyp'));
  fs.cpSync(path.join(addonSource, 'addon'), path.join(dir, 'addon'), { recursive: true });
  const root = path.resolve(__dirname, '..', '..', '..');
  // The headers of the running Node: npm passes its `nodedir` setting; otherwise Node's own prefix, if it ships them.
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  const nodedir = process.env.npm_config_nodedir ?? (fs.existsSync(path.join(prefix, 'include', 'node', 'node_api.h')) ? prefix : undefined);
  const build = spawnSync(path.join(root, 'node_modules', '.bin', 'node-gyp'), ['rebuild', ...(nodedir ? [`--nodedir=${nodedir}`] : [])], {
    cwd: dir,
    env: { ...process.env, GYP_DEFINES: 'tandem_asan=1', NODE_PATH: path.join(root, 'node_modules') },
    encoding: 'utf8',
  });
  if (build.status !== 0) throw new Error(`the AddressSanitizer build failed:\n${build.stdout}\n${build.stderr}`);
  const addon = path.join(dir, 'build', 'Release', 'tandem_ipc.node');
  const asan = spawnSync('gcc', ['-print-file-name=libasan.so'], { encoding: 'utf8' }).stdout.trim();
  const run = spawnSync(process.execPath, [path.join(__dirname, 'fuzz.js'), '5000', '11'], {
    env: { ...process.env, LD_PRELOAD: asan, ASAN_OPTIONS: 'detect_leaks=0', TANDEM_IPC_ADDON: addon },
    encoding: 'utf8',
  });
  fs.rmSync(dir, { recursive: true, force: true });
  expect(run.stderr).not.toContain('AddressSanitizer');
  expect(run.status).toBe(0);
  expect(JSON.parse(run.stdout)).toMatchObject({ iterations: 5000, escaped: 0 });
});

// scenario: an unaligned head and a tail more than a ring ahead (the positions are shared memory) / guarantee: the
// Node consumer reports them as the Rust one does, before reading any header there
test('positions a record cannot start at are reported as corruption of head and tail', () => {
  const region = Region.createAnonymous(symmetricOptions(65536, 32736, 16));
  const capacity = region.capacity(0);
  try {
    for (const [head, tail, field] of [[capacity - 8, capacity + 64, 'head'], [0, capacity + 32, 'tail']] as const) {
      region.store64(L.offHead(0), head);
      region.store64(L.offTail(0), tail);
      const { corruption } = new Consumer(region, 0).poll(() => {
        throw new Error('nothing can be delivered');
      });
      expect(corruption?.field).toBe(field);
    }
  } finally {
    region.close();
  }
});

// The ring between a real Node process (this one) and a real Rust process (tandem-ring-peer), both directions, with
// checked payloads: order, loss, duplication and integrity over a million messages, a slow consumer, SIGKILL, a
// corrupt record, and setup by name.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { layout as L, listenForPeer, Producer, reclaimStaleRegions, Region, RingError, Session, symmetricOptions } from '../src';
import { CheckedPayloads, startPeer, Verifier, waitForLine, type Peer } from './peer';

const MILLION = 1_000_000;

/** Sends `count` checked requests keeping `window` in flight; resolves with each request's outcome by seq. */
function stream(session: Session, count: number, window: number, max: number, onSettled?: (done: number) => void) {
  const gen = new CheckedPayloads(0x5eed, max);
  const outcome: Array<'ok' | RingError> = new Array(count);
  return new Promise<typeof outcome>((resolve) => {
    let next = 0;
    let done = 0;
    const pump = () => {
      while (next < count && next - done < window) {
        const seq = next++;
        session
          .request(L.SIGNAL_TRACES, 1, gen.make(seq), Date.now() + 60_000)
          .then(
            () => (outcome[seq] = 'ok'),
            (err: RingError) => (outcome[seq] = err),
          )
          .finally(() => {
            done++;
            onSettled?.(done);
            if (done === count) resolve(outcome);
            else pump();
          });
      }
    };
    pump();
  });
}

async function summaryOf(peer: Peer) {
  await peer.exited;
  return peer.lines().find((l) => 'received' in l || 'sent' in l);
}

test('a million checked requests from Node reach Rust in order, none lost or duplicated, across wrap-around', async () => {
  const region = Region.createAnonymous(symmetricOptions(1 << 20, 256 * 1024, 1024));
  const peer = startPeer(['--mode', 'echo'], region);
  const session = new Session(region, peer.bell!);
  await waitForLine(peer, 'ready');
  const outcome = await stream(session, MILLION, 512, 64 * 1024);
  expect(outcome.filter((o) => o !== 'ok')).toEqual([]);
  session.close();
  expect(await summaryOf(peer)).toEqual({ received: MILLION, bytes: expect.any(Number), next_seq: MILLION, bad_checksum: 0, out_of_order: 0 });
  expect(session.stats.responsesReceived).toBe(MILLION);
  region.close();
});

test('a million checked requests from Rust reach Node in order, none lost or duplicated', async () => {
  const region = Region.createAnonymous(symmetricOptions(1 << 20, 256 * 1024, 1024));
  const verifier = new Verifier();
  const peer = startPeer(['--mode', 'send', '--count', String(MILLION), '--window', '512', '--max-size', String(64 * 1024)], region);
  const session = new Session(region, peer.bell!, {
    onRequest: async (r) => verifier.check(r.payload),
  });
  const summary = await summaryOf(peer);
  expect(summary).toEqual({ sent: MILLION, ok: MILLION, retryable: 0, permanent: 0, seconds: expect.any(Number) });
  expect(verifier).toMatchObject({ received: MILLION, nextSeq: MILLION, badChecksum: 0, outOfOrder: 0 });
  await session.closed;
  region.close();
});

test('a slow consumer keeps the smallest ring full and nothing is lost', async () => {
  const region = Region.createAnonymous(symmetricOptions(65536, 16 * 1024, 4096));
  const peer = startPeer(['--mode', 'echo', '--slow-us', '20'], region);
  const session = new Session(region, peer.bell!);
  await waitForLine(peer, 'ready');
  const outcome = await stream(session, 20_000, 4096, 16 * 1024);
  expect(outcome.filter((o) => o !== 'ok')).toEqual([]);
  session.close();
  expect(await summaryOf(peer)).toMatchObject({ received: 20_000, next_seq: 20_000, bad_checksum: 0, out_of_order: 0 });
  region.close();
});

test('SIGKILL mid-stream: every request seen to succeed was received; every other one fails retryable; none hangs', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-kill-'));
  const record = path.join(dir, 'received.bin');
  const region = Region.createAnonymous(symmetricOptions(1 << 20, 64 * 1024, 1024));
  const peer = startPeer(['--mode', 'echo', '--record', record], region);
  const session = new Session(region, peer.bell!);
  await waitForLine(peer, 'ready');
  let killedAt = 0;
  let closedAt = 0;
  void session.closed.then(() => (closedAt = Date.now()));
  const outcome = await stream(session, 200_000, 256, 8 * 1024, (done) => {
    if (done === 20_000) {
      killedAt = Date.now();
      peer.child.kill('SIGKILL');
    }
  });
  expect(await session.closed).toMatch(/the peer closed the doorbell/);
  expect(closedAt - killedAt).toBeLessThan(1000); // noticed, and everything in flight failed, within a second
  const received = new Set<number>();
  const bytes = fs.readFileSync(record);
  for (let i = 0; i + 8 <= bytes.length; i += 8) received.add(Number(bytes.readBigUInt64LE(i)));
  const ok = outcome.flatMap((o, seq) => (o === 'ok' ? [seq] : []));
  const failed = outcome.filter((o): o is RingError => o !== 'ok');
  expect(ok.length).toBeGreaterThanOrEqual(20_000 - 256);
  expect(ok.filter((seq) => !received.has(seq))).toEqual([]);
  expect(failed.length + ok.length).toBe(200_000);
  expect(failed.filter((e) => !e.retryable)).toEqual([]);
  const oldEpoch = region.epoch;
  region.close();
  fs.rmSync(dir, { recursive: true, force: true });

  // The next session is a new region with a new epoch, never the old one reused; traffic flows again.
  const next = Region.createAnonymous(symmetricOptions(1 << 20, 64 * 1024, 1024));
  expect(next.epoch).not.toBe(oldEpoch);
  const restarted = startPeer(['--mode', 'echo'], next);
  const again = new Session(next, restarted.bell!);
  await waitForLine(restarted, 'ready');
  expect((await stream(again, 1000, 64, 8 * 1024)).filter((o) => o !== 'ok')).toEqual([]);
  again.close();
  await restarted.exited;
  next.close();
});

test('a hung peer (SIGSTOP) is declared dead when its heartbeat stands still, failing what is in flight', async () => {
  const region = Region.createAnonymous(symmetricOptions(65536, 1024, 16));
  const peer = startPeer(['--mode', 'echo', '--no-check'], region);
  const session = new Session(region, peer.bell!, { peerTimeoutMs: 1000, heartbeatIntervalMs: 100 });
  await waitForLine(peer, 'ready');
  await session.request(L.SIGNAL_TRACES, 1, Buffer.alloc(16), Date.now() + 5000); // alive and answering
  peer.child.kill('SIGSTOP');
  const started = Date.now();
  const err = await session.request(L.SIGNAL_TRACES, 1, Buffer.alloc(16), Date.now() + 60_000).catch((e: RingError) => e);
  expect(err).toMatchObject({ retryable: true, message: "ring session ended: the peer's heartbeat stood still for 1000 ms" });
  expect(Date.now() - started).toBeLessThan(2500);
  peer.child.kill('SIGKILL');
  await peer.exited;
  region.close();
});

test('a corrupt record is reported by the Rust consumer, which ends the session without crashing', async () => {
  const region = Region.createAnonymous(symmetricOptions(65536, 1024, 16));
  const peer = startPeer(['--mode', 'echo'], region);
  await waitForLine(peer, 'ready');
  const producer = new Producer(region, 0);
  producer.push(L.TYPE_REQUEST, 9 /* no such signal */, 1n, 1, Buffer.from('x'));
  producer.publish();
  peer.bell!.write(Buffer.of(L.BELL_RECORDS));
  const { code, signal } = await peer.exited;
  expect({ code, signal }).toEqual({ code: 0, signal: null });
  expect(peer.stderr()).toContain('corrupt record at position 0: code: code 9 is not valid for record type 2');
  peer.bell!.destroy();
  region.close();
});

// scenario: a sender waits for what it sent before it stops (the engine's undeploy) / guarantee: idle() resolves only
// once every request, those queued for a slot included, has its answer, and at once when the session ends instead.
test('idle() waits for the last answer, queued requests included, and ends with the session', async () => {
  const region = Region.createAnonymous(symmetricOptions(65536, 4096, 16));
  const peer = startPeer(['--mode', 'echo', '--slow-us', '100'], region);
  const session = new Session(region, peer.bell!);
  await waitForLine(peer, 'ready');
  await session.idle(); // nothing sent yet: resolves at once

  const gen = new CheckedPayloads(0x1d1e, 4096);
  let settled = 0;
  const sent = Array.from({ length: 400 }, (_, seq) =>
    session.request(L.SIGNAL_TRACES, 1, gen.make(seq), Date.now() + 60_000).finally(() => settled++),
  );
  expect(session.stats.waits).toBeGreaterThan(0); // more than 16 slots' worth: some wait to be written
  await session.idle();
  expect(settled).toBe(400);
  expect((await Promise.allSettled(sent)).filter((o) => o.status !== 'fulfilled')).toEqual([]);

  const unanswered = Array.from({ length: 100 }, (_, seq) => session.request(L.SIGNAL_TRACES, 1, gen.make(seq), Date.now() + 60_000).catch((e: RingError) => e));
  const idle = session.idle();
  peer.child.kill('SIGKILL');
  await idle;
  expect(session.closedWith).toMatch(/the peer closed the doorbell/);
  expect((await Promise.all(unanswered)).some((o) => o instanceof RingError && o.retryable)).toBe(true);
  await peer.exited;
  region.close();
});

describe('setup by name (two terminals)', () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-shm-'))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('a separately started peer attaches by path; files are 0600 and removed on close', async () => {
    const region = Region.createNamed(dir, 'engine-0', symmetricOptions(1 << 20, 64 * 1024, 256));
    const listener = listenForPeer(region);
    await listener.listening;
    for (const f of ['engine-0.ring', 'engine-0.bell']) expect(fs.statSync(path.join(dir, f)).mode & 0o777).toBe(0o600);
    const peer = startPeer(['--attach', region.path!, '--mode', 'echo']);
    const session = new Session(region, await listener.connection);
    await waitForLine(peer, 'ready');
    const outcome = await stream(session, 10_000, 64, 32 * 1024);
    expect(outcome.filter((o) => o !== 'ok')).toEqual([]);
    session.close();
    region.close();
    expect(await summaryOf(peer)).toMatchObject({ received: 10_000, bad_checksum: 0, out_of_order: 0 });
    expect(fs.readdirSync(dir)).toEqual([]);
  });

  test('a stale region from a crashed creator is replaced with a new epoch; a live one is refused naming its pid', async () => {
    const dist = path.join(__dirname, '..', 'dist');
    const script = `const {Region,symmetricOptions}=require(${JSON.stringify(dist)});
      const r=Region.createNamed(${JSON.stringify(dir)},'engine-0',symmetricOptions(65536,1024,16));
      console.log(r.epoch.toString()); setInterval(()=>{},1000);`;
    const creator = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const staleEpoch = await new Promise<string>((resolve) => creator.stdout!.once('data', (d) => resolve(String(d).trim())));
    expect(() => Region.createNamed(dir, 'engine-0', symmetricOptions(65536, 1024, 16))).toThrow(
      `ring region ${path.join(dir, 'engine-0.ring')} is in use by a live creator (pid ${creator.pid})`,
    );
    creator.kill('SIGKILL');
    await new Promise((r) => creator.once('exit', r));
    const region = Region.createNamed(dir, 'engine-0', symmetricOptions(65536, 1024, 16));
    expect(region.epoch.toString()).not.toBe(staleEpoch);
    expect(Region.attachPath(region.path!).epoch).toBe(region.epoch);
    region.close();
  });

  // scenario: a killed host left its region (and doorbell socket) under shm_dir, another host's region is live /
  // guarantee: the next host removes the dead one's files and nothing of the live one's or anyone else's
  test('reclaimStaleRegions removes the regions of dead hosts only', async () => {
    const dist = path.join(__dirname, '..', 'dist');
    const script = `const {Region,symmetricOptions}=require(${JSON.stringify(dist)});
      Region.createNamed(${JSON.stringify(dir)},'tandem-'+process.pid+'-0',symmetricOptions(65536,1024,16));
      require('node:fs').writeFileSync(${JSON.stringify(dir)}+'/tandem-'+process.pid+'-0.bell','');
      console.log('ready'); setInterval(()=>{},1000);`;
    const start = () => {
      const creator = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
      return new Promise<typeof creator>((resolve) => creator.stdout!.once('data', () => resolve(creator)));
    };
    const [dead, live] = [await start(), await start()];
    dead.kill('SIGKILL');
    await new Promise((r) => dead.once('exit', r));
    fs.writeFileSync(path.join(dir, 'unrelated.ring'), '');
    expect(reclaimStaleRegions(dir)).toEqual([path.join(dir, `tandem-${dead.pid}-0.ring`)]);
    expect(fs.readdirSync(dir).sort()).toEqual([`tandem-${live.pid}-0.bell`, `tandem-${live.pid}-0.ring`, 'unrelated.ring']);
    live.kill('SIGKILL');
    await new Promise((r) => live.once('exit', r));
  });
});

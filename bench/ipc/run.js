#!/usr/bin/env node
// Ring benchmark: the same payloads sent by this Node process to one Rust process (tandem-ipc-bench-peer), over the
// ring and, as baselines in the same run, as unary gRPC calls over a Unix socket (grpc-js client, tonic server) and as
// length-prefixed frames over a plain Unix socket (net client, tokio server), with the same in-flight window and the
// same round-trip shape (one request, one empty answer). No payload is cache-hot on either side: the sender takes
// each one from the next slot of a pool several times the last-level cache, and the peer copies each one into the next
// slot of a pool as large. The memcpy reference copies between two such pools, from the same slots.
// Writes bench/results/ipc.json and the "Ring" section of bench/RESULTS.md.
'use strict';
const { spawn } = require('node:child_process');
const { randomFillSync } = require('node:crypto');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const grpc = require('@grpc/grpc-js');
const { root, cpuSeconds, machine, writeResults, loadAverage, median } = require('../lib');
const { Region, Session, inheritedStdio, symmetricOptions, layout } = require(path.join(root, 'ipc', 'node', 'dist'));

const SIZES = [128, 1024, 64 * 1024, 1 << 20, 4 << 20];
const WINDOW = 32;
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 3000);
const IDLE_MS = Number(process.env.BENCH_IDLE_MS ?? 10_000);
// Each side's pool: 8 times this machine's 32 MiB L3 (and more than the 64 MiB ring), so a slot is cold when reused.
const POOL_BYTES = 256 << 20;
// The defaults of runtime.rust.ipc: 64 MiB per direction, 16 MiB messages, 65536 in flight.
const RING = symmetricOptions(64 << 20, 16 << 20, 65536);
const targetDir = process.env.CARGO_TARGET_DIR ?? path.join(root, 'rust-engine', 'target');
const PEER = path.join(targetDir, 'release', 'tandem-ipc-bench-peer');
const TRANSPORTS = ['memcpy', 'ring', 'grpc_uds', 'framed_uds'];
// Each row is the median of this many windows, DURATION_MS long together, each after a warm-up.
const ROUNDS = 3;
const WARMUP_MS = 200;

function startPeer(args, region) {
  const peerArgs = [...args, '--pool-bytes', String(POOL_BYTES)];
  const child = region
    ? spawn(PEER, ['--region-fd', '3', '--bell-fd', '4', ...peerArgs], { stdio: inheritedStdio(region, ['ignore', 'pipe', 'inherit']) })
    : spawn(PEER, peerArgs, { stdio: ['ignore', 'pipe', 'inherit'] });
  const ready = new Promise((resolve, reject) => {
    child.stdout.once('data', resolve);
    child.once('exit', (code) => reject(new Error(`${PEER} exited with ${code}`)));
  });
  return { child, ready };
}

/** A pool of POOL_BYTES random bytes handing out consecutive `size`-byte slots, from its start again at the end. */
function pool() {
  const bytes = Buffer.allocUnsafe(POOL_BYTES);
  for (let at = 0; at < POOL_BYTES; at += 1 << 26) randomFillSync(bytes, at, Math.min(1 << 26, POOL_BYTES - at));
  let next = 0;
  const slot = (size) => {
    if (next + size > POOL_BYTES) next = 0;
    const start = next;
    next = Math.ceil((start + size) / 64) * 64;
    return start;
  };
  return { bytes, slot, next: (size) => { const start = slot(size); return bytes.subarray(start, start + size); } };
}

/** Keeps `window` calls in flight for `ms`; returns messages per second. */
async function throughput(call, window, ms) {
  let done = 0;
  const until = Date.now() + ms;
  const worker = async () => {
    while (Date.now() < until) {
      await call();
      done++;
    }
  };
  const started = process.hrtime.bigint();
  await Promise.all(Array.from({ length: window }, worker));
  return done / (Number(process.hrtime.bigint() - started) / 1e9);
}

/** One call at a time: each round trip in microseconds. */
async function roundTrips(call, samples) {
  const times = [];
  for (let i = 0; i < samples; i++) {
    const t = process.hrtime.bigint();
    await call();
    times.push(Number(process.hrtime.bigint() - t) / 1000);
  }
  return times;
}

const samplesFor = (size) => Math.round((size >= 1 << 20 ? 300 : 3000) / ROUNDS);

/** One window of a transport at a size: warm-up, round trips one at a time, then messages/s with WINDOW in flight. */
async function transportWindow(call, size) {
  await throughput(call, WINDOW, WARMUP_MS);
  const times = await roundTrips(call, samplesFor(size));
  return { msgs: await throughput(call, WINDOW, DURATION_MS / ROUNDS), times };
}

/**
 * The memcpy reference, measured like a transport: the same source slots, each copied (`Uint8Array.set`, as the
 * ring's producer copies) into the next slot of a second pool; one copy at a time for the "round trip", as many as
 * fit in the window for messages/s.
 */
async function memcpyWindow(source, destination, size) {
  const copy = () => destination.bytes.set(source.next(size), destination.slot(size));
  const until = (ms) => process.hrtime.bigint() + BigInt(Math.round(ms * 1e6));
  for (const end = until(WARMUP_MS); process.hrtime.bigint() < end;) copy();
  const times = await roundTrips(copy, samplesFor(size));
  let done = 0;
  const started = process.hrtime.bigint();
  const end = until(DURATION_MS / ROUNDS);
  // The clock is read every 64 copies, so that at 128 B it is not most of the work.
  while (process.hrtime.bigint() < end) for (let i = 0; i < 64; i++, done++) copy();
  return { msgs: done / (Number(process.hrtime.bigint() - started) / 1e9), times };
}

/** A transport's figures at a size over its windows: the median messages/s, round-trip percentiles of all samples. */
function row(transport, size, windows) {
  const msgs = median(windows.map((w) => w.msgs));
  const times = windows.flatMap((w) => w.times).sort((a, b) => a - b);
  const at = (q) => times[Math.min(times.length - 1, Math.floor(q * times.length))];
  return {
    payload_bytes: size,
    transport,
    msgs_per_s: Math.round(msgs),
    mb_per_s: Math.round((msgs * size) / 1e6),
    rtt_p50_us: Number(at(0.5).toFixed(1)),
    rtt_p99_us: Number(at(0.99).toFixed(1)),
    windows_msgs_per_s: windows.map((w) => Math.round(w.msgs)),
  };
}

/** The plain baseline's client: a u32 little-endian length and the payload per request; answers come in order. */
async function framedClient(socketPath) {
  const socket = net.connect(socketPath);
  await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const waiting = [];
  let buffered = Buffer.alloc(0);
  socket.on('data', (chunk) => {
    buffered = buffered.length > 0 ? Buffer.concat([buffered, chunk]) : chunk;
    let at = 0;
    while (buffered.length - at >= 4 && buffered.length - at >= 4 + buffered.readUInt32LE(at)) {
      at += 4 + buffered.readUInt32LE(at);
      waiting.shift().resolve();
    }
    buffered = buffered.subarray(at);
  });
  socket.on('error', (err) => { for (const w of waiting.splice(0)) w.reject(err); });
  return {
    call: (payload) => new Promise((resolve, reject) => {
      waiting.push({ resolve, reject });
      const length = Buffer.allocUnsafe(4);
      length.writeUInt32LE(payload.length);
      socket.cork();
      socket.write(length);
      socket.write(payload);
      socket.uncork();
    }),
    close: () => socket.end(),
  };
}

/** Each baseline's peer on its own Unix socket; resolves with `call(payload)` for it and a stop function. */
async function socketPeer(transport, dir) {
  const socket = path.join(dir, `${transport}.sock`);
  const peer = startPeer([transport === 'grpc_uds' ? '--grpc-listen' : '--framed-listen', socket]);
  await peer.ready;
  if (transport === 'framed_uds') {
    const client = await framedClient(socket);
    return { call: client.call, stop: () => { client.close(); peer.child.kill('SIGTERM'); } };
  }
  const client = new grpc.Client(`unix://${socket}`, grpc.credentials.createInsecure(), {
    'grpc.max_send_message_length': -1,
    'grpc.max_receive_message_length': -1,
  });
  const identity = (b) => b;
  const call = (payload) => new Promise((resolve, reject) =>
    client.makeUnaryRequest('/tandem.bench.Echo/Call', identity, identity, payload, (err) => (err ? reject(err) : resolve())));
  return { call, stop: () => { client.close(); peer.child.kill('SIGTERM'); } };
}

async function main() {
  const loadAtStart = loadAverage();
  const source = pool();
  const destination = pool();
  const region = Region.createAnonymous(RING);
  const ringPeer = startPeer([], region);
  const session = new Session(region, ringPeer.child.stdio[4]);
  await ringPeer.ready;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-bench-ipc-'));
  const grpcPeer = await socketPeer('grpc_uds', dir);
  const framedPeer = await socketPeer('framed_uds', dir);
  const measureWindow = {
    memcpy: (size) => memcpyWindow(source, destination, size),
    ring: (size) => transportWindow(() => session.request(layout.SIGNAL_TRACES, 1, source.next(size), Date.now() + 60_000), size),
    grpc_uds: (size) => transportWindow(() => grpcPeer.call(source.next(size)), size),
    framed_uds: (size) => transportWindow(() => framedPeer.call(source.next(size)), size),
  };
  // The transports take turns, size by size, round after round: a busy moment of the shared machine falls on all alike.
  const windows = Object.fromEntries(TRANSPORTS.map((t) => [t, Object.fromEntries(SIZES.map((size) => [size, []]))]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const size of SIZES) {
      for (const transport of TRANSPORTS) {
        const measured = await measureWindow[transport](size);
        windows[transport][size].push(measured);
        console.log(JSON.stringify({ round, payload_bytes: size, transport, msgs_per_s: Math.round(measured.msgs) }));
      }
    }
  }
  grpcPeer.stop();
  framedPeer.stop();
  const rows = TRANSPORTS.flatMap((t) => SIZES.map((size) => row(t, size, windows[t][size])));

  // Idle: the ring session stays open with nothing to send; both processes should sleep. The garbage collector's
  // clean-up after the load is left to finish first.
  await new Promise((r) => setTimeout(r, 3000));
  const hostBefore = process.cpuUsage();
  const peerBefore = cpuSeconds(ringPeer.child.pid);
  await new Promise((r) => setTimeout(r, IDLE_MS));
  const hostCpu = process.cpuUsage(hostBefore);
  const idle = {
    host: Number((((hostCpu.user + hostCpu.system) / 1e6 / (IDLE_MS / 1000)) * 100).toFixed(3)),
    engine: Number((((cpuSeconds(ringPeer.child.pid) - peerBefore) / (IDLE_MS / 1000)) * 100).toFixed(3)),
  };
  session.close();
  region.close();
  ringPeer.child.kill('SIGTERM');
  fs.rmSync(dir, { recursive: true, force: true });

  const find = (t, s) => rows.find((r) => r.transport === t && r.payload_bytes === s);
  // Within a round the ring and its baselines ran next to each other: the ratio is the median of those ratios.
  const over = (t, s) => median(windows.ring[s].map((w, round) => w.msgs / windows[t][s][round].msgs));
  const ratios = SIZES.map((size) => ({
    payload_bytes: size,
    ring_over_grpc_uds: Number(over('grpc_uds', size).toFixed(2)),
    ring_over_framed_uds: Number(over('framed_uds', size).toFixed(2)),
    ring_over_memcpy: Number(over('memcpy', size).toFixed(3)),
    rtt_p50_framed_uds_over_ring: Number((find('framed_uds', size).rtt_p50_us / find('ring', size).rtt_p50_us).toFixed(2)),
  }));
  const ratioAt = (size) => ratios.find((r) => r.payload_bytes === size);
  const targets = [
    ['ring / gRPC messages/s at 1 KiB', ratioAt(1024).ring_over_grpc_uds, '>= 20', ratioAt(1024).ring_over_grpc_uds >= 20],
    ['ring / gRPC messages/s at 1 MiB', ratioAt(1 << 20).ring_over_grpc_uds, '>= 3', ratioAt(1 << 20).ring_over_grpc_uds >= 3],
    ['ring 1 MiB MB/s / memcpy MB/s', ratioAt(1 << 20).ring_over_memcpy, '>= 0.4', ratioAt(1 << 20).ring_over_memcpy >= 0.4],
    ['ring round trip p50 at 128 B (us)', find('ring', 128).rtt_p50_us, '< 50', find('ring', 128).rtt_p50_us < 50],
    ['idle CPU % of host (Node)', idle.host, '< 1', idle.host < 1],
    ['idle CPU % of engine (Rust)', idle.engine, '< 1', idle.engine < 1],
  ];
  const loadAtEnd = loadAverage();
  const result = {
    date: new Date().toISOString(), machine: machine(), window: WINDOW, pool_bytes: POOL_BYTES, duration_ms: DURATION_MS, rounds: ROUNDS, warmup_ms: WARMUP_MS,
    load_average_at_start: loadAtStart, load_average_at_end: loadAtEnd,
    rows, ratios, idle_cpu_percent: idle, targets: targets.map(([name, value, target, met]) => ({ name, value, target, met })),
  };
  console.table(rows);
  console.table(ratios);
  console.table(result.targets);
  const fmt = (v) => (typeof v === 'number' ? Number(v.toFixed(2)) : v);
  const size = (bytes) => (bytes >= 1 << 20 ? `${bytes / 2 ** 20} MiB` : bytes >= 1024 ? `${bytes / 1024} KiB` : `${bytes} B`);
  writeResults('ipc', 'Ring', result, `
The same payloads from the Node host process to one Rust process, over the ring (request, OK response) and, as the
baselines in the same run, as unary gRPC calls over a Unix socket (grpc-js client, tonic server, raw bytes, no
protobuf on either side) and as length-prefixed frames over a plain Unix socket (\`net\` client writing a u32 length
and the payload, tokio server reading it, answering with an empty frame; answers to a burst go out in one write).
${WINDOW} requests in flight for messages/s and MB/s, round trips one at a time. The transports take turns, size by size:
${ROUNDS} rounds, each giving every transport one window of ${DURATION_MS / ROUNDS / 1000} s per size after ${WARMUP_MS / 1000} s of warm-up; messages/s is the
median of the windows, round-trip percentiles are over all the windows' samples, each ratio is the median over rounds
of the ratio within the round. Ring sizes are the \`runtime.rust.ipc\` defaults (64 MiB per direction).

Nothing is cache-hot: the sender takes each payload from the next slot of a pool of ${POOL_BYTES >> 20} MiB of random bytes
(this machine's L3 is 32 MiB) and the peer copies each payload it receives into the next slot of its own
${POOL_BYTES >> 20} MiB pool, on every transport (the ring's peer after the ring library's own copy out of the ring; the plain
socket's reads straight into the slot). memcpy is measured the same way: from the same source slots into a second
${POOL_BYTES >> 20} MiB pool, with \`Uint8Array.set\` (how the ring's producer copies), one copy per "message", in one thread;
its "round trip" is one copy. The ring moves each payload with two copies (into the ring, out of it) and the peer's
third into its pool; memcpy is one copy.

| payload | transport | msgs/s | MB/s | RTT p50 (us) | RTT p99 (us) |
| ---: | --- | ---: | ---: | ---: | ---: |
${rows.map((r) => `| ${size(r.payload_bytes)} | ${r.transport} | ${r.msgs_per_s} | ${r.mb_per_s} | ${r.rtt_p50_us} | ${r.rtt_p99_us} |`).join('\n')}

Ratios: the ring's messages/s over each baseline's at the same size (the median over rounds of the ratio within a
round), and the plain socket's round trip p50 over the ring's:

| payload | ring / gRPC | ring / plain socket | ring / memcpy | RTT p50 plain socket / ring |
| ---: | ---: | ---: | ---: | ---: |
${ratios.map((r) => `| ${size(r.payload_bytes)} | ${r.ring_over_grpc_uds} | ${r.ring_over_framed_uds} | ${r.ring_over_memcpy} | ${r.rtt_p50_framed_uds_over_ring} |`).join('\n')}

Idle CPU over ${IDLE_MS / 1000} s (after 3 s of settling): host ${idle.host}%, engine ${idle.engine}%.

| target | value | wanted | met |
| --- | ---: | --- | --- |
${result.targets.map((t) => `| ${t.name} | ${fmt(t.value)} | ${t.target} | ${t.met ? 'yes' : '**no**'} |`).join('\n')}

Load average (1, 5, 15 min) at the start: ${loadAtStart.join(', ')}; at the end: ${loadAtEnd.join(', ')}, on 2 cores.`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

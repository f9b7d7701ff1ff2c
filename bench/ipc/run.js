#!/usr/bin/env node
// Ring benchmark: the same payloads sent by this Node process to one Rust process (tandem-ipc-bench-peer), over the
// ring and, as the baseline in the same run, as unary gRPC calls over a Unix socket (grpc-js client, tonic server),
// with the same in-flight window. Both peers take the payload, copy it out and answer OK.
// Writes bench/results/ipc.json and the "Ring" section of bench/RESULTS.md.
'use strict';
const { spawn } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const grpc = require('@grpc/grpc-js');
const { root, cpuSeconds, machine, writeResults } = require('../lib');
const { Region, Session, inheritedStdio, symmetricOptions, layout } = require(path.join(root, 'ipc', 'node', 'dist'));

const SIZES = [128, 1024, 64 * 1024, 1 << 20, 4 << 20];
const WINDOW = 32;
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 3000);
const IDLE_MS = Number(process.env.BENCH_IDLE_MS ?? 10_000);
// The defaults of runtime.rust.ipc: 64 MiB per direction, 16 MiB messages, 65536 in flight.
const RING = symmetricOptions(64 << 20, 16 << 20, 65536);
const targetDir = process.env.CARGO_TARGET_DIR ?? path.join(root, 'rust-engine', 'target');
const PEER = path.join(targetDir, 'release', 'tandem-ipc-bench-peer');

function startPeer(args, region) {
  const child = region
    ? spawn(PEER, ['--region-fd', '3', '--bell-fd', '4'], { stdio: inheritedStdio(region, ['ignore', 'pipe', 'inherit']) })
    : spawn(PEER, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const ready = new Promise((resolve, reject) => {
    child.stdout.once('data', resolve);
    child.once('exit', (code) => reject(new Error(`${PEER} exited with ${code}`)));
  });
  return { child, ready };
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

/** One call at a time: round-trip percentiles in microseconds. */
async function roundTrips(call, samples) {
  const times = [];
  for (let i = 0; i < samples; i++) {
    const t = process.hrtime.bigint();
    await call();
    times.push(Number(process.hrtime.bigint() - t) / 1000);
  }
  times.sort((a, b) => a - b);
  const at = (q) => times[Math.min(times.length - 1, Math.floor(q * times.length))];
  return { p50: at(0.5), p99: at(0.99) };
}

async function measure(transport, call, size) {
  const samples = size >= 1 << 20 ? 300 : 3000;
  await throughput(call, WINDOW, 300); // warm-up
  const rtt = await roundTrips(call, samples);
  const msgs = await throughput(call, WINDOW, DURATION_MS);
  const row = {
    payload_bytes: size,
    transport,
    msgs_per_s: Math.round(msgs),
    mb_per_s: Math.round((msgs * size) / 1e6),
    rtt_p50_us: Number(rtt.p50.toFixed(1)),
    rtt_p99_us: Number(rtt.p99.toFixed(1)),
  };
  console.log(JSON.stringify(row));
  return row;
}

/** This machine's copy bandwidth: 4 MiB copies between buffers larger than the caches. */
function memcpyMBps() {
  const src = randomBytes(64 << 20);
  const dst = Buffer.alloc(64 << 20);
  const chunk = 4 << 20;
  let bytes = 0;
  const started = process.hrtime.bigint();
  while (Number(process.hrtime.bigint() - started) < 1e9) {
    for (let off = 0; off < src.length; off += chunk) src.copy(dst, off, off, off + chunk);
    bytes += src.length;
  }
  return Math.round(bytes / 1e6 / (Number(process.hrtime.bigint() - started) / 1e9));
}

async function main() {
  const rows = [];
  const memcpy = memcpyMBps();
  console.log(JSON.stringify({ memcpy_mb_per_s: memcpy }));

  const region = Region.createAnonymous(RING);
  const ringPeer = startPeer([], region);
  const session = new Session(region, ringPeer.child.stdio[4]);
  await ringPeer.ready;
  const payloads = new Map(SIZES.map((s) => [s, randomBytes(s)]));
  for (const size of SIZES) {
    const payload = payloads.get(size);
    rows.push(await measure('ring', () => session.request(layout.SIGNAL_TRACES, 1, payload, Date.now() + 60_000), size));
  }

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-bench-ipc-'));
  const socket = path.join(dir, 'echo.sock');
  const grpcPeer = startPeer(['--grpc-listen', socket]);
  await grpcPeer.ready;
  const client = new grpc.Client(`unix://${socket}`, grpc.credentials.createInsecure(), {
    'grpc.max_send_message_length': -1,
    'grpc.max_receive_message_length': -1,
  });
  const identity = (b) => b;
  for (const size of SIZES) {
    const payload = payloads.get(size);
    const call = () =>
      new Promise((resolve, reject) =>
        client.makeUnaryRequest('/tandem.bench.Echo/Call', identity, identity, payload, (err) => (err ? reject(err) : resolve())),
      );
    rows.push(await measure('grpc_uds', call, size));
  }
  client.close();
  grpcPeer.child.kill('SIGTERM');

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
  fs.rmSync(dir, { recursive: true, force: true });

  const row = (t, s) => rows.find((r) => r.transport === t && r.payload_bytes === s);
  const ratio = (s) => row('ring', s).msgs_per_s / row('grpc_uds', s).msgs_per_s;
  const targets = [
    ['ring / gRPC messages/s at 1 KiB', ratio(1024), '>= 20', ratio(1024) >= 20],
    ['ring / gRPC messages/s at 1 MiB', ratio(1 << 20), '>= 3', ratio(1 << 20) >= 3],
    ['ring 1 MiB MB/s / memcpy MB/s', row('ring', 1 << 20).mb_per_s / memcpy, '>= 0.4', row('ring', 1 << 20).mb_per_s / memcpy >= 0.4],
    ['ring round trip p50 at 128 B (us)', row('ring', 128).rtt_p50_us, '< 50', row('ring', 128).rtt_p50_us < 50],
    ['idle CPU % of host (Node)', idle.host, '< 1', idle.host < 1],
    ['idle CPU % of engine (Rust)', idle.engine, '< 1', idle.engine < 1],
  ];
  const result = { date: new Date().toISOString(), machine: machine(), window: WINDOW, rows, memcpy_mb_per_s: memcpy, idle_cpu_percent: idle, targets: targets.map(([name, value, target, met]) => ({ name, value, target, met })) };
  console.table(rows);
  console.table(result.targets);
  const fmt = (v) => (typeof v === 'number' ? Number(v.toFixed(2)) : v);
  writeResults('ipc', 'Ring', result, `
The same payloads from the Node host process to one Rust process, over the ring (request, copy out, OK response) and,
as the baseline in the same run, as unary gRPC calls over a Unix socket (grpc-js client, tonic server, raw bytes, no
protobuf on either side). ${WINDOW} requests in flight for messages/s and MB/s (${DURATION_MS / 1000} s per row);
round trips one at a time. Ring sizes are the \`runtime.rust.ipc\` defaults (64 MiB per direction).

| payload | transport | msgs/s | MB/s | RTT p50 (us) | RTT p99 (us) |
| ---: | --- | ---: | ---: | ---: | ---: |
${rows.map((r) => `| ${r.payload_bytes} | ${r.transport} | ${r.msgs_per_s} | ${r.mb_per_s} | ${r.rtt_p50_us} | ${r.rtt_p99_us} |`).join('\n')}

memcpy: ${memcpy} MB/s. Idle CPU over ${IDLE_MS / 1000} s (after 3 s of settling): host ${idle.host}%, engine ${idle.engine}%.

| target | value | wanted | met |
| --- | ---: | --- | --- |
${result.targets.map((t) => `| ${t.name} | ${fmt(t.value)} | ${t.target} | ${t.met ? 'yes' : '**no**'} |`).join('\n')}`);
  ringPeer.child.kill('SIGTERM');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

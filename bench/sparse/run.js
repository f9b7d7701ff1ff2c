#!/usr/bin/env node
// Sparse load: what one request costs when requests come one at a time. Under telemetrygen's load (bench:collector's
// second source: about 80 exports of 100 spans a second, each client waiting for its answer) every collector sleeps
// between requests, so its CPU per request is mostly waking up and running its request path with cold caches, not
// the work a busy collector amortises. This benchmark puts figures on that, in one run, taking turns on the same load:
// - the machine: the CPU an otherwise idle Node process spends per timer wake-up at the same spacing;
// - floors no Node collector can go below: a trace Export server answering OK on node:http2 alone, and on
//   @grpc/grpc-js (what the host's otlp receiver and exporter are built on), both reading and dropping the request;
//   and a grpc-js relay forwarding each request to the sink and answering after, as Tandem's host does;
// - Tandem (host only; all in the engine) and the Go Collector (batching; answering after export, as Tandem does),
//   each forwarding to the sink.
// Reports CPU-us per telemetrygen export (100 spans) after a long warm-up (V8 is still compiling the request path
// for most of a minute at this rate) and the ratio against the Go Collector. Writes bench/results/sparse.json and the
// "Sparse load" section of bench/RESULTS.md.
'use strict';
const { spawn } = require('node:child_process');
const path = require('node:path');

const {
  machine, writeResults, freePort, stopCollector, startTraceSink, telemetrygenTraces, processTree, treeCpuSeconds, HOST_NODE_FLAGS, startCountingServer,
  loadAverage, median,
} = require('../lib');
const { COLLECTORS, TELEMETRYGEN } = require('../collector/run');

const WARMUP_MS = Number(process.env.BENCH_WARMUP_MS ?? 30_000);
const WINDOW_MS = Number(process.env.BENCH_DURATION_MS ?? 10_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
/** Load before each window, so that the window starts with every client connected and sending. */
const SETTLE_MS = 2_000;
const SPANS_PER_EXPORT = TELEMETRYGEN.batchSize;
const WAKE_COUNT = 500;

/** `forwards`: the floor sends what it takes to the sink, so the sink counts it, as for the collectors. */
const FLOORS = {
  floor_http2: { name: 'node:http2 server answering OK (no gRPC library)', kind: 'http2' },
  floor_grpcjs: { name: '@grpc/grpc-js server answering OK', kind: 'grpc-js' },
  floor_relay: { name: '@grpc/grpc-js relay: forwards each request to the sink, answers after', kind: 'relay', forwards: true },
};
const SUBJECTS = ['tandem_host', 'tandem_placed', 'tandem_engine'];
const BASELINES = ['go_batch', 'go_sync'];

const progress = (message) => process.stderr.write(`[sparse] ${new Date().toISOString()} ${message}\n`);

/** Starts a floor server (bench/sparse/floor.js); resolves with its child, address and a counter of the spans it took. */
async function startFloor(kind, sinkPort) {
  const { child, port, count } = await startCountingServer([...HOST_NODE_FLAGS, path.join(__dirname, 'floor.js'), kind, String(sinkPort)], 'requests');
  return { child, address: `127.0.0.1:${port}`, work: async () => (await count()) * SPANS_PER_EXPORT, stop: () => child.stdin.end() };
}

/** The CPU an idle Node process spends per wake-up of a timer firing as often as one collector gets a request. */
function wakeCost(everyMs) {
  const script = `const used = () => { const u = process.cpuUsage(); return u.user + u.system; };
let left = ${WAKE_COUNT}; let from = 0;
const tick = () => { if (left-- === 0) { process.stdout.write(String((used() - from) / ${WAKE_COUNT})); return; } setTimeout(tick, ${everyMs}); };
setTimeout(() => { from = used(); tick(); }, 200);`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...HOST_NODE_FLAGS, '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk) => { out += chunk; });
    child.once('exit', (code) => (code === 0 ? resolve(Number(Number(out).toFixed(1))) : reject(new Error(`wake probe exited with ${code}`))));
  });
}

/** One window of telemetrygen load on `subject`: its CPU per export of 100 spans and the spans it took per second. */
async function window(subject, durationMs) {
  const pids = processTree(subject.child.pid);
  const before = await subject.work();
  const cpuBefore = treeCpuSeconds(pids);
  await telemetrygenTraces(subject.address, TELEMETRYGEN, Date.now() + durationMs);
  const spans = (await subject.settle()) - before;
  const cpu = treeCpuSeconds(pids) - cpuBefore;
  return { spans_per_second: Math.round(spans / (durationMs / 1000)), cpu_us_per_export: Math.round((cpu * 1e6) / (spans / SPANS_PER_EXPORT)) };
}

async function main() {
  const start = loadAverage();
  const sink = await startTraceSink();
  const subjects = {};
  try {
    for (const [key, floor] of Object.entries(FLOORS)) {
      const started = await startFloor(floor.kind, sink.port);
      // A floor that drops counts what it answered: all of it is in once telemetrygen has exited.
      const counted = floor.forwards ? { work: sink.count, settle: () => sink.settle() } : { settle: started.work };
      subjects[key] = { ...started, name: floor.name, ...counted };
    }
    for (const key of [...SUBJECTS, ...BASELINES]) {
      const collector = COLLECTORS[key];
      const port = await freePort();
      const child = await collector.start(collector.yaml(port, sink.port), port);
      subjects[key] = { child, address: `127.0.0.1:${port}`, name: collector.name, work: sink.count, settle: () => sink.settle(), stop: () => stopCollector(child) };
    }
    for (const [key, subject] of Object.entries(subjects)) {
      progress(`warm-up ${key} (${WARMUP_MS / 1000} s)`);
      await telemetrygenTraces(subject.address, TELEMETRYGEN, Date.now() + WARMUP_MS);
      await subject.settle();
    }
    const windows = Object.fromEntries(Object.keys(subjects).map((key) => [key, []]));
    for (let round = 0; round < ROUNDS; round++) {
      for (const [key, subject] of Object.entries(subjects)) {
        await telemetrygenTraces(subject.address, TELEMETRYGEN, Date.now() + SETTLE_MS);
        await subject.settle();
        const w = await window(subject, WINDOW_MS);
        windows[key].push(w);
        progress(`round ${round + 1} ${key}: ${w.spans_per_second} spans/s, ${w.cpu_us_per_export} CPU-us per export; load ${loadAverage()[0]}`);
      }
    }
    const everyMs = Math.round(1000 / (median(windows.go_batch.map((w) => w.spans_per_second)) / SPANS_PER_EXPORT));
    const wake = await wakeCost(everyMs);
    progress(`an idle Node process woken every ${everyMs} ms: ${wake} CPU-us per wake-up`);
    const figures = Object.fromEntries(Object.entries(windows).map(([key, w]) => [key, {
      name: subjects[key].name,
      spans_per_second: median(w.map((x) => x.spans_per_second)),
      cpu_us_per_export: median(w.map((x) => x.cpu_us_per_export)),
      // Within each round, against the Go Collector's neighbouring windows.
      ...Object.fromEntries(BASELINES.map((b) => [`vs_${b}`, median(w.map((x, i) => windows[b][i].cpu_us_per_export / x.cpu_us_per_export))])),
    }]));
    const result = {
      date: new Date().toISOString(), machine: machine(), cores: require('node:os').cpus().length,
      warmup_seconds: WARMUP_MS / 1000, window_seconds: WINDOW_MS / 1000, rounds: ROUNDS, telemetrygen: TELEMETRYGEN,
      wake: { every_ms: everyMs, cpu_us: wake }, figures, windows, load_average: { start, end: loadAverage() },
    };
    console.log(JSON.stringify({ ...result, windows: undefined }, null, 2));
    write(result);
  } finally {
    for (const subject of Object.values(subjects)) await subject.stop();
    sink.stop();
  }
}

function write(result) {
  const { figures, wake } = result;
  const ratio = (v) => `${v.toFixed(2)}x`;
  const rows = Object.values(figures).map((f) => `| ${f.name} | ${f.spans_per_second} | ${f.cpu_us_per_export} | ${ratio(f.vs_go_batch)} | ${ratio(f.vs_go_sync)} |`);
  writeResults('sparse', 'Sparse load: what a request costs', result, `
telemetrygen alone (${result.telemetrygen.clients} processes, exports of ${SPANS_PER_EXPORT} spans, each client waiting for its answer: bench:collector's
second source), on each subject in turn: a ${result.warmup_seconds} s warm-up each, then ${result.rounds} rounds of one ${result.window_seconds} s window each.
CPU is user+system of the subject's processes (host and engine together) from /proc/<pid>/stat, per export of
${SPANS_PER_EXPORT} spans it took; the ratio is the Go Collector's CPU per export over the subject's, in neighbouring windows
(above 1: cheaper than Go). The first two floors read the request and answer OK; they forward nothing. The relay and
the collectors forward to the sink; Tandem's batch processors send a batch as soon as none is in flight, so at this load each request is
exported on its own, as Go does only with its sending queue off.

| subject | spans/s | CPU-us per export | vs Go batching | vs Go answering after export |
| --- | ---: | ---: | ---: | ---: |
${rows.join('\n')}

The machine: an otherwise idle Node process woken by a timer every ${wake.every_ms} ms (as often as each collector gets an
export) spends ${wake.cpu_us} CPU-us per wake-up.

Load average (1, 5, 15 min) at the start: ${result.load_average.start.join(', ')}; at the end: ${result.load_average.end.join(', ')}, on ${result.cores} cores.`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

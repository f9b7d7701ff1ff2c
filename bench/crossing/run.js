#!/usr/bin/env node
// Crossing benchmark: what one request costs the host when its pipeline crosses into the engine and back
// (`otlp -> rust_batch -> otlp_grpc`), against the same pipeline wholly in the host (`otlp -> batch -> otlp_grpc`), in
// the same run, taking turns; and where the host's time goes, from a third tandem running the crossing pipeline under
// Node's CPU profiler (`--cpu-prof`), its samples grouped by the code they ran in, and that tandem's engine under
// `perf record` (when perf is installed), its samples grouped by crate.
// Reports host CPU-us and engine CPU-us per request (from /proc/<pid>/stat), spans/s, and the profile's shares as
// CPU-us per request. Writes bench/results/crossing.json and the "Crossing" section of bench/RESULTS.md.
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const { once } = require('node:events');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const {
  machine, writeResults, freePort, startCollector, HOST_NODE_FLAGS, TANDEM, stopCollector, startTraceSink, measureTraces, processTree,
  generatedTraces, loadAverage, median,
} = require('../lib');

const WINDOW_MS = Number(process.env.BENCH_DURATION_MS ?? 8_000);
const WARMUP_MS = 3_000;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const SPANS_PER_REQUEST = 100;
// As in bench:host: more than a batch (8192 spans) in flight, so that batches fill by size.
const IN_FLIGHT = 128;
const TOP_FUNCTIONS = 15;
const TOP_HOMES = 15;

const PIPELINES = {
  host: { name: '`otlp -> batch -> otlp_grpc` (host only)', mode: 'off', processor: 'batch' },
  crossing: { name: '`otlp -> rust_batch -> otlp_grpc` (crosses in and back)', mode: 'spawn', processor: 'rust_batch' },
  profiled: { name: 'the same, host under `--cpu-prof`', mode: 'spawn', processor: 'rust_batch', profile: true },
};

async function start(sinkPort, { mode, processor, profile }, profileDir) {
  const port = await freePort();
  // The receiver and exporter are pinned in the host, or placement would run the whole pipeline in the engine.
  const yaml = `runtime:\n  rust:\n    mode: ${mode}\n  placement:\n    in_host: [otlp, otlp_grpc]\nreceivers:\n  otlp:\n    protocols:\n      grpc:\n        endpoint: 127.0.0.1:${port}\n`
    + `processors:\n  ${processor}:\nexporters:\n  otlp_grpc:\n    endpoint: 127.0.0.1:${sinkPort}\n    tls:\n      insecure: true\n    compression: none\n`
    + `service:\n  telemetry:\n    logs:\n      level: warn\n    metrics:\n      level: none\n  pipelines:\n    traces:\n      receivers: [otlp]\n      processors: [${processor}]\n      exporters: [otlp_grpc]\n`;
  const node = profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const child = await startCollector('tandem', process.execPath, [...HOST_NODE_FLAGS, ...node, TANDEM], yaml, port);
  return { child, address: `127.0.0.1:${port}`, engine: processTree(child.pid)[1] };
}

/** The home of a profiled function, from its script: a package, a folder of ts-host, Node's own module, or V8's. */
function home({ url, functionName }) {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  const host = /ts-host\/dist\/(.+)\/[^/]+\.js$/.exec(url) ?? /ts-host\/dist\/([^/]+)\.js$/.exec(url);
  if (host) return `ts-host ${host[1]}`;
  if (/ipc\/node\//.test(url)) return 'ipc/node (the ring)';
  const internal = /^node:(?:internal\/)?([^/]+)/.exec(url);
  if (internal) return `node:${internal[1]}`;
  return url;
}

/**
 * Self time of a V8 CPU profile's samples that fall in `intervals` (microseconds of the monotonic clock, which the
 * profiler and process.hrtime share), by home and by function; idle samples left out.
 */
function profileShares(file, intervals) {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8'));
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const byHome = new Map();
  const byFunction = new Map();
  let total = 0;
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    at += profile.timeDeltas[i];
    const delta = profile.timeDeltas[i + 1] ?? 0; // a sample stands for the time until the next one
    if (!intervals.some(([from, to]) => at >= from && at <= to)) return;
    const { callFrame } = nodes.get(id);
    if (callFrame.functionName === '(idle)') return;
    const where = home(callFrame);
    const fn = `${callFrame.functionName || '(anonymous)'} (${where}${callFrame.url ? `, ${path.basename(callFrame.url)}:${callFrame.lineNumber + 1}` : ''})`;
    byHome.set(where, (byHome.get(where) ?? 0) + delta);
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + delta);
    total += delta;
  });
  const shares = (map, limit, rest) => {
    const sorted = [...map].sort((a, b) => b[1] - a[1]).map(([name, us]) => ({ name, share: us / total }));
    const top = sorted.slice(0, limit);
    const others = sorted.slice(limit).reduce((sum, entry) => sum + entry.share, 0);
    return rest && others > 0 ? [...top, { name: rest, share: others }] : top;
  };
  return {
    sampled_seconds: total / 1e6,
    homes: shares(byHome, TOP_HOMES, 'everything else'),
    functions: shares(byFunction, TOP_FUNCTIONS),
  };
}

const nowUs = () => Number(process.hrtime.bigint() / 1000n);

/** `perf record` of a process's self time (no call graphs), or undefined when perf is not installed. */
function startPerf(pid, dir) {
  if (spawnSync('perf', ['--version']).status !== 0) return undefined;
  const out = path.join(dir, 'engine.perf.data');
  const child = spawn('perf', ['record', '-F', '499', '-p', String(pid), '-o', out, '--quiet'], { stdio: 'ignore' });
  return { child, out };
}

/** The crate a demangled Rust symbol belongs to (`tokio::runtime::...` -> tokio), `(kernel)` for the kernel's. */
function crateOf(symbol, kind) {
  if (kind === 'k') return '(kernel)';
  const bare = symbol.replace(/^(<|&|\*|\(|impl |dyn |mut )+/, '');
  const crate = /^([A-Za-z_][A-Za-z0-9_]*)::/.exec(bare);
  return crate ? crate[1] : '(other: libc, allocator, unnamed)';
}

/** Stops the recording and sums its samples by crate and by function, as shares. */
async function perfShares(recording) {
  recording.child.kill('SIGINT');
  await once(recording.child, 'exit');
  const report = spawnSync('perf', ['report', '-i', recording.out, '--stdio', '--no-children', '--sort', 'sym', '-q'], { encoding: 'utf8', maxBuffer: 256 << 20 });
  const byCrate = new Map();
  const functions = [];
  for (const line of report.stdout.split('\n')) {
    const m = /^\s*([\d.]+)%\s+\[(.)\]\s+(.+?)\s*$/.exec(line);
    if (!m) continue;
    const share = Number(m[1]) / 100;
    const crate = crateOf(m[3], m[2]);
    byCrate.set(crate, (byCrate.get(crate) ?? 0) + share);
    functions.push({ name: m[3], share });
  }
  const crates = [...byCrate].sort((a, b) => b[1] - a[1]).map(([name, share]) => ({ name, share }));
  return { crates: crates.slice(0, TOP_HOMES), functions: functions.sort((a, b) => b.share - a.share).slice(0, TOP_FUNCTIONS) };
}

async function main() {
  const loadStart = loadAverage();
  const requests = generatedTraces(SPANS_PER_REQUEST, 64);
  const sink = await startTraceSink();
  const profileDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-bench-cpuprof-'));
  const started = {};
  const windows = Object.fromEntries(Object.keys(PIPELINES).map((key) => [key, []]));
  const profiledIntervals = [];
  let perf;
  let engineProfile;
  try {
    for (const [key, pipeline] of Object.entries(PIPELINES)) started[key] = await start(sink.port, pipeline, profileDir);
    perf = startPerf(started.profiled.engine, profileDir);
    for (let round = 0; round < ROUNDS; round++) {
      for (const [key, { child, address, engine }] of Object.entries(started)) {
        const from = nowUs();
        const m = await measureTraces({
          address, requests, sink, inFlight: IN_FLIGHT, warmupMs: round === 0 ? WARMUP_MS : WARMUP_MS / 3, durationMs: WINDOW_MS,
          processes: engine ? { collector: child.pid, engine } : { collector: child.pid },
        });
        if (PIPELINES[key].profile) profiledIntervals.push([from, nowUs()]);
        const perRequest = 1e6 * SPANS_PER_REQUEST / m.spans_acked;
        const engineSeconds = m.cpu.engine?.cpu_seconds ?? 0;
        const window = {
          spans_per_second: m.spans_per_second,
          spans_lost: m.spans_lost,
          failed_requests: m.failed_requests,
          host_cpu_us_per_request: (m.cpu.collector.cpu_seconds - engineSeconds) * perRequest,
          engine_cpu_us_per_request: engineSeconds * perRequest,
        };
        windows[key].push(window);
        process.stderr.write(`[crossing] round ${round + 1} ${key}: ${window.spans_per_second} spans/s, host ${window.host_cpu_us_per_request.toFixed(0)} us, engine ${window.engine_cpu_us_per_request.toFixed(0)} us per request\n`);
      }
    }
    if (perf) engineProfile = await perfShares(perf);
  } finally {
    if (perf && perf.child.exitCode === null) perf.child.kill('SIGKILL');
    for (const { child } of Object.values(started)) await stopCollector(child);
    sink.stop();
  }
  const profiles = fs.readdirSync(profileDir).filter((f) => f.endsWith('.cpuprofile'));
  if (profiles.length !== 1) throw new Error(`expected one CPU profile in ${profileDir}, found ${profiles.length}`);
  const profile = profileShares(path.join(profileDir, profiles[0]), profiledIntervals);
  fs.rmSync(profileDir, { recursive: true, force: true });
  const summary = Object.fromEntries(Object.entries(windows).map(([key, w]) => [key, {
    spans_per_second: median(w.map((x) => x.spans_per_second)),
    host_cpu_us_per_request: median(w.map((x) => x.host_cpu_us_per_request)),
    engine_cpu_us_per_request: median(w.map((x) => x.engine_cpu_us_per_request)),
    spans_lost: w.reduce((sum, x) => sum + (x.spans_lost ?? 0), 0),
    failed_requests: w.reduce((sum, x) => sum + x.failed_requests, 0),
  }]));
  const result = {
    date: new Date().toISOString(), machine: machine(), spans_per_request: SPANS_PER_REQUEST, in_flight: IN_FLIGHT,
    rounds: ROUNDS, window_seconds: WINDOW_MS / 1000, summary, windows, profile, engine_profile: engineProfile,
    load_average: { start: loadStart, end: loadAverage() },
  };
  console.log(JSON.stringify(result, null, 2));
  writeCrossingResults(result);
}

function writeCrossingResults(result) {
  const { summary: s, profile } = result;
  const hostUs = s.profiled.host_cpu_us_per_request;
  const unprofiledUs = s.crossing.host_cpu_us_per_request;
  const us = (share) => `${(share * hostUs).toFixed(0)} | ${(share * unprofiledUs).toFixed(0)}`;
  const row = (key) => `| ${PIPELINES[key].name} | ${s[key].spans_per_second} | ${s[key].host_cpu_us_per_request.toFixed(0)} | ${s[key].engine_cpu_us_per_request.toFixed(0)} | ${(s[key].host_cpu_us_per_request + s[key].engine_cpu_us_per_request).toFixed(0)} | ${s[key].spans_lost} | ${s[key].failed_requests} |`;
  writeResults('crossing', 'Crossing', result, `
What a request of ${result.spans_per_request} spans costs the host when its pipeline crosses into the engine and back, against the same
pipeline in the host alone; ${result.in_flight} requests in flight from this process's gRPC client (generated spans,
\`bench/otap/peer/src/generate.rs\`), into the OTLP/gRPC sink (\`bench/host/sink.js\`). The three tandems run side by side
and take the load in turns: ${result.rounds} rounds of one ${result.window_seconds} s window each; figures are medians of the windows. CPU per
request is user+system time from /proc/<pid>/stat (host: the Node process, all threads; engine: its child) over the
requests acknowledged in the window. Lost: acknowledged spans that never reached the sink.

| pipeline | spans/s | host CPU-us per request | engine CPU-us per request | together | lost | failed requests |
| --- | ---: | ---: | ---: | ---: | ---: | ---: |
${Object.keys(PIPELINES).map(row).join('\n')}

The crossing pipeline's host / the host-only pipeline's host, CPU per request: **${(s.crossing.host_cpu_us_per_request / s.host.host_cpu_us_per_request).toFixed(2)}**;
host and engine together / host only: **${((s.crossing.host_cpu_us_per_request + s.crossing.engine_cpu_us_per_request) / s.host.host_cpu_us_per_request).toFixed(2)}**.

Where the profiled host's time goes: ${profile.sampled_seconds.toFixed(1)} s of the main thread's samples while it had load (idle samples
left out), by the code's home, as shares, as CPU-us of the profiled host's ${hostUs.toFixed(0)} us per request and, assuming the
profiler slows every part alike, of the unprofiled crossing host's ${unprofiledUs.toFixed(0)} us (its other threads, libuv's and V8's,
are in the /proc figures but not in the samples; \`(program)\` is native code outside JavaScript: the ring addon, libuv,
syscalls; \`(garbage collector)\` is the main thread's part of GC):

| home | share | CPU-us per request, profiled | estimate unprofiled |
| --- | ---: | ---: | ---: |
${profile.homes.map((h) => `| ${h.name} | ${(100 * h.share).toFixed(1)}% | ${us(h.share)} |`).join('\n')}

The ${TOP_FUNCTIONS} functions with the most self time:

| function | share | CPU-us per request, profiled | estimate unprofiled |
| --- | ---: | ---: | ---: |
${profile.functions.map((f) => `| ${f.name.replace(/\|/g, '\\|')} | ${(100 * f.share).toFixed(1)}% | ${us(f.share)} |`).join('\n')}

${engineSection(result)}
Load average (1, 5, 15 min) at the start: ${result.load_average.start.join(', ')}; at the end: ${result.load_average.end.join(', ')}.`);
}

/** Where the profiled tandem's engine spends its time, from perf, as shares and CPU-us of its cost per request. */
function engineSection({ summary: s, engine_profile: p }) {
  if (!p) return 'The engine was not profiled: `perf` (Debian\'s linux-perf) is not installed.\n';
  const engineUs = s.profiled.engine_cpu_us_per_request;
  const us = (share) => (share * engineUs).toFixed(0);
  return `
Where the profiled tandem's engine spends its time (\`perf record -F 499\`, self time, every thread, over all its windows),
by crate, as shares and as CPU-us of its ${engineUs.toFixed(0)} us per request:

| crate | share | CPU-us per request |
| --- | ---: | ---: |
${p.crates.map((c) => `| ${c.name} | ${(100 * c.share).toFixed(1)}% | ${us(c.share)} |`).join('\n')}

Its ${TOP_FUNCTIONS} functions with the most self time:

| function | share | CPU-us per request |
| --- | ---: | ---: |
${p.functions.map((f) => `| ${f.name.replace(/\|/g, '\\|').slice(0, 160)} | ${(100 * f.share).toFixed(1)}% | ${us(f.share)} |`).join('\n')}
`;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

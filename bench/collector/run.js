#!/usr/bin/env node
// Collector benchmark: Tandem beside the Go Collector (integration-tests/otelcol), in the same run, on the same load
// and the same sink, for every row of issue 13's targets table:
// - throughput: OTLP pipelines (host only, crossing into the engine, engine processors between two crossings, wholly
//   in the engine) and the OTAP relay (OTAP in, OTAP out), each Tandem pipeline and its Go counterpart running side by
//   side and taking the load in turns, window after window, from two sources: this process's gRPC client (generated
//   spans, 100 per request) and telemetrygen (4 processes, the Go SDK's batching, a fixed offered rate);
// - latency: one client, one request of 1 span in flight, through the same pipelines;
// - idle memory: the default config against the Go Collector's nearest config, started and left alone.
// Reports spans/s, spans per CPU-second of the collector under test (its processes together, all threads), peak
// memory, the ratio against the baseline of each row, and the load average.
// Writes bench/results/collector.json and the "Against the Go Collector" section of bench/RESULTS.md.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const {
  root, machine, writeResults, freePort, startTandem, startGoCollector, stopCollector, startTraceSink, measureTraces, sendTraces,
  telemetrygenTraces, processTree, memoryOf, generatedTraces, loadAverage, median,
} = require('../lib');
const { Traces } = require(path.join(root, 'ts-host', 'dist', 'pdata'));
const grpc = require('@grpc/grpc-js');
const { rawExportService } = require(path.join(root, 'ts-host', 'dist', 'pdata'));

const WINDOW_MS = Number(process.env.BENCH_DURATION_MS ?? 5_000);
const WARMUP_MS = Number(process.env.BENCH_WARMUP_MS ?? 3_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 5_000);
const IDLE_MS = Number(process.env.BENCH_IDLE_MS ?? 10_000);
const SPANS_PER_REQUEST = 100;
const DISTINCT_REQUESTS = 64;
// As in bench:host: Tandem's batch processors answer once the batch is exported, so more than a batch (8192 spans)
// must be in flight for batches to fill by size.
const IN_FLIGHT = 128;
// telemetrygen: 4 clients (processes), each offering this many spans/s; both collectors get the same offered load.
const TELEMETRYGEN = { clients: 4, rate: Number(process.env.BENCH_TELEMETRYGEN_RATE ?? 20_000), batchSize: SPANS_PER_REQUEST };

/** The filter and attributes settings, the same for Tandem's engine processors and Go's: the filter drops the health
 * checks' server spans (`http.route` `/healthz`, about 1 span in 20 of the generated data), the attributes processor
 * inserts an attribute on every span. */
const FILTER = `    spans:
      exclude:
        match_type: strict
        attributes:
          - { key: http.route, value: /healthz }
`;
const ATTRIBUTES = `    actions:
      - { key: bench.stage, value: collector, action: insert }
`;
const FILTERED_ROUTE = '/healthz';

const TELEMETRY = `  telemetry:
    logs:
      level: warn
    metrics:
      level: none
`;
const otlpReceiver = (name, port) => `  ${name}:\n    protocols:\n      grpc:\n        endpoint: 127.0.0.1:${port}\n`;
const otlpExporter = (name, port) => `  ${name}:\n    endpoint: 127.0.0.1:${port}\n    tls:\n      insecure: true\n    compression: none\n`;
const service = (receiver, processors, exporter) => `service:
${TELEMETRY}  pipelines:
    traces:
      receivers: [${receiver}]
${processors.length > 0 ? `      processors: [${processors.join(', ')}]\n` : ''}      exporters: [${exporter}]
`;

/**
 * The collectors under test. `yaml(port, next)` is the config receiving on `port` and sending to `next`; `filters`
 * marks the pipelines whose filter drops spans; `otap` the ones that take and send OTAP.
 */
const COLLECTORS = {
  tandem_host: {
    name: 'Tandem `otlp -> batch -> otlp_grpc` (host only)', start: startTandem,
    yaml: (port, next) => `runtime:\n  rust:\n    mode: off\nreceivers:\n${otlpReceiver('otlp', port)}processors:\n  batch:\nexporters:\n${otlpExporter('otlp_grpc', next)}${service('otlp', ['batch'], 'otlp_grpc')}`,
  },
  tandem_placed: {
    name: 'Tandem `otlp -> batch -> otlp_grpc`, engine on (placed: all in the engine)', start: startTandem,
    yaml: (port, next) => `receivers:\n${otlpReceiver('otlp', port)}processors:\n  batch:\nexporters:\n${otlpExporter('otlp_grpc', next)}${service('otlp', ['batch'], 'otlp_grpc')}`,
  },
  tandem_crossing: {
    name: 'Tandem `otlp -> rust_batch -> otlp_grpc`, receiver and exporter pinned in the host (crosses in and back)', start: startTandem,
    yaml: (port, next) => `runtime:\n  placement:\n    in_host: [otlp, otlp_grpc]\nreceivers:\n${otlpReceiver('otlp', port)}processors:\n  rust_batch:\nexporters:\n${otlpExporter('otlp_grpc', next)}${service('otlp', ['rust_batch'], 'otlp_grpc')}`,
  },
  tandem_chain: {
    name: 'Tandem `otlp -> rust_filter -> rust_attributes -> rust_batch -> otlp_grpc` (placed: all in the engine)', start: startTandem, filters: true,
    yaml: (port, next) => `receivers:\n${otlpReceiver('otlp', port)}processors:\n  rust_filter:\n${FILTER}  rust_attributes:\n${ATTRIBUTES}  rust_batch:\nexporters:\n${otlpExporter('otlp_grpc', next)}${service('otlp', ['rust_filter', 'rust_attributes', 'rust_batch'], 'otlp_grpc')}`,
  },
  tandem_engine: {
    name: 'Tandem `rust_otlp -> rust_batch -> rust_otlp_grpc` (all engine)', start: startTandem,
    yaml: (port, next) => `receivers:\n  rust_otlp:\n    endpoint: 127.0.0.1:${port}\nprocessors:\n  rust_batch:\nexporters:\n  rust_otlp_grpc:\n    endpoint: 127.0.0.1:${next}\n${service('rust_otlp', ['rust_batch'], 'rust_otlp_grpc')}`,
  },
  go_batch: {
    name: 'Go `otlp -> batch -> otlp`', start: startGoCollector,
    yaml: (port, next) => `receivers:\n${otlpReceiver('otlp', port)}processors:\n  batch:\nexporters:\n${otlpExporter('otlp', next)}${service('otlp', ['batch'], 'otlp')}`,
  },
  go_sync: {
    name: 'Go `otlp -> otlp`, sending queue off (answers after export, as Tandem does)', start: startGoCollector,
    yaml: (port, next) => `receivers:\n${otlpReceiver('otlp', port)}exporters:\n${otlpExporter('otlp', next)}    sending_queue:\n      enabled: false\n${service('otlp', [], 'otlp')}`,
  },
  go_chain: {
    name: 'Go `otlp -> filter -> attributes -> batch -> otlp`', start: startGoCollector, filters: true,
    yaml: (port, next) => `receivers:\n${otlpReceiver('otlp', port)}processors:\n  filter:\n${FILTER}  attributes:\n${ATTRIBUTES}  batch:\nexporters:\n${otlpExporter('otlp', next)}${service('otlp', ['filter', 'attributes', 'batch'], 'otlp')}`,
  },
  tandem_otap: {
    name: 'Tandem `rust_otap -> rust_attributes -> rust_otap_grpc`', start: startTandem, otap: true,
    yaml: (port, next) => `receivers:\n  rust_otap:\n    endpoint: 127.0.0.1:${port}\nprocessors:\n  rust_attributes:\n${ATTRIBUTES}exporters:\n  rust_otap_grpc:\n    endpoint: 127.0.0.1:${next}\n${service('rust_otap', ['rust_attributes'], 'rust_otap_grpc')}`,
  },
  go_otap: {
    name: 'Go `otelarrow -> attributes -> otelarrow`', start: startGoCollector, otap: true,
    yaml: (port, next) => `receivers:\n${otlpReceiver('otelarrow', port)}processors:\n  attributes:\n${ATTRIBUTES}exporters:\n  otelarrow:\n    endpoint: 127.0.0.1:${next}\n    tls:\n      insecure: true\n    compression: none\n    arrow:\n      payload_compression: zstd\n${service('otelarrow', ['attributes'], 'otelarrow')}`,
  },
};

/** Issue 13's targets: each a ratio of a subject to its baseline in this run. */
const THROUGHPUT_TARGETS = [
  { subject: 'tandem_crossing', baseline: 'tandem_host', spans_per_second: 1.0, spans_per_cpu_second: 1.0 },
  { subject: 'tandem_placed', baseline: 'go_batch', spans_per_cpu_second: 3 },
  { subject: 'tandem_host', baseline: 'go_batch', spans_per_cpu_second: 1.5 },
  { subject: 'tandem_chain', baseline: 'go_chain', spans_per_cpu_second: 2 },
  { subject: 'tandem_engine', baseline: 'go_batch', spans_per_cpu_second: 3 },
  { subject: 'tandem_otap', baseline: 'go_otap', spans_per_cpu_second: 3 },
];
const LATENCY_COLLECTORS = ['tandem_host', 'tandem_crossing', 'tandem_placed', 'tandem_engine', 'go_batch', 'go_sync'];

const progress = (message) => process.stderr.write(`[collector] ${new Date().toISOString()} ${message}\n`);
const mib = (bytes) => Math.round(bytes / 2 ** 20);

/** Spans of a request that a pipeline with the filter passes on. */
function keptSpans(bytes) {
  let kept = 0;
  for (const rs of Traces.fromProto(bytes).request().resourceSpans ?? []) {
    for (const ss of rs.scopeSpans ?? []) {
      for (const span of ss.spans ?? []) {
        if (!(span.attributes ?? []).some((a) => a.key === 'http.route' && a.value?.stringValue === FILTERED_ROUTE)) kept++;
      }
    }
  }
  return kept;
}

/**
 * OTAP for the OTAP rows comes from a source Tandem (`rust_otlp -> rust_otap_grpc`, one per collector under test) that
 * the load is sent to, and goes to the sink through a Tandem `rust_otap -> rust_otlp_grpc`; neither is measured.
 */
async function startOtapEnds(sinkPort) {
  const port = await freePort();
  const exit = await startTandem(`receivers:\n  rust_otap:\n    endpoint: 127.0.0.1:${port}\nexporters:\n  rust_otlp_grpc:\n    endpoint: 127.0.0.1:${sinkPort}\n${service('rust_otap', [], 'rust_otlp_grpc')}`, port);
  const source = async (next) => {
    const sourcePort = await freePort();
    const child = await startTandem(`receivers:\n  rust_otlp:\n    endpoint: 127.0.0.1:${sourcePort}\nexporters:\n  rust_otap_grpc:\n    endpoint: 127.0.0.1:${next}\n${service('rust_otlp', [], 'rust_otap_grpc')}`, sourcePort);
    return { child, address: `127.0.0.1:${sourcePort}` };
  };
  return { exit, port, source };
}

async function startAll(sink, otapEnds) {
  const started = {};
  for (const [key, collector] of Object.entries(COLLECTORS)) {
    const port = await freePort();
    const child = await collector.start(collector.yaml(port, collector.otap ? otapEnds.port : sink.port), port);
    const entry = collector.otap ? await otapEnds.source(port) : { child: undefined, address: `127.0.0.1:${port}` };
    started[key] = { child, address: entry.address, source: entry.child };
  }
  return started;
}

/** Stops every collector, an OTAP row's source first: Go's otelarrow receiver does not stop while a stream is open. */
async function stopAll(started) {
  for (const { child, source } of Object.values(started)) {
    if (source) await stopCollector(source);
    await stopCollector(child);
  }
}

/** Windows of load per collector, in rounds: in each round every collector gets one window from each source. */
async function throughput(sink, started, requests) {
  const kept = requests.map(keptSpans);
  const windows = Object.fromEntries(Object.keys(started).map((key) => [key, { client: [], telemetrygen: [] }]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const [key, { child, address }] of Object.entries(started)) {
      const collector = COLLECTORS[key];
      const warmupMs = round === 0 ? WARMUP_MS : WARMUP_MS / 3;
      const common = { address, sink, warmupMs, durationMs: WINDOW_MS, processes: { collector: child.pid } };
      const client = await measureTraces({ ...common, load: (until) => sendTraces(address, requests, IN_FLIGHT, until, collector.filters ? kept : undefined) });
      const generated = await measureTraces({ ...common, load: (until) => telemetrygenTraces(address, TELEMETRYGEN, until) });
      windows[key].client.push(client);
      windows[key].telemetrygen.push(generated);
      progress(`round ${round + 1} ${key}: client ${client.spans_per_second} spans/s, ${client.cpu.collector.spans_per_cpu_second} per CPU-s; telemetrygen ${generated.spans_per_second} spans/s, ${generated.cpu.collector.spans_per_cpu_second} per CPU-s; load ${loadAverage()[0]}`);
    }
  }
  return windows;
}

/** The figures of one collector under one load: medians over the windows. */
function summary(windows) {
  return {
    spans_per_second: median(windows.map((w) => w.spans_per_second)),
    spans_per_cpu_second: median(windows.map((w) => w.cpu.collector.spans_per_cpu_second)),
    peak_rss_mib: mib(Math.max(...windows.map((w) => w.cpu.collector.peak_memory.rss))),
    peak_pss_mib: mib(Math.max(...windows.map((w) => w.cpu.collector.peak_memory.pss))),
    spans_lost: windows.reduce((sum, w) => sum + (w.spans_lost ?? 0), 0),
    failed_requests: windows.reduce((sum, w) => sum + w.failed_requests, 0),
    windows: windows.map((w) => ({ spans_per_second: w.spans_per_second, spans_per_cpu_second: w.cpu.collector.spans_per_cpu_second })),
  };
}

/** A subject's ratio to its baseline: the median over rounds of the ratio within each round (neighbouring windows). */
function ratio(windows, subject, baseline, load, figure) {
  const value = (w) => (figure === 'spans_per_second' ? w.spans_per_second : w.cpu.collector.spans_per_cpu_second);
  return median(windows[subject][load].map((w, i) => value(w) / value(windows[baseline][load][i])));
}

/** One request of `requests` at a time to `address` for LATENCY_MS: round-trip percentiles in milliseconds. */
async function latency(address, requests) {
  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  const method = rawExportService('traces').Export;
  const call = (bytes) => new Promise((resolve, reject) => client.makeUnaryRequest(method.path, method.requestSerialize, method.responseDeserialize, bytes,
    (err) => (err ? reject(err) : resolve())));
  for (let i = 0; i < 20; i++) await call(requests[i % requests.length]); // connection, JIT
  const times = [];
  const until = Date.now() + LATENCY_MS;
  while (Date.now() < until) {
    const started = process.hrtime.bigint();
    await call(requests[times.length % requests.length]);
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  client.close();
  times.sort((a, b) => a - b);
  const at = (q) => Number(times[Math.min(times.length - 1, Math.ceil(q * times.length) - 1)].toFixed(2));
  return { requests: times.length, p50_ms: at(0.5), p99_ms: at(0.99) };
}

/** The default config (config/default.yaml, ports moved) and the Go Collector's nearest (otlp -> batch -> debug for
 * each signal; Go has neither health_check nor tandem_ui here), each started and left idle. Both have their own
 * metrics off: their fixed port (8888) is not free on a shared machine. */
async function idleMemory() {
  const [grpcPort, httpPort, healthPort, uiPort] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  const tandem = await startTandem(fs.readFileSync(path.join(root, 'config', 'default.yaml'), 'utf8'), httpPort, [
    `receivers.otlp.protocols.grpc.endpoint=127.0.0.1:${grpcPort}`, `receivers.otlp.protocols.http.endpoint=127.0.0.1:${httpPort}`,
    `extensions.health_check.endpoint=127.0.0.1:${healthPort}`, `extensions.tandem_ui.endpoint=127.0.0.1:${uiPort}`,
    'service.telemetry.metrics.level=none',
  ].flatMap((entry) => ['--set', entry]));
  const [goGrpc, goHttp] = [await freePort(), await freePort()];
  const pipelines = ['traces', 'metrics', 'logs'].map((s) => `    ${s}:\n      receivers: [otlp]\n      processors: [batch]\n      exporters: [debug]\n`).join('');
  const go = await startGoCollector(`receivers:\n  otlp:\n    protocols:\n      grpc:\n        endpoint: 127.0.0.1:${goGrpc}\n      http:\n        endpoint: 127.0.0.1:${goHttp}\nprocessors:\n  batch:\nexporters:\n  debug:\n    verbosity: detailed\nservice:\n${TELEMETRY}  pipelines:\n${pipelines}`, goHttp);
  progress('idle: both started');
  try {
    await new Promise((resolve) => setTimeout(resolve, IDLE_MS)); // idle is what this measures: nothing to wait for
    const tree = processTree(tandem.pid);
    const perProcess = tree.map((pid) => ({ pid, command: fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim(), ...memoryOf([pid]) }));
    const tandemMemory = memoryOf(tree);
    const goMemory = memoryOf([go.pid]);
    return {
      tandem: { rss_mib: mib(tandemMemory.rss), pss_mib: mib(tandemMemory.pss), processes: perProcess.map((p) => ({ command: p.command, rss_mib: mib(p.rss), pss_mib: mib(p.pss) })) },
      go: { rss_mib: mib(goMemory.rss), pss_mib: mib(goMemory.pss) },
      pss_ratio: tandemMemory.pss / goMemory.pss,
      rss_ratio: tandemMemory.rss / goMemory.rss,
    };
  } finally {
    await stopCollector(tandem);
    await stopCollector(go);
  }
}

const fmt = (v, digits = 2) => (v === undefined ? '' : Number(v).toFixed(digits));

function writeCollectorResults(result) {
  const { throughput: t, latency: l, idle } = result;
  const row = (key) => {
    const c = t.collectors[key];
    return `| ${COLLECTORS[key].name} | ${c.client.spans_per_second} | ${c.client.spans_per_cpu_second} | ${c.telemetrygen.spans_per_second} | ${c.telemetrygen.spans_per_cpu_second} | ${c.client.peak_pss_mib} / ${c.client.peak_rss_mib} | ${c.client.spans_lost} | ${c.client.failed_requests} |`;
  };
  const targetRows = result.targets.map((target) => `| ${target.row} | ${target.against} | ${target.figures} | ${target.wanted} | ${target.met ? 'yes' : '**no**'} |`);
  writeResults('collector', 'Against the Go Collector', result, `
Tandem and the Go Collector (v0.145.0, \`integration-tests/otelcol\`) in the same run, on the same machine, the same load
and the same sink (\`bench/host/sink.js\`, OTLP/gRPC, counts spans). Every collector runs from the start; the load moves
from one to the next: ${result.rounds} rounds, each giving every collector one ${result.window_seconds} s window from each source after a
warm-up (${result.warmup_seconds} s the first time, a third of it later). Sources: this process's gRPC client (generated spans,
\`bench/otap/peer/src/generate.rs\`: services and pods as resources, http/db/rpc attributes, 10% with an event;
${SPANS_PER_REQUEST} per request, ${DISTINCT_REQUESTS} distinct requests in turn, ${IN_FLIGHT} in flight) and telemetrygen (${TELEMETRYGEN.clients} processes, each
offering ${TELEMETRYGEN.rate} spans/s in exports of ${TELEMETRYGEN.batchSize}, traces of 5 spans, one export in flight). Each figure is the median of
the windows; each ratio the median over rounds of the ratio within the round. CPU is the user+system time of the
collector under test, all its processes (host and engine) and threads, from /proc/<pid>/stat; memory is the peak
PSS / RSS over the client windows (PSS counts the ring's shared pages once, RSS once per process). Lost: spans the
collector acknowledged that never reached the sink (the filter rows expect only what the filter keeps). The OTAP rows
get OTAP from a source Tandem (\`rust_otlp -> rust_otap_grpc\`) and send it to the sink through a Tandem
\`rust_otap -> rust_otlp_grpc\`; neither is measured. Compression is the same on both sides: OTLP travels uncompressed
everywhere (both clients, both collectors' exporters); OTAP has zstd inside its Arrow payloads and none at the gRPC
level (what \`rust_otap_grpc\` sends; Go's \`otelarrow\` exporter set to \`compression: none\`, \`payload_compression: zstd\`).
Go runs with its defaults otherwise: its batch processor and exporter queue
acknowledge on receipt, Tandem's once the sink has the data.

| collector | client spans/s | client spans per CPU-s | telemetrygen spans/s | telemetrygen spans per CPU-s | peak MiB (PSS / RSS) | lost | failed requests |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
${Object.keys(COLLECTORS).map(row).join('\n')}

Latency, one request of 1 span in flight for ${result.latency_seconds} s (the same generator, 1 span per request), in ms:

| collector | p50 | p99 | requests |
| --- | ---: | ---: | ---: |
${LATENCY_COLLECTORS.map((key) => `| ${COLLECTORS[key].name} | ${l[key].p50_ms} | ${l[key].p99_ms} | ${l[key].requests} |`).join('\n')}

Idle, ${result.idle_seconds} s after start: the default config (\`config/default.yaml\`) ${idle.tandem.pss_mib} MiB PSS / ${idle.tandem.rss_mib} MiB RSS
(${idle.tandem.processes.map((p) => `${p.command} ${p.pss_mib} / ${p.rss_mib}`).join(', ')}); the Go Collector (\`otlp -> batch -> debug\`
for each signal) ${idle.go.pss_mib} MiB PSS / ${idle.go.rss_mib} MiB RSS.

| target (issue 13) | against | this run | wanted | met |
| --- | --- | --- | --- | --- |
${targetRows.join('\n')}

Load average (1, 5, 15 min) at the start: ${result.load_average.start.join(', ')}; at the end: ${result.load_average.end.join(', ')}, on ${result.cores} cores.`);
}

function targets(result) {
  const out = [];
  const { windows } = result.throughput;
  for (const target of THROUGHPUT_TARGETS) {
    const figures = [];
    let met = true;
    for (const figure of ['spans_per_second', 'spans_per_cpu_second']) {
      if (target[figure] === undefined) continue;
      for (const load of ['client', 'telemetrygen']) {
        const value = ratio(windows, target.subject, target.baseline, load, figure);
        figures.push(`${figure === 'spans_per_second' ? 'spans/s' : 'per CPU-s'} ${fmt(value)}x (${load})`);
        met &&= value >= target[figure];
      }
    }
    out.push({
      row: COLLECTORS[target.subject].name, against: COLLECTORS[target.baseline].name, figures: figures.join(', '),
      wanted: Object.entries(target).filter(([k]) => k.startsWith('spans_')).map(([k, v]) => `>= ${v}x ${k === 'spans_per_second' ? 'spans/s' : 'per CPU-s'}`).join(', '),
      met,
    });
  }
  const otap = result.throughput.collectors.tandem_otap.client.spans_per_cpu_second;
  out.push({ row: COLLECTORS.tandem_otap.name, against: 'one core', figures: `${otap} spans per CPU-s (client)`, wanted: '>= 1M spans/s on one core', met: otap >= 1e6 });
  // Go's batch processor and sending queue answer on receipt; go_sync answers after export, as Tandem does.
  for (const baseline of ['go_batch', 'go_sync']) {
    const go = result.latency[baseline];
    for (const key of ['tandem_host', 'tandem_crossing', 'tandem_placed']) {
      const l = result.latency[key];
      out.push({
        row: `1 span per request, one in flight: ${COLLECTORS[key].name}`, against: COLLECTORS[baseline].name,
        figures: `p50 ${l.p50_ms} vs ${go.p50_ms} ms, p99 ${l.p99_ms} vs ${go.p99_ms} ms`, wanted: 'p50 and p99 no worse', met: l.p50_ms <= go.p50_ms && l.p99_ms <= go.p99_ms,
      });
    }
  }
  const { idle } = result;
  out.push({
    row: 'idle, default config: host + engine', against: 'the Go Collector idle',
    figures: `PSS ${idle.tandem.pss_mib} vs ${idle.go.pss_mib} MiB (${fmt(idle.pss_ratio)}x), RSS ${idle.tandem.rss_mib} vs ${idle.go.rss_mib} MiB`,
    wanted: 'no more than Go', met: idle.pss_ratio <= 1,
  });
  return out;
}

async function main() {
  const start = loadAverage();
  const requests = generatedTraces(SPANS_PER_REQUEST, DISTINCT_REQUESTS);
  const single = generatedTraces(1, DISTINCT_REQUESTS);
  const sink = await startTraceSink();
  const otapEnds = await startOtapEnds(sink.port);
  let started = {};
  try {
    started = await startAll(sink, otapEnds);
    const windows = await throughput(sink, started, requests);
    const collectors = Object.fromEntries(Object.entries(windows).map(([key, w]) => [key, { client: summary(w.client), telemetrygen: summary(w.telemetrygen) }]));
    const latencies = {};
    for (const key of LATENCY_COLLECTORS) {
      latencies[key] = await latency(started[key].address, single);
      progress(`latency ${key}: p50 ${latencies[key].p50_ms} ms, p99 ${latencies[key].p99_ms} ms`);
    }
    await stopAll(started);
    started = {};
    const result = {
      date: new Date().toISOString(),
      machine: machine(),
      cores: require('node:os').cpus().length,
      rounds: ROUNDS,
      window_seconds: WINDOW_MS / 1000,
      warmup_seconds: WARMUP_MS / 1000,
      latency_seconds: LATENCY_MS / 1000,
      idle_seconds: IDLE_MS / 1000,
      telemetrygen: TELEMETRYGEN,
      throughput: { collectors, windows },
      latency: latencies,
      idle: await idleMemory(),
      load_average: { start },
    };
    result.load_average.end = loadAverage();
    result.targets = targets(result);
    console.log(JSON.stringify({ ...result, throughput: { collectors } }, null, 2));
    writeCollectorResults(result);
  } finally {
    await stopAll(started);
    await stopCollector(otapEnds.exit);
    sink.stop();
  }
}

// bench:replay runs the OTAP collectors of this table against its own source and sink; bench:sparse some of the OTLP
// ones under telemetrygen's load alone.
module.exports = { COLLECTORS, TELEMETRYGEN };

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}

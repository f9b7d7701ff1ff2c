#!/usr/bin/env node
// Host benchmark: throughput of `otlp (gRPC) -> batch -> otlp_grpc` through a real tandem process into a sink process,
// against a baseline of the same client sending straight to the sink, in the same run; then the same pipeline with the
// engine's `rust_batch` instead of `batch`, with `rust_filter -> rust_attributes -> rust_batch` (a chain of engine
// processors between two crossings), and wholly in the engine (`rust_otlp -> rust_batch -> rust_otlp_grpc`: no
// crossing), each against the host-only pipeline, in spans/s and in spans per CPU-second of the collector (all its
// processes: host and engine, from /proc/<pid>/stat). The tandems run side by side and take the load in turns.
// Writes bench/results/host.json and the "Host" section of bench/RESULTS.md.
'use strict';
const { machine, writeResults, traceRequest, freePort, startTandem, stopCollector, startTraceSink, measureTraces, loadAverage, median } = require('../lib');

const SPANS_PER_REQUEST = 100;
// More spans in flight than send_batch_size (8192), so that batches fill by size: the load of a busy collector.
const IN_FLIGHT = 128;
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 15_000);
// Every row is the median of this many windows, DURATION_MS long together.
const ROUNDS = 3;
const WARMUP_MS = 3_000;

const otlpReceiver = (port) => `  otlp:\n    protocols:\n      grpc:\n        endpoint: 127.0.0.1:${port}\n`;
const otlpExporter = (port) => `  otlp_grpc:\n    endpoint: 127.0.0.1:${port}\n    tls:\n      insecure: true\n    compression: none\n`;

/** The tandems: the host-only pipeline, then engine processors between the host's receiver and exporter (the pipeline
 * crosses the ring twice), then the pipeline wholly in the engine. The filter drops nothing of this data (no span is
 * named healthcheck) and the attribute is inserted on every span, so every variant delivers every span. */
const VARIANTS = {
  host: { name: 'host `otlp -> batch -> otlp_grpc`', runtime: 'off', receiver: ['otlp', otlpReceiver], exporter: ['otlp_grpc', otlpExporter], processors: { batch: '' } },
  engine: { name: '`otlp -> rust_batch -> otlp_grpc` (crosses in and back)', runtime: 'spawn', receiver: ['otlp', otlpReceiver], exporter: ['otlp_grpc', otlpExporter], processors: { rust_batch: '' } },
  engine_chain: {
    name: '`otlp -> rust_filter -> rust_attributes -> rust_batch -> otlp_grpc` (crosses in and back)',
    runtime: 'spawn',
    receiver: ['otlp', otlpReceiver],
    exporter: ['otlp_grpc', otlpExporter],
    processors: {
      rust_filter: '    spans:\n      exclude:\n        match_type: strict\n        span_names: [healthcheck]\n',
      rust_attributes: '    actions:\n      - key: bench.stage\n        value: tandem\n        action: insert\n',
      rust_batch: '',
    },
  },
  all_engine: {
    name: '`rust_otlp -> rust_batch -> rust_otlp_grpc` (all engine)',
    runtime: 'spawn',
    receiver: ['rust_otlp', (port) => `  rust_otlp:\n    endpoint: 127.0.0.1:${port}\n`],
    exporter: ['rust_otlp_grpc', (port) => `  rust_otlp_grpc:\n    endpoint: 127.0.0.1:${port}\n`],
    processors: { rust_batch: '' },
  },
};

async function startVariant(sinkPort, variant) {
  const port = await freePort();
  const { runtime, receiver: [receiver, receiverYaml], exporter: [exporter, exporterYaml], processors } = VARIANTS[variant];
  const names = Object.keys(processors);
  // Placement would run the whole pipeline in the engine: the crossing variants pin the host's receiver and exporter.
  const child = await startTandem(`runtime:
  rust:
    mode: ${runtime}
  placement:
    in_host: [otlp, otlp_grpc]
receivers:
${receiverYaml(port)}processors:
${names.map((name) => `  ${name}:\n${processors[name]}`).join('')}exporters:
${exporterYaml(sinkPort)}service:
  telemetry:
    metrics:
      level: none
  pipelines:
    traces:
      receivers: [${receiver}]
      processors: [${names.join(', ')}]
      exporters: [${exporter}]
`, port);
  return { child, address: `127.0.0.1:${port}` };
}

/** A row's figures over its windows: medians of spans/s and of the collector's CPU figures, sums of losses and failures. */
function summary(windows) {
  const collector = (w) => w.cpu.collector;
  return {
    spans_per_second: median(windows.map((w) => w.spans_per_second)),
    collector_cpu_seconds: windows[0].cpu.collector ? median(windows.map((w) => collector(w).cpu_seconds)) : undefined,
    spans_per_cpu_second: windows[0].cpu.collector ? median(windows.map((w) => collector(w).spans_per_cpu_second)) : undefined,
    spans_lost: windows.reduce((sum, w) => sum + w.spans_lost, 0),
    failed_requests: windows.reduce((sum, w) => sum + w.failed_requests, 0),
    windows: windows.map((w) => ({ spans_per_second: w.spans_per_second, spans_per_cpu_second: collector(w)?.spans_per_cpu_second, cpu_seconds: collector(w)?.cpu_seconds })),
  };
}

/** `figure` of a variant over the host-only pipeline's: the median over rounds of the ratio within the round. */
const ratio = (windows, variant, figure, baseline = 'host') =>
  median(windows[variant].map((w, round) => {
    const value = (x) => (figure === 'spans_per_second' ? x.spans_per_second : x.cpu.collector.spans_per_cpu_second);
    return value(w) / value(windows[baseline][round]);
  }));

function writeHostResults(result) {
  const row = (key, name) => {
    const r = result.rows[key];
    return `| ${name} | ${r.spans_per_second} | ${r.collector_cpu_seconds?.toFixed(2) ?? ''} | ${r.spans_per_cpu_second ?? ''} | ${r.spans_lost} | ${r.failed_requests} |`;
  };
  const fmt = (v) => v.toFixed(2);
  writeResults('host', 'Host', result, `
Tandem pipelines into a gRPC sink process (\`bench/host/sink.js\`, counts spans), against the same client sending
straight to the sink: \`otlp (gRPC) -> batch -> otlp_grpc\` (TypeScript only); the same with the engine's
\`rust_batch\` in place of \`batch\` (each request crosses into the engine and back), and with \`rust_filter ->
rust_attributes -> rust_batch\` (a filter that drops nothing of this data, an attribute inserted on every span); and
wholly in the engine, \`rust_otlp -> rust_batch -> rust_otlp_grpc\` (the host only supervises). ${SPANS_PER_REQUEST} spans per
request, ${IN_FLIGHT} requests in flight from this process's gRPC client (more than send_batch_size, 8192 spans, so batches
fill by size), OTLP uncompressed everywhere. The tandems run side by side and take the load in turns: ${ROUNDS} rounds of one
${DURATION_MS / ROUNDS / 1000} s window each, after ${WARMUP_MS / 1000} s of warm-up the first time and ${WARMUP_MS / 3000} s later; figures are medians of the
windows, each ratio the median over rounds of the ratio within the round. Each request is acknowledged once the sink
has it (the batch processors answer on export, and so does \`otlp_grpc\`'s queue by default). CPU is the collector's
user+system time, all its processes (host and engine) and threads. Lost: acknowledged spans that never reached the
sink.

| | spans/s | collector CPU-s per window | spans per collector CPU-s | lost | failed requests |
| --- | ---: | ---: | ---: | ---: | ---: |
${row('baseline', 'baseline (client -> sink)')}
${Object.entries(VARIANTS).map(([key, v]) => row(key, `through tandem, ${v.name}`)).join('\n')}

| against the host-only pipeline | spans/s | spans per CPU-s |
| --- | ---: | ---: |
${Object.entries(result.ratios).map(([key, r]) => `| ${VARIANTS[key].name} | **${fmt(r.spans_per_second)}** | **${fmt(r.spans_per_cpu_second)}** |`).join('\n')}

Host-only pipeline / baseline (client -> sink), spans/s: **${result.host_over_baseline.toFixed(3)}**.

Load average (1, 5, 15 min) at the start: ${result.load_average_at_start.join(', ')}; at the end: ${result.load_average_at_end.join(', ')}, on 2 cores.`);
}

async function main() {
  const loadAtStart = loadAverage();
  const sink = await startTraceSink();
  const tandems = {};
  try {
    for (const variant of Object.keys(VARIANTS)) tandems[variant] = await startVariant(sink.port, variant);
    const targets = { baseline: { address: `127.0.0.1:${sink.port}` }, ...tandems };
    const windows = Object.fromEntries(Object.keys(targets).map((key) => [key, []]));
    const requests = [traceRequest(SPANS_PER_REQUEST)];
    for (let round = 0; round < ROUNDS; round++) {
      for (const [key, { address, child }] of Object.entries(targets)) {
        const measured = await measureTraces({
          address, requests, sink, inFlight: IN_FLIGHT, warmupMs: round === 0 ? WARMUP_MS : WARMUP_MS / 3, durationMs: DURATION_MS / ROUNDS,
          processes: child ? { collector: child.pid } : {},
        });
        windows[key].push(measured);
        process.stderr.write(`[bench:host] round ${round + 1} ${key}: ${measured.spans_per_second} spans/s, ${measured.cpu.collector?.spans_per_cpu_second ?? '-'} per CPU-s\n`);
      }
    }
    const rows = Object.fromEntries(Object.entries(windows).map(([key, measured]) => [key, summary(measured)]));
    const ratios = Object.fromEntries(Object.keys(VARIANTS).filter((key) => key !== 'host').map((key) => [key, {
      spans_per_second: ratio(windows, key, 'spans_per_second'),
      spans_per_cpu_second: ratio(windows, key, 'spans_per_cpu_second'),
    }]));
    const result = {
      date: new Date().toISOString(),
      machine: machine(),
      load_average_at_start: loadAtStart,
      load_average_at_end: loadAverage(),
      spans_per_request: SPANS_PER_REQUEST,
      in_flight: IN_FLIGHT,
      rounds: ROUNDS,
      duration_seconds: DURATION_MS / 1000,
      rows,
      ratios,
      host_over_baseline: ratio(windows, 'host', 'spans_per_second', 'baseline'),
    };
    console.log(JSON.stringify(result, null, 2));
    console.table(Object.fromEntries(Object.entries(ratios).map(([key, r]) => [key, { spans_per_second: Number(r.spans_per_second.toFixed(2)), spans_per_cpu_second: Number(r.spans_per_cpu_second.toFixed(2)) }])));
    writeHostResults(result);
  } finally {
    for (const { child } of Object.values(tandems)) await stopCollector(child);
    sink.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

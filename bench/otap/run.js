#!/usr/bin/env node
// OTAP benchmark: what OTel-Arrow costs in CPU and saves on the wire, each figure against its baseline in the same run.
// 1. Conversion on one core (bench/otap/peer, `tandem-otap-bench convert`): log records/s and spans/s of OTLP -> OTAP
//    (to_otap) and OTAP -> OTLP (to_otlp), alone and with the Arrow IPC stream encoding and decoding around them,
//    against decoding the same OTLP bytes into prost structs.
// 2. Bytes on the wire per log record and per span: a stream of consecutive OTAP batches against the same requests as
//    OTLP + zstd, next to the figure the otel-arrow project publishes for logs.
// 3. End to end: OTLP traces through a tandem running `otlp -> rust_batch -> rust_otap_grpc` into a second tandem
//    (`rust_otap -> rust_otlp_grpc`) and on to a counting sink, against the same first pipeline with the host's `batch`
//    and `otlp_grpc`, and with `rust_batch` and `rust_otlp_grpc` (the engine with OTLP out: what the protocol alone
//    changes), and with the whole pipeline in the engine (`rust_otlp -> rust_batch -> rust_otlp_grpc`). One more row
//    puts a relay tandem (`rust_otap -> rust_attributes -> rust_otap_grpc`: OTAP in, OTAP out) between the
//    `rust_otap_grpc` first tandem and the second one. The second tandem is the same for all (rust_otap serves OTLP on
//    its port too); the first tandems run side by side and take the load in turns. Reports spans/s and spans per
//    CPU-second of each tandem (host and engine processes together). OTLP out of a first tandem is compressed where
//    its exporter can (the host's gzip), as OTAP carries zstd; each row says what it sends.
// Parts 1 and 2 use the peer's generated logs and spans; part 3 sends generated spans from the same generator.
// Writes bench/results/otap.json and the "OTAP" section of bench/RESULTS.md.
'use strict';
const { execFileSync } = require('node:child_process');

const { machine, writeResults, freePort, startTandem, stopCollector, startTraceSink, measureTraces, generatedTraces, loadAverage, OTAP_PEER, median } = require('../lib');

const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 15_000);
const WARMUP_MS = Math.min(3_000, DURATION_MS / 3);
// Each signal's conversion rates take 30 slices (a warm-up slice and 5 timed ones for each of 5 operations).
const SLICE_MS = Math.max(20, Math.round(DURATION_MS / 30));
const SPANS_PER_REQUEST = 100;
const DISTINCT_REQUESTS = 64;
// The end-to-end figures are medians of this many windows per pipeline, DURATION_MS long together.
const ROUNDS = 3;
// As in bench/host: both batch processors answer a request once its batch is exported, so more than a batch (8192
// spans) must be in flight for batches to fill by size.
const IN_FLIGHT = 128;
// docs/benchmarks-phase1.md of open-telemetry/otel-arrow, logs, compressed sizes: OTLP + zstd over OTel-Arrow stream
// mode + zstd, for batches of 100 to 5000 log records (1.91 at 1000).
const PUBLISHED_LOGS_RATIO = { batch_100: 1.65, batch_1000: 1.91, batch_5000: 2.01 };

/** The first tandem's pipelines, with what each one's exporter compresses: OTAP carries zstd inside its Arrow
 * payloads, so the OTLP exporters compress too where they can. The host's `otlp_grpc` offers gzip (grpc-js has no
 * zstd); the engine's `rust_otlp_grpc` has no compression setting yet, so its rows send OTLP uncompressed. The second
 * tandem's `rust_otap` accepts gzip and zstd on its OTLP service. */
const PIPELINES = {
  host: { runtime: 'off', receiver: 'otlp', processor: 'batch', exporter: 'otlp_grpc', settings: '    tls:\n      insecure: true\n    compression: gzip\n', compression: 'OTLP, gzip' },
  engine_otlp: { runtime: 'spawn', receiver: 'otlp', processor: 'rust_batch', exporter: 'rust_otlp_grpc', settings: '', compression: 'OTLP, none (no setting)' },
  engine_otap: { runtime: 'spawn', receiver: 'otlp', processor: 'rust_batch', exporter: 'rust_otap_grpc', settings: '', compression: 'OTAP, zstd in the Arrow payloads' },
  engine_only: { runtime: 'spawn', receiver: 'rust_otlp', processor: 'rust_batch', exporter: 'rust_otlp_grpc', settings: '', compression: 'OTLP, none (no setting)' },
  // The OTAP first tandem again, sending to the relay instead of the second tandem.
  relayed: { runtime: 'spawn', receiver: 'otlp', processor: 'rust_batch', exporter: 'rust_otap_grpc', settings: '', relay: true, compression: 'OTAP, zstd in the Arrow payloads' },
};

const pipelineYaml = (receiver, processors, exporter) => `service:
  telemetry:
    metrics:
      level: none
  pipelines:
    traces:
      receivers: [${receiver}]
      processors: [${processors.join(', ')}]
      exporters: [${exporter}]
`;

const RECEIVERS = {
  otlp: (port) => `  otlp:\n    protocols:\n      grpc:\n        endpoint: 127.0.0.1:${port}\n`,
  rust_otlp: (port) => `  rust_otlp:\n    endpoint: 127.0.0.1:${port}\n`,
};

async function startFirstTandem(pipeline, nextPort) {
  const port = await freePort();
  const { runtime, receiver, processor, exporter, settings } = PIPELINES[pipeline];
  // The host's receiver stays in the host in every row (placement would move it into the engine beside rust_batch),
  // so that the rows differ only in what they send.
  const child = await startTandem(`runtime:
  rust:
    mode: ${runtime}
  placement:
    in_host: [otlp]
receivers:
${RECEIVERS[receiver](port)}processors:
  ${processor}:
exporters:
  ${exporter}:
    endpoint: 127.0.0.1:${nextPort}
${settings}${pipelineYaml(receiver, [processor], exporter)}`, port);
  return { child, address: `127.0.0.1:${port}` };
}

/** OTAP in, OTAP out: `rust_otap -> rust_attributes -> rust_otap_grpc`, between an OTAP first tandem and the second. */
async function startRelayTandem(nextPort) {
  const port = await freePort();
  const child = await startTandem(`runtime:
  rust:
    mode: spawn
receivers:
  rust_otap:
    endpoint: 127.0.0.1:${port}
processors:
  rust_attributes:
    actions:
      - key: bench.stage
        value: relay
        action: insert
exporters:
  rust_otap_grpc:
    endpoint: 127.0.0.1:${nextPort}
${pipelineYaml('rust_otap', ['rust_attributes'], 'rust_otap_grpc')}`, port);
  return { child, port };
}

async function startSecondTandem(sinkPort) {
  const port = await freePort();
  const child = await startTandem(`runtime:
  rust:
    mode: spawn
receivers:
  rust_otap:
    endpoint: 127.0.0.1:${port}
exporters:
  rust_otlp_grpc:
    endpoint: 127.0.0.1:${sinkPort}
${pipelineYaml('rust_otap', [], 'rust_otlp_grpc')}`, port);
  return { child, port };
}

/** The figures of a pipeline over its windows: medians, and the range of spans/s. */
function summary(windows) {
  const spansPerSecond = windows.map((w) => w.spans_per_second);
  const perCpu = (tandem) => median(windows.map((w) => w.cpu[tandem].spans_per_cpu_second));
  const tandems = Object.keys(windows[0].cpu);
  return {
    spans_per_second: median(spansPerSecond),
    spans_per_second_range: [Math.min(...spansPerSecond), Math.max(...spansPerSecond)],
    spans_per_cpu_second: Object.fromEntries(tandems.map((tandem) => [tandem, perCpu(tandem)])),
    failed_requests: windows.reduce((sum, w) => sum + w.failed_requests, 0),
    spans_lost: windows.reduce((sum, w) => sum + w.spans_lost, 0),
    windows,
  };
}

/** Every first tandem runs from the start; the load moves from one to the next in rounds, so that a slow moment of a
 * shared machine falls on all of them alike. Each window is preceded by a warm-up (longer the first time: V8's JIT). */
async function endToEnd() {
  const requests = generatedTraces(SPANS_PER_REQUEST, DISTINCT_REQUESTS);
  const sink = await startTraceSink();
  const second = await startSecondTandem(sink.port);
  const relay = await startRelayTandem(second.port);
  const firsts = {};
  try {
    for (const pipeline of Object.keys(PIPELINES)) firsts[pipeline] = await startFirstTandem(pipeline, PIPELINES[pipeline].relay ? relay.port : second.port);
    const windows = Object.fromEntries(Object.keys(PIPELINES).map((pipeline) => [pipeline, []]));
    for (let round = 0; round < ROUNDS; round++) {
      for (const [pipeline, first] of Object.entries(firsts)) {
        windows[pipeline].push(await measureTraces({
          address: first.address, requests, sink, inFlight: IN_FLIGHT,
          warmupMs: round === 0 ? WARMUP_MS : WARMUP_MS / 3, durationMs: DURATION_MS / ROUNDS,
          processes: { first_tandem: first.child.pid, second_tandem: second.child.pid, ...(PIPELINES[pipeline].relay ? { relay_tandem: relay.child.pid } : {}) },
        }));
      }
    }
    const results = Object.fromEntries(Object.entries(windows).map(([pipeline, measured]) => [pipeline, { sends: PIPELINES[pipeline].compression, ...summary(measured) }]));
    const { host, engine_otlp: engineOtlp, engine_otap: engineOtap } = results;
    const firstCpu = (result) => result.spans_per_cpu_second.first_tandem;
    return {
      spans_per_request: SPANS_PER_REQUEST,
      distinct_requests: DISTINCT_REQUESTS,
      in_flight: IN_FLIGHT,
      rounds: ROUNDS,
      warmup_seconds: WARMUP_MS / 1000,
      duration_seconds: DURATION_MS / 1000,
      ...results,
      otap_over_host: engineOtap.spans_per_second / host.spans_per_second,
      otap_over_host_per_first_tandem_cpu: firstCpu(engineOtap) / firstCpu(host),
      otap_over_engine_otlp: engineOtap.spans_per_second / engineOtlp.spans_per_second,
      otap_over_engine_otlp_per_first_tandem_cpu: firstCpu(engineOtap) / firstCpu(engineOtlp),
    };
  } finally {
    for (const first of Object.values(firsts)) await stopCollector(first.child);
    await stopCollector(relay.child);
    await stopCollector(second.child);
    sink.stop();
  }
}

const OPERATIONS = [
  ['prost_decode', 'prost decode of the OTLP bytes (baseline)'],
  ['to_otap', 'OTLP -> OTAP (`to_otap`)'],
  ['to_otlp', 'OTAP -> OTLP (`to_otlp`)'],
  ['stream_encode', 'OTLP -> OTAP stream (`StreamEncoder`: to_otap, sorting, Arrow IPC, zstd; what rust_otap_grpc does)'],
  ['stream_decode', 'OTAP stream -> OTLP (`StreamDecoder`: Arrow IPC, zstd, to_otlp; what rust_otap does)'],
];

const WIRE_ROWS = [
  ['otlp_bytes_per_item', 'OTLP protobuf'],
  ['otlp_zstd_bytes_per_item', 'OTLP + zstd (each request alone)'],
  ['otap_bytes_per_item', 'OTAP stream, all batches'],
  ['otap_first_batch_bytes_per_item', 'OTAP stream, first batch (carries the schemas)'],
  ['otap_later_batches_bytes_per_item', 'OTAP stream, later batches'],
];

const PIPELINE_NAMES = {
  host: '`otlp -> batch -> otlp_grpc` (host only)',
  engine_otlp: '`otlp -> rust_batch -> rust_otlp_grpc`',
  engine_otap: '`otlp -> rust_batch -> rust_otap_grpc`',
  engine_only: '`rust_otlp -> rust_batch -> rust_otlp_grpc` (wholly in the engine)',
};

function writeOtapResults(result) {
  const { conversion: c, end_to_end: e } = result;
  const rate = (signal, op) => Math.round(c[signal].conversion.items_per_second[op]);
  const relative = (signal, op) => c[signal].conversion.relative_to_prost_decode[op].toFixed(2);
  const bytes = (signal, row) => c[signal].wire[row].toFixed(1);
  writeResults('otap', 'OTAP', result, `
OTel-Arrow (OTAP) against OTLP, on generated data (bench/otap/peer/src/generate.rs, deterministic): logs from a few
services and pods, mostly INFO, templated bodies with ids in them, 3-6 attributes of mixed types from a small
vocabulary, 80% with trace and span ids; spans in traces of 1-8 (a server span and its client and internal children),
http/db/rpc attributes, 10% with an event, 3% errors. ${c.items_per_request} items per request.

Conversion on one core (one thread of \`tandem-otap-bench\`), items/s: median of ${c.rounds} slices of ${c.slice_ms} ms per
operation, the operations taking turns, after one slice each of warm-up; a pass covers ${c.stream_batches} requests.
Ratio = rate / the prost decode's rate in the same run:

| operation | log records/s | ratio | spans/s | ratio |
| --- | ---: | ---: | ---: | ---: |
${OPERATIONS.map(([op, name]) => `| ${name} | ${rate('logs', op)} | ${relative('logs', op)} | ${rate('traces', op)} | ${relative('traces', op)} |`).join('\n')}

Bytes on the wire per item: the same ${c.stream_batches} consecutive requests as OTLP (zstd level ${c.zstd_level}, each
request compressed alone as gRPC compression does) and as one OTAP stream (\`BatchArrowRecords\` messages as
rust_otap_grpc sends them: Arrow IPC, zstd inside; no gRPC compression on top):

| bytes per item | logs | spans |
| --- | ---: | ---: |
${WIRE_ROWS.map(([row, name]) => `| ${name} | ${bytes('logs', row)} | ${bytes('traces', row)} |`).join('\n')}
| **OTLP + zstd / OTAP** | **${c.logs.wire.otlp_zstd_over_otap.toFixed(2)}** | **${c.traces.wire.otlp_zstd_over_otap.toFixed(2)}** |

Published by otel-arrow for logs (docs/benchmarks-phase1.md, stream mode, compressed, their data): OTLP + zstd / OTAP =
${result.published_logs_ratio.batch_100} at 100 records per batch, ${result.published_logs_ratio.batch_1000} at 1000, ${result.published_logs_ratio.batch_5000} at 5000.

End to end: OTLP/gRPC traces (${e.spans_per_request} generated spans per request, ${e.distinct_requests} distinct requests in turn,
${e.in_flight} in flight, from the benchmark process) into a first tandem, which sends them to a second tandem
(\`rust_otap -> rust_otlp_grpc\`, the same for every row: rust_otap also serves OTLP), which forwards them to a gRPC sink
that counts spans. Compression: the client's OTLP into the first tandem is uncompressed for every row, and so is the
second tandem's OTLP into the sink; what the first tandem sends is in the table: OTAP has zstd inside its Arrow payloads
and none at the gRPC level (what \`rust_otap_grpc\` sends), the host's \`otlp_grpc\` sends gzip (grpc-js offers gzip and
deflate, no zstd), \`rust_otlp_grpc\` has no compression setting and sends OTLP uncompressed. The first tandems run
side by side and take the load in turns: ${e.rounds} rounds of one ${e.duration_seconds / e.rounds} s window each (${e.duration_seconds} s per pipeline), after
${e.warmup_seconds} s of warm-up the first time; figures are the medians of the windows. A tandem's CPU is the user+system
time of its host and engine processes together. The client, both tandems and the sink share the machine's cores, so
spans/s is the whole chain's; spans per CPU-second is the cost of each tandem alone. Lost: spans the first tandem
acknowledged that never reached the sink.

| first tandem's pipeline | it sends | spans/s (min-max) | spans per CPU-s, first tandem | spans per CPU-s, second tandem | lost | failed requests |
| --- | --- | ---: | ---: | ---: | ---: | ---: |
${Object.entries(PIPELINE_NAMES).map(([key, name]) => { const p = e[key]; return `| ${name} | ${PIPELINES[key].compression} | ${p.spans_per_second} (${p.spans_per_second_range.join('-')}) | ${p.spans_per_cpu_second.first_tandem} | ${p.spans_per_cpu_second.second_tandem} | ${p.spans_lost} | ${p.failed_requests} |`; }).join('\n')}

Relayed: the \`otlp -> rust_batch -> rust_otap_grpc\` first tandem sends to a relay tandem \`rust_otap -> rust_attributes ->
rust_otap_grpc\` (OTAP in, OTAP out), which sends to the second tandem: ${e.relayed.spans_per_second} spans/s
(${e.relayed.spans_per_second_range.join('-')}), **${e.relayed.spans_per_cpu_second.relay_tandem} spans per CPU-second of the relay**
(first tandem ${e.relayed.spans_per_cpu_second.first_tandem}, second ${e.relayed.spans_per_cpu_second.second_tandem}), ${e.relayed.spans_lost} lost, ${e.relayed.failed_requests} failed requests.

OTAP pipeline / host pipeline: **${e.otap_over_host.toFixed(2)}** in spans/s, **${e.otap_over_host_per_first_tandem_cpu.toFixed(2)}** in spans per CPU-second of the
first tandem (OTAP with zstd against OTLP with gzip). OTAP / OTLP out of the same engine pipeline (OTLP uncompressed
there): **${e.otap_over_engine_otlp.toFixed(2)}** in spans/s, **${e.otap_over_engine_otlp_per_first_tandem_cpu.toFixed(2)}** in spans per CPU-second of the first tandem.

Load average (1, 5, 15 min) at the start: ${result.load_average_at_start.join(', ')}; at the end: ${result.load_average_at_end.join(', ')}, on 2 cores.`);
}

async function main() {
  const loadAtStart = loadAverage();
  const conversion = JSON.parse(execFileSync(OTAP_PEER, ['convert', '--slice-ms', String(SLICE_MS)], { stdio: ['ignore', 'pipe', 'inherit'] }));
  const endToEndResult = await endToEnd();
  const result = {
    date: new Date().toISOString(),
    machine: machine(),
    // Other work on the machine (this is a shared machine): 1, 5 and 15 min load averages.
    load_average_at_start: loadAtStart,
    load_average_at_end: loadAverage(),
    conversion,
    published_logs_ratio: PUBLISHED_LOGS_RATIO,
    end_to_end: endToEndResult,
  };
  console.log(JSON.stringify(result, null, 2));
  writeOtapResults(result);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

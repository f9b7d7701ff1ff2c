#!/usr/bin/env node
// Latency benchmark: what one client with one request in flight waits for an acknowledgement, through the default
// config (config/default.yaml: otlp -> rust_batch -> debug) at its defaults (a batch leaves at once when none awaits
// its answer), with `linger: 1ms` (the default before) and, as the baseline in the same run, `linger` at the timeout
// (Go's batching: size or timeout only). Clients: a curl-like one (OTLP/JSON over HTTP, one POST at a time) and the
// OpenTelemetry JS SDK's BatchSpanProcessor (OTLP/gRPC, one export in flight). Then the same curl-like client through
// `otlp -> batch -> otlp_grpc` with the persistent sending queue (file_storage, fsync on) and without it; and
// throughput under load (128 requests in flight) at the defaults and with Go's batching, so that leaving at once is
// seen not to cost throughput. Writes bench/results/latency.json and the "Latency" section of bench/RESULTS.md.
'use strict';
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-grpc');
const { BasicTracerProvider, BatchSpanProcessor } = require('@opentelemetry/sdk-trace-base');

const { root, machine, writeResults, freePort, startTandem, stopCollector, startTraceSink, measureTraces, median } = require('../lib');
const { Traces } = require(path.join(root, 'ts-host', 'dist', 'pdata'));

const WINDOW_MS = Number(process.env.BENCH_DURATION_MS ?? 10_000);
const DEFAULT_CONFIG = fs.readFileSync(path.join(root, 'config', 'default.yaml'), 'utf8');
const TARGETS = { p50: 5, p99: 20, durable_p50: 10 };
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
/** The batch processors' `linger` in each setting compared (undefined: the default, 0). */
const SETTINGS = { go: '200ms', linger_1ms: '1ms', defaults: undefined };

/** The span of the README's curl example, as OTLP/JSON. */
const CURL_BODY = JSON.stringify({
  resourceSpans: [{
    resource: { attributes: [{ key: 'service.name', value: { stringValue: 'curl' } }] },
    scopeSpans: [{ spans: [{
      traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b174', name: 'hello', kind: 2,
      startTimeUnixNano: '1700000000000000000', endTimeUnixNano: '1700000000001000000',
    }] }],
  }],
});

function percentiles(latencies) {
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (p) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
  const round = (ms) => Math.round(ms * 100) / 100;
  return { count: sorted.length, p50_ms: round(at(0.5)), p99_ms: round(at(0.99)) };
}

/** POSTs the curl example to /v1/traces, one at a time, for the window; resolves with the latency percentiles. */
async function curlLike(httpPort) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const post = () => new Promise((resolve, reject) => {
    const request = http.request({ host: '127.0.0.1', port: httpPort, path: '/v1/traces', method: 'POST', agent, headers: { 'Content-Type': 'application/json' } }, (response) => {
      response.resume();
      response.on('end', () => (response.statusCode === 200 ? resolve() : reject(new Error(`HTTP ${response.statusCode}`))));
    });
    request.on('error', reject);
    request.end(CURL_BODY);
  });
  for (let i = 0; i < 5; i++) await post(); // warm-up: connections, JIT
  const latencies = [];
  const until = Date.now() + WINDOW_MS;
  while (Date.now() < until) {
    const started = process.hrtime.bigint();
    await post();
    latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  agent.destroy();
  return percentiles(latencies);
}

/**
 * The SDK's BatchSpanProcessor (its defaults: 512-span exports, one in flight) fed 20k spans/s for the window;
 * resolves with the export latency percentiles and the spans per second the collector acknowledged.
 */
async function sdkBatchSpanProcessor(grpcPort) {
  const latencies = [];
  let acked = 0;
  let measuring = false;
  const otlp = new OTLPTraceExporter({ url: `http://127.0.0.1:${grpcPort}` });
  const timing = {
    export(spans, done) {
      const started = process.hrtime.bigint();
      otlp.export(spans, (result) => {
        if (measuring && result.code === 0) {
          latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
          acked += spans.length;
        }
        done(result);
      });
    },
    forceFlush: () => otlp.forceFlush(),
    shutdown: () => otlp.shutdown(),
  };
  const provider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(timing)] });
  const tracer = provider.getTracer('bench');
  const producer = setInterval(() => {
    for (let i = 0; i < 200; i++) tracer.startSpan('op').end();
  }, 10);
  await new Promise((resolve) => setTimeout(resolve, 1_000)); // warm-up
  measuring = true;
  const started = Date.now();
  await new Promise((resolve) => setTimeout(resolve, WINDOW_MS));
  measuring = false;
  const seconds = (Date.now() - started) / 1000;
  clearInterval(producer);
  await provider.shutdown();
  return { ...percentiles(latencies), spans_per_second: Math.round(acked / seconds) };
}

/** The default config on free ports, its `rust_batch` at `linger` (its default when undefined). */
async function startDefault(linger) {
  const [grpcPort, httpPort, healthPort, uiPort] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  const set = [
    `receivers.otlp.protocols.grpc.endpoint=127.0.0.1:${grpcPort}`,
    `receivers.otlp.protocols.http.endpoint=127.0.0.1:${httpPort}`,
    `extensions.health_check.endpoint=127.0.0.1:${healthPort}`,
    `extensions.tandem_ui.endpoint=127.0.0.1:${uiPort}`,
    'service.telemetry.metrics.level=none',
    ...(linger === undefined ? [] : [`processors.rust_batch.linger=${linger}`]),
  ];
  const child = await startTandem(DEFAULT_CONFIG, httpPort, set.flatMap((entry) => ['--set', entry]));
  return { child, grpcPort, httpPort };
}

/** `otlp -> <processor> -> otlp_grpc` into the sink, with `exporterYaml` added to the exporter's settings. */
async function startPipeline({ sinkPort, processor, processorYaml = '', exporterYaml = '', extensionsYaml = '' }) {
  const [grpcPort, httpPort] = await Promise.all([freePort(), freePort()]);
  // The exporter is pinned in the host (placement would move it into the engine beside rust_batch).
  const child = await startTandem(`runtime:
  rust:
    mode: ${processor.startsWith('rust_') ? 'spawn' : 'off'}
  placement:
    in_host: [otlp_grpc]
${extensionsYaml}receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:${grpcPort}
      http:
        endpoint: 127.0.0.1:${httpPort}
processors:
  ${processor}:
${processorYaml}exporters:
  otlp_grpc:
    endpoint: 127.0.0.1:${sinkPort}
    tls:
      insecure: true
    compression: none
${exporterYaml}service:
${extensionsYaml ? '  extensions: [file_storage]\n' : ''}  telemetry:
    metrics:
      level: none
  pipelines:
    traces:
      receivers: [otlp]
      processors: [${processor}]
      exporters: [otlp_grpc]
`, httpPort);
  return { child, grpcPort, httpPort };
}

async function withCollector(start, run) {
  const collector = await start();
  try {
    return await run(collector);
  } finally {
    await stopCollector(collector.child);
  }
}

function loadRequest() {
  const spans = Array.from({ length: 100 }, (_, i) => ({
    traceId: (i + 1).toString(16).padStart(32, '0'), spanId: (i + 1).toString(16).padStart(16, '0'), name: `load-${i}`, kind: 2,
    startTimeUnixNano: '1700000000000000000', endTimeUnixNano: '1700000000001000000',
  }));
  return Traces.fromJSON({ resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'load' } }] }, scopeSpans: [{ spans }] }] }).toProto();
}

async function throughput(sink, processor, linger) {
  const processorYaml = linger === undefined ? '' : `    linger: ${linger}\n`;
  return withCollector(() => startPipeline({ sinkPort: sink.port, processor, processorYaml }), async ({ child, grpcPort }) => {
    const { spans_per_second, failed_requests, cpu } = await measureTraces({
      address: `127.0.0.1:${grpcPort}`, requests: [loadRequest()], sink, inFlight: 128, warmupMs: 3_000, durationMs: WINDOW_MS, processes: { collector: child.pid },
    });
    if (failed_requests > 0) throw new Error(`${failed_requests} requests failed under load (${processor}, linger ${linger})`);
    return { spans_per_second, spans_per_cpu_second: cpu.collector.spans_per_cpu_second };
  });
}

const row = (name, r) => `| ${name} | ${r.p50_ms} | ${r.p99_ms} | ${r.count} |`;
const loadRow = (name, off, on) => `| ${name} | ${off.spans_per_second} (${off.runs.map((r) => r.spans_per_second).join(', ')}) | ${on.spans_per_second} (${
  on.runs.map((r) => r.spans_per_second).join(', ')}) | ${(on.spans_per_second / off.spans_per_second).toFixed(2)} | ${off.spans_per_cpu_second} | ${
  on.spans_per_cpu_second} | ${(on.spans_per_cpu_second / off.spans_per_cpu_second).toFixed(2)} |`;

function writeLatencyResults(result) {
  const { defaults: d, durable: q, load } = result;
  const met = (value, target) => (value <= target ? 'yes' : 'no');
  writeResults('latency', 'Latency', result, `
One client with one request in flight, through the default config (\`config/default.yaml\`: \`otlp -> rust_batch ->
debug\`, ports moved with \`--set\`) at its defaults (a batch leaves at once when none awaits its answer, Nagle's rule),
with \`--set processors.rust_batch.linger=1ms\` (the default before) and, as the baseline in the same run, with
\`--set processors.rust_batch.linger=200ms\` (at the timeout: Go's batching, a lone request waits for \`timeout\`). The curl-like
client POSTs the README's span as OTLP/JSON, one request at a time on a kept-alive connection; the SDK client is the
OpenTelemetry JS SDK's BatchSpanProcessor (defaults: 512-span exports, one in flight) fed 20k spans/s, over OTLP/gRPC,
in the benchmark process. ${WINDOW_MS / 1000} s per row.

| default config | p50 (ms) | p99 (ms) | requests |
| --- | ---: | ---: | ---: |
${row("curl-like, Go's batching (baseline)", d.curl_go)}
${row('curl-like, linger 1ms', d.curl_linger_1ms)}
${row('curl-like, defaults', d.curl_defaults)}
${row("SDK BatchSpanProcessor export, Go's batching (baseline)", d.sdk_go)}
${row('SDK BatchSpanProcessor export, linger 1ms', d.sdk_linger_1ms)}
${row('SDK BatchSpanProcessor export, defaults', d.sdk_defaults)}

SDK client spans acknowledged per second: ${d.sdk_go.spans_per_second} with Go's batching, ${d.sdk_linger_1ms.spans_per_second} with
linger 1ms, ${d.sdk_defaults.spans_per_second} at the defaults (ratio to Go's batching **${(d.sdk_defaults.spans_per_second / d.sdk_go.spans_per_second).toFixed(1)}x**).
Curl-like p50 ratios: Go's batching / defaults **${(d.curl_go.p50_ms / d.curl_defaults.p50_ms).toFixed(1)}x**, linger 1ms / defaults
**${(d.curl_linger_1ms.p50_ms / d.curl_defaults.p50_ms).toFixed(2)}x**.

Durable acknowledgements: the curl-like client through \`otlp -> batch -> otlp_grpc\` into a gRPC sink process, the
exporter's sending queue kept by \`file_storage\` (fsync on; acknowledged once written and synced) against the same
pipeline without storage (acknowledged once exported to the sink). File system of \`${result.durable_dir_fs}\`.

| durable | p50 (ms) | p99 (ms) | requests |
| --- | ---: | ---: | ---: |
${row('no storage (acknowledged once exported)', q.memory)}
${row('sending_queue.storage: file_storage, fsync', q.file_storage)}

Throughput under load (\`otlp -> <processor> -> otlp_grpc\` into the sink, 128 requests of 100 spans in flight, 3 s
warm-up), the defaults against Go's batching (\`linger: 200ms\`) in the same run: the median of ${ROUNDS} rounds that alternate between the two
(each round's spans/s in brackets); the CPU is the collector's (host and engine together), which other processes on
the machine disturb less than the wall clock. Load average while it ran: ${result.load_average.map((v) => v.toFixed(1)).join(' / ')}
(start / end, 1 min) on ${os.cpus().length} cores.

| processor | spans/s, Go's batching | spans/s, defaults | ratio | spans per collector CPU-s, Go's batching | defaults | ratio |
| --- | ---: | ---: | ---: | ---: | ---: | ---: |
${loadRow('batch (host)', load.batch_go, load.batch_defaults)}
${loadRow('rust_batch (engine)', load.rust_batch_go, load.rust_batch_defaults)}

| target | value | wanted | met |
| --- | ---: | --- | --- |
| default config, one request in flight, p50 (ms) | ${d.curl_defaults.p50_ms} | <= ${TARGETS.p50} | ${met(d.curl_defaults.p50_ms, TARGETS.p50)} |
| default config, one request in flight, p99 (ms) | ${d.curl_defaults.p99_ms} | <= ${TARGETS.p99} | ${met(d.curl_defaults.p99_ms, TARGETS.p99)} |
| durable queue on, p50 (ms) | ${q.file_storage.p50_ms} | <= ${TARGETS.durable_p50} | ${met(q.file_storage.p50_ms, TARGETS.durable_p50)} |`);
}

function fileSystemOf(dir) {
  try {
    const mounts = fs.readFileSync('/proc/mounts', 'utf8').split('\n').map((line) => line.split(' ')).filter((f) => f.length > 2);
    const mount = mounts.filter(([, point]) => dir.startsWith(point)).sort((a, b) => b[1].length - a[1].length)[0];
    return mount ? `${mount[1]} (${mount[2]})` : 'unknown';
  } catch {
    return 'unknown';
  }
}

async function main() {
  const loadBefore = os.loadavg()[0];
  const defaults = {};
  for (const [name, linger] of Object.entries(SETTINGS)) {
    await withCollector(() => startDefault(linger), async ({ grpcPort, httpPort }) => {
      defaults[`curl_${name}`] = await curlLike(httpPort);
      defaults[`sdk_${name}`] = await sdkBatchSpanProcessor(grpcPort);
    });
  }
  const sink = await startTraceSink();
  const queueDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-bench-queue-'));
  try {
    const durable = {};
    durable.memory = await withCollector(() => startPipeline({ sinkPort: sink.port, processor: 'batch' }), ({ httpPort }) => curlLike(httpPort));
    durable.file_storage = await withCollector(() => startPipeline({
      sinkPort: sink.port,
      processor: 'batch',
      extensionsYaml: `extensions:\n  file_storage:\n    directory: ${queueDir}\n`,
      exporterYaml: '    sending_queue:\n      storage: file_storage\n',
    }), ({ httpPort }) => curlLike(httpPort));
    // Rounds alternate between the two settings, and each row is their median, so that load from other processes on
    // the machine weighs on both alike.
    const load = {};
    for (const processor of ['batch', 'rust_batch']) {
      const runs = { go: [], defaults: [] };
      for (let round = 0; round < ROUNDS; round++) {
        for (const name of Object.keys(runs)) runs[name].push(await throughput(sink, processor, SETTINGS[name]));
      }
      for (const [name, results] of Object.entries(runs)) {
        load[`${processor}_${name}`] = {
          spans_per_second: median(results.map((r) => r.spans_per_second)),
          spans_per_cpu_second: median(results.map((r) => r.spans_per_cpu_second)),
          runs: results,
        };
      }
    }
    const result = {
      date: new Date().toISOString(), machine: machine(), window_seconds: WINDOW_MS / 1000, load_average: [loadBefore, os.loadavg()[0]],
      durable_dir_fs: fileSystemOf(queueDir), defaults, durable, load,
    };
    console.log(JSON.stringify(result, null, 2));
    writeLatencyResults(result);
  } finally {
    sink.stop();
    fs.rmSync(queueDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

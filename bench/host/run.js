#!/usr/bin/env node
// Host benchmark: throughput of `otlp (gRPC) -> batch -> otlp_grpc` through a real tandem process into a sink process,
// against a baseline of the same client sending straight to the sink, in the same run; then the same pipeline with the
// engine's `rust_batch` instead of `batch`, against the host-only pipeline (the cost and gain of crossing).
// Reports spans/s, the collector's spans per CPU-second (from /proc/<pid>/stat) and the ratio to the baseline.
// Writes bench/results/host.json and the "Host" section of bench/RESULTS.md.
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const readline = require('node:readline');
const grpc = require('@grpc/grpc-js');

const { root, cpuSeconds, machine, writeResults } = require('../lib');
const { Traces, rawExportService } = require(path.join(root, 'ts-host', 'dist', 'pdata'));

const SPANS_PER_REQUEST = 100;
// The batch processor answers each caller when its batch is exported, so a client needs more spans in flight than
// send_batch_size (8192) to fill batches by size instead of waiting for the 200ms timeout.
const IN_FLIGHT = 128;
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 15_000);
const WARMUP_MS = 3_000;

function request() {
  const spans = Array.from({ length: SPANS_PER_REQUEST }, (_, i) => ({
    traceId: (i + 1).toString(16).padStart(32, '0'),
    spanId: (i + 1).toString(16).padStart(16, '0'),
    name: `bench-span-${i}`,
    kind: 2,
    startTimeUnixNano: '1700000000000000000',
    endTimeUnixNano: '1700000000001000000',
    attributes: [{ key: 'http.route', value: { stringValue: '/api/items' } }, { key: 'http.status_code', value: { intValue: '200' } }],
  }));
  return Traces.fromJSON({ resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'bench' } }] }, scopeSpans: [{ scope: { name: 'bench' }, spans }] }] }).toProto();
}

async function freePort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Starts the sink; resolves with its port and a function returning the spans it has counted. */
async function startSink() {
  const child = spawn(process.execPath, [path.join(__dirname, 'sink.js')], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = readline.createInterface({ input: child.stdout });
  const waiting = [];
  lines.on('line', (line) => waiting.shift()?.(JSON.parse(line)));
  const next = () => new Promise((resolve) => waiting.push(resolve));
  const { port } = await next();
  return {
    port,
    count: async () => {
      const reply = next();
      child.stdin.write('count\n');
      return (await reply).spans;
    },
    stop: () => child.stdin.end(),
  };
}

/** Sends the request as fast as IN_FLIGHT concurrent calls allow until `until`. */
async function load(address, bytes, until) {
  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  const method = rawExportService('traces').Export;
  let failures = 0;
  const worker = async () => {
    while (Date.now() < until) {
      await new Promise((resolve) => client.makeUnaryRequest(method.path, method.requestSerialize, method.responseDeserialize, bytes,
        (err) => { if (err) failures++; resolve(); }));
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  client.close();
  return failures;
}

/** A process and its children (the spawned engine): the collector's CPU is theirs together. */
function processTree(pid) {
  const children = fs.readdirSync(`/proc/${pid}/task`).flatMap((task) =>
    fs.readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').split(' ').filter(Boolean).map(Number));
  return [pid, ...children.flatMap(processTree)];
}

const treeCpuSeconds = (pids) => pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);

/** Runs warm-up then a measured window; returns spans/s delivered to the sink and the collector's CPU use. */
async function measure(address, sink, pid) {
  const bytes = request();
  await load(address, bytes, Date.now() + WARMUP_MS);
  const spansBefore = await sink.count();
  const pids = pid ? processTree(pid) : [];
  const cpuBefore = treeCpuSeconds(pids);
  const started = Date.now();
  const failures = await load(address, bytes, started + DURATION_MS);
  await new Promise((resolve) => setTimeout(resolve, 500)); // let the last batch reach the sink
  const elapsed = (Date.now() - started) / 1000;
  const spans = (await sink.count()) - spansBefore;
  const cpu = pid ? treeCpuSeconds(pids) - cpuBefore : undefined;
  return { spans_per_second: Math.round(spans / elapsed), collector_cpu_seconds: cpu, spans_per_cpu_second: cpu ? Math.round(spans / cpu) : undefined, failed_requests: failures };
}

/** The batch processor of each variant: the host's, or the engine's (the pipeline then crosses the ring twice). */
const VARIANTS = {
  host: { runtime: 'off', processor: 'batch' },
  engine: { runtime: 'spawn', processor: 'rust_batch' },
};

async function startCollector(sinkPort, variant) {
  const grpcPort = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-bench-'));
  const config = path.join(dir, 'config.yaml');
  const { runtime, processor } = VARIANTS[variant];
  fs.writeFileSync(config, `runtime:
  rust:
    mode: ${runtime}
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:${grpcPort}
processors:
  ${processor}:
exporters:
  otlp_grpc:
    endpoint: 127.0.0.1:${sinkPort}
    tls:
      insecure: true
    compression: none
service:
  telemetry:
    metrics:
      level: none
  pipelines:
    traces:
      receivers: [otlp]
      processors: [${processor}]
      exporters: [otlp_grpc]
`);
  const child = spawn(process.execPath, [path.join(root, 'scripts', 'bin', 'tandem.js'), '--config', config], { stdio: ['ignore', 'ignore', 'inherit'] });
  for (let i = 0; i < 300; i++) {
    const open = await new Promise((resolve) => {
      const socket = net.connect(grpcPort, '127.0.0.1');
      socket.once('connect', () => { socket.destroy(); resolve(true); });
      socket.once('error', () => resolve(false));
    });
    if (open) return { child, address: `127.0.0.1:${grpcPort}` };
    if (child.exitCode !== null) throw new Error(`tandem exited with ${child.exitCode}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('tandem did not start');
}

function writeHostResults(result) {
  writeResults('host', 'Host', result, `
\`otlp (gRPC) -> batch -> otlp_grpc\` through one tandem process (TypeScript only) into a gRPC sink process, against the
same client sending straight to the sink; then the same pipeline with the engine's \`rust_batch\` in place of
\`batch\` (each request crosses into the engine and back). ${SPANS_PER_REQUEST} spans per request, ${IN_FLIGHT}
requests in flight (both batch processors acknowledge a request once its batch is exported, so fewer than 8192 spans in
flight would wait for the 200ms timeout), ${DURATION_MS / 1000} s measured after ${WARMUP_MS / 1000} s of warm-up. The
client runs in the benchmark process; CPU is the collector's user+system time (host and engine processes together).

| | spans/s | collector CPU-s | spans per collector CPU-s |
| --- | --- | --- | --- |
| baseline (client -> sink) | ${result.baseline.spans_per_second} | | |
| through tandem, host batch | ${result.collector.spans_per_second} | ${result.collector.collector_cpu_seconds?.toFixed(2)} | ${result.collector.spans_per_cpu_second} |
| through tandem, rust_batch in the engine | ${result.engine.spans_per_second} | ${result.engine.collector_cpu_seconds?.toFixed(2)} | ${result.engine.spans_per_cpu_second} |

Ratio (host batch / baseline): **${result.ratio.toFixed(3)}**. Ratio (rust_batch pipeline / host batch pipeline):
**${result.engine_ratio.toFixed(3)}**.`);
}

async function main() {
  const sink = await startSink();
  try {
    const baseline = await measure(`127.0.0.1:${sink.port}`, sink);
    const through = async (variant) => {
      const { child, address } = await startCollector(sink.port, variant);
      try {
        return await measure(address, sink, child.pid);
      } finally {
        child.kill('SIGTERM');
        await new Promise((resolve) => child.once('exit', resolve));
      }
    };
    const collector = await through('host');
    const engine = await through('engine');
    const result = {
      date: new Date().toISOString(),
      machine: machine(),
      spans_per_request: SPANS_PER_REQUEST,
      in_flight: IN_FLIGHT,
      duration_seconds: DURATION_MS / 1000,
      baseline,
      collector,
      engine,
      ratio: collector.spans_per_second / baseline.spans_per_second,
      engine_ratio: engine.spans_per_second / collector.spans_per_second,
    };
    console.log(JSON.stringify(result, null, 2));
    writeHostResults(result);
  } finally {
    sink.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

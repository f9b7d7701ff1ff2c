#!/usr/bin/env node
// Host benchmark: throughput of `otlp (gRPC) -> batch -> otlp_grpc` through a real tandem process into a sink process,
// against a baseline of the same client sending straight to the sink, in the same run; then the same pipeline with the
// engine's `rust_batch` instead of `batch`, and with `rust_filter -> rust_attributes -> rust_batch` (a chain of engine
// processors between two crossings), against the host-only pipeline (the cost and gain of crossing).
// Reports spans/s, the collector's spans per CPU-second (from /proc/<pid>/stat) and the ratio to the baseline.
// Writes bench/results/host.json and the "Host" section of bench/RESULTS.md.
'use strict';
const os = require('node:os');

const { machine, writeResults, traceRequest, freePort, startTandem, stopCollector, startTraceSink, measureTraces } = require('../lib');

const SPANS_PER_REQUEST = 100;
// More spans in flight than send_batch_size (8192), so that batches fill by size: the load of a busy collector.
const IN_FLIGHT = 128;
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 15_000);
const WARMUP_MS = 3_000;


/** Runs warm-up then a measured window; returns spans/s delivered to the sink and the collector's CPU use. */
async function measure(address, sink, pid) {
  const { spans_per_second, failed_requests, cpu: { collector } } = await measureTraces({
    address, requests: [traceRequest(SPANS_PER_REQUEST)], sink, inFlight: IN_FLIGHT, warmupMs: WARMUP_MS, durationMs: DURATION_MS, processes: pid ? { collector: pid } : {},
  });
  return { spans_per_second, collector_cpu_seconds: collector?.cpu_seconds, spans_per_cpu_second: collector?.spans_per_cpu_second, failed_requests };
}

/** The processors of each variant: the host's batch, or engine processors (the pipeline then crosses the ring twice).
 * The filter drops nothing of this data (no span is named healthcheck) and the attribute is inserted on every span, so
 * every variant delivers every span. */
const VARIANTS = {
  host: { runtime: 'off', processors: { batch: '' } },
  engine: { runtime: 'spawn', processors: { rust_batch: '' } },
  engine_chain: {
    runtime: 'spawn',
    processors: {
      rust_filter: '    spans:\n      exclude:\n        match_type: strict\n        span_names: [healthcheck]\n',
      rust_attributes: '    actions:\n      - key: bench.stage\n        value: tandem\n        action: insert\n',
      rust_batch: '',
    },
  },
};

async function startCollector(sinkPort, variant) {
  const grpcPort = await freePort();
  const { runtime, processors } = VARIANTS[variant];
  const names = Object.keys(processors);
  const child = await startTandem(`runtime:
  rust:
    mode: ${runtime}
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:${grpcPort}
processors:
${names.map((name) => `  ${name}:\n${processors[name]}`).join('')}exporters:
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
      processors: [${names.join(', ')}]
      exporters: [otlp_grpc]
`, grpcPort);
  return { child, address: `127.0.0.1:${grpcPort}` };
}

function writeHostResults(result) {
  writeResults('host', 'Host', result, `
\`otlp (gRPC) -> batch -> otlp_grpc\` through one tandem process (TypeScript only) into a gRPC sink process, against the
same client sending straight to the sink; then the same pipeline with the engine's \`rust_batch\` in place of
\`batch\` (each request crosses into the engine and back), and with \`rust_filter -> rust_attributes -> rust_batch\`
(a filter that drops nothing of this data, an attribute inserted on every span). ${SPANS_PER_REQUEST} spans per request,
${IN_FLIGHT} requests in flight (more than send_batch_size, 8192 spans, so batches fill by size), ${DURATION_MS / 1000} s
measured after ${WARMUP_MS / 1000} s of warm-up. Each request is acknowledged once the sink has it (the batch processors
answer on export, and so does \`otlp_grpc\`'s queue by default). The client runs in the benchmark process; CPU is the
collector's user+system time (host and engine processes together).

| | spans/s | collector CPU-s | spans per collector CPU-s |
| --- | --- | --- | --- |
| baseline (client -> sink) | ${result.baseline.spans_per_second} | | |
| through tandem, host batch | ${result.collector.spans_per_second} | ${result.collector.collector_cpu_seconds?.toFixed(2)} | ${result.collector.spans_per_cpu_second} |
| through tandem, rust_batch in the engine | ${result.engine.spans_per_second} | ${result.engine.collector_cpu_seconds?.toFixed(2)} | ${result.engine.spans_per_cpu_second} |
| through tandem, rust_filter -> rust_attributes -> rust_batch in the engine | ${result.engine_chain.spans_per_second} | ${result.engine_chain.collector_cpu_seconds?.toFixed(2)} | ${result.engine_chain.spans_per_cpu_second} |

Ratio (host batch / baseline): **${result.ratio.toFixed(3)}**. Ratio (rust_batch pipeline / host batch pipeline):
**${result.engine_ratio.toFixed(3)}**; (engine chain / host batch pipeline): **${result.engine_chain_ratio.toFixed(3)}**.

Load average (1 min) when the run started: ${result.load_average_1m_at_start.toFixed(2)} (other work on the machine).`);
}

async function main() {
  const loadAverage = os.loadavg()[0];
  const sink = await startTraceSink();
  try {
    const baseline = await measure(`127.0.0.1:${sink.port}`, sink);
    const through = async (variant) => {
      const { child, address } = await startCollector(sink.port, variant);
      try {
        return await measure(address, sink, child.pid);
      } finally {
        await stopCollector(child);
      }
    };
    const collector = await through('host');
    const engine = await through('engine');
    const engineChain = await through('engine_chain');
    const result = {
      date: new Date().toISOString(),
      machine: machine(),
      load_average_1m_at_start: loadAverage,
      spans_per_request: SPANS_PER_REQUEST,
      in_flight: IN_FLIGHT,
      duration_seconds: DURATION_MS / 1000,
      baseline,
      collector,
      engine,
      engine_chain: engineChain,
      ratio: collector.spans_per_second / baseline.spans_per_second,
      engine_ratio: engine.spans_per_second / collector.spans_per_second,
      engine_chain_ratio: engineChain.spans_per_second / collector.spans_per_second,
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

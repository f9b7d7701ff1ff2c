#!/usr/bin/env node
// Components benchmark: what a TypeScript processor that reads every span and sets one attribute costs, in a real
// tandem process: `otlp (gRPC) -> tag -> batch -> otlp_grpc` against the same pipeline without `tag`, in the same run,
// each into the same sink from the same client. Then, in this process, where the processor's time goes per request:
// decoding the OTLP bytes, walking the spans and setting the attribute, encoding again. The Go Collector's
// `attributes` processor doing the same is a row left for the Go Collector the oracle work adds.
// Writes bench/results/components.json and the "Components" section of bench/RESULTS.md.
'use strict';
const os = require('node:os');
const path = require('node:path');

const { root, machine, writeResults, traceRequest, freePort, startTandem, stopTandem, startTraceSink, measureTraces } = require('../lib');
const { Traces } = require(path.join(root, 'ts-host', 'dist', 'pdata'));
const { tagSpans } = require('./collector');

const SPANS_PER_REQUEST = 100;
const IN_FLIGHT = 128;
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 15_000);
const WARMUP_MS = 3_000;
const PROFILE_REQUESTS = 2_000;


async function startCollector(sinkPort, processors) {
  const grpcPort = await freePort();
  const child = await startTandem(`runtime:
  rust:
    mode: off
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:${grpcPort}
processors:
  batch:
${processors.includes('tag') ? '  tag:\n' : ''}exporters:
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
      processors: [${processors.join(', ')}]
      exporters: [otlp_grpc]
`, grpcPort, [], path.join(__dirname, 'collector.js'));
  return { child, address: `127.0.0.1:${grpcPort}` };
}

/** Microseconds per request of each step of the processor's work, over PROFILE_REQUESTS requests. */
function profile(bytes) {
  const time = (fn) => {
    for (let i = 0; i < 200; i++) fn(); // warm the JIT
    const started = process.hrtime.bigint();
    for (let i = 0; i < PROFILE_REQUESTS; i++) fn();
    return Number(process.hrtime.bigint() - started) / 1000 / PROFILE_REQUESTS;
  };
  const passThrough = time(() => Traces.fromProto(bytes).toProto());
  const decode = time(() => Traces.fromProto(bytes).request());
  const decodeAndTag = time(() => tagSpans(Traces.fromProto(bytes)));
  const whole = time(() => {
    const td = Traces.fromProto(bytes);
    tagSpans(td);
    return td.toProto();
  });
  return {
    pass_through_us: passThrough,
    decode_us: decode,
    walk_and_set_us: decodeAndTag - decode,
    encode_us: whole - decodeAndTag,
    total_us: whole,
  };
}

async function main() {
  const bytes = traceRequest(SPANS_PER_REQUEST);
  const sink = await startTraceSink();
  const measure = async (processors) => {
    const { child, address } = await startCollector(sink.port, processors);
    try {
      const { spans_per_second, failed_requests, cpu: { collector } } = await measureTraces({
        address, requests: [bytes], sink, inFlight: IN_FLIGHT, warmupMs: WARMUP_MS, durationMs: DURATION_MS, processes: { collector: child.pid },
      });
      return { spans_per_second, collector_cpu_seconds: collector.cpu_seconds, spans_per_cpu_second: collector.spans_per_cpu_second, failed_requests };
    } finally {
      await stopTandem(child);
    }
  };
  let without;
  let withTag;
  try {
    without = await measure(['batch']);
    withTag = await measure(['tag', 'batch']);
  } finally {
    sink.stop();
  }
  const steps = profile(bytes);
  const result = {
    date: new Date().toISOString(),
    machine: machine(),
    spans_per_request: SPANS_PER_REQUEST,
    in_flight: IN_FLIGHT,
    duration_seconds: DURATION_MS / 1000,
    without_processor: without,
    with_processor: withTag,
    ratio: withTag.spans_per_second / without.spans_per_second,
    cpu_ratio: withTag.spans_per_cpu_second / without.spans_per_cpu_second,
    processor_steps: steps,
    // The machine is shared; the two pipelines run back to back, so the ratio is fairer than the figures.
    load_average: os.loadavg()[0],
  };
  console.log(JSON.stringify(result, null, 2));
  const us = (value) => value.toFixed(1);
  writeResults('components', 'Components', result, `
A TypeScript processor written against the public API (\`bench/components/collector.js\`: it reads every span's name
and sets one attribute with \`span.attributes().putStr\`) in \`otlp (gRPC) -> tag -> batch -> otlp_grpc\`, against
\`otlp -> batch -> otlp_grpc\` in the same run, through one tandem process (TypeScript only) into the same gRPC sink from
the same client. ${SPANS_PER_REQUEST} spans per request, ${IN_FLIGHT} requests in flight, ${DURATION_MS / 1000} s measured
after ${WARMUP_MS / 1000} s of warm-up; CPU is the collector process's user+system time.

| | spans/s | collector CPU-s | spans per collector CPU-s |
| --- | --- | --- | --- |
| without the processor | ${without.spans_per_second} | ${without.collector_cpu_seconds.toFixed(2)} | ${without.spans_per_cpu_second} |
| with the TypeScript processor | ${withTag.spans_per_second} | ${withTag.collector_cpu_seconds.toFixed(2)} | ${withTag.spans_per_cpu_second} |
| the Go Collector's \`attributes\` processor, same load | not measured yet: needs the oracle's Go Collector | | |

Ratio (with / without): **${result.ratio.toFixed(3)}** in spans/s, **${result.cpu_ratio.toFixed(3)}** in spans per CPU-second.

Where the processor's time goes, per ${SPANS_PER_REQUEST}-span request, measured in the benchmark process over
${PROFILE_REQUESTS} requests: decoding the OTLP bytes (protobufjs) ${us(steps.decode_us)} µs, walking the spans and
setting the attribute ${us(steps.walk_and_set_us)} µs, encoding again ${us(steps.encode_us)} µs; ${us(steps.total_us)} µs in
all, against ${us(steps.pass_through_us)} µs for a request nobody touches (it keeps its bytes). Load average
${result.load_average.toFixed(1)} when it finished (other work shares the machine).`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

#!/usr/bin/env node
// Components benchmark: what a TypeScript processor that reads every span and sets one attribute costs, in a real
// tandem process: `otlp (gRPC) -> tag -> batch -> otlp_grpc` against the same pipeline without `tag`, and against the
// Go Collector (the one the oracle tests build) doing the same with its `attributes` processor (and without it), in
// the same run, each into the same sink from the same client. Then, in this process, where the processor's time goes
// per request: decoding the OTLP bytes, walking the spans and setting the attribute, encoding again.
// Writes bench/results/components.json and the "Components" section of bench/RESULTS.md.
'use strict';
const os = require('node:os');
const path = require('node:path');

const {
  root, machine, writeResults, traceRequest, freePort, startTandem, startGoCollector, stopCollector, startTraceSink, measureTraces,
} = require('../lib');
const { Traces } = require(path.join(root, 'ts-host', 'dist', 'pdata'));
const { tagSpans } = require('./collector');

const SPANS_PER_REQUEST = 100;
const IN_FLIGHT = 128;
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 15_000);
const WARMUP_MS = 3_000;
const PROFILE_REQUESTS = 500;
const PROFILE_ROUNDS = 9;


/** The Go Collector's `otlp -> [attributes ->] batch -> otlp` into the sink; `attributes` sets the same attribute. */
async function startGo(sinkPort, processors) {
  const grpcPort = await freePort();
  const child = await startGoCollector(`receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:${grpcPort}
processors:
  batch:
  attributes:
    actions:
      - key: tagged.by
        value: tandem
        action: upsert
exporters:
  otlp:
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
      exporters: [otlp]
`, grpcPort);
  return { child, address: `127.0.0.1:${grpcPort}` };
}

async function startTandemPipeline(sinkPort, processors) {
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

/**
 * Microseconds per request of each step of the processor's work: each step timed on its own (decoding fresh
 * requests, walking decoded ones, encoding walked ones), over PROFILE_REQUESTS requests, the best of PROFILE_ROUNDS
 * rounds (the machine is shared; the least disturbed round is the closest to the cost).
 */
function profile(bytes) {
  const best = (prepare, step) => {
    let fastest = Infinity;
    for (let round = 0; round < PROFILE_ROUNDS; round++) {
      const inputs = Array.from({ length: PROFILE_REQUESTS }, prepare);
      const started = process.hrtime.bigint();
      for (const input of inputs) step(input);
      fastest = Math.min(fastest, Number(process.hrtime.bigint() - started) / 1000 / PROFILE_REQUESTS);
    }
    return fastest;
  };
  const fresh = () => Traces.fromProto(bytes);
  const decoded = () => {
    const td = fresh();
    td.request();
    return td;
  };
  const walked = () => {
    const td = fresh();
    tagSpans(td);
    return td;
  };
  const steps = {
    pass_through_us: best(fresh, (td) => td.toProto()),
    validate_us: best(fresh, (td) => td.validate()),
    decode_us: best(fresh, (td) => td.request()),
    walk_and_set_us: best(decoded, tagSpans),
    encode_us: best(walked, (td) => td.toProto()),
  };
  return { ...steps, total_us: steps.decode_us + steps.walk_and_set_us + steps.encode_us };
}

async function main() {
  const bytes = traceRequest(SPANS_PER_REQUEST);
  const sink = await startTraceSink();
  const measure = async (start, processors) => {
    const { child, address } = await start(sink.port, processors);
    try {
      const { spans_per_second, failed_requests, cpu: { collector } } = await measureTraces({
        address, requests: [bytes], sink, inFlight: IN_FLIGHT, warmupMs: WARMUP_MS, durationMs: DURATION_MS, processes: { collector: child.pid },
      });
      return { spans_per_second, collector_cpu_seconds: collector.cpu_seconds, spans_per_cpu_second: collector.spans_per_cpu_second, failed_requests };
    } finally {
      await stopCollector(child);
    }
  };
  let without;
  let withTag;
  let goWithout;
  let goAttributes;
  try {
    without = await measure(startTandemPipeline, ['batch']);
    withTag = await measure(startTandemPipeline, ['tag', 'batch']);
    goWithout = await measure(startGo, ['batch']);
    goAttributes = await measure(startGo, ['attributes', 'batch']);
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
    go_without_processor: goWithout,
    go_attributes_processor: goAttributes,
    ratio: withTag.spans_per_second / without.spans_per_second,
    cpu_ratio: withTag.spans_per_cpu_second / without.spans_per_cpu_second,
    go_ratio: goAttributes.spans_per_second / goWithout.spans_per_second,
    go_cpu_ratio: goAttributes.spans_per_cpu_second / goWithout.spans_per_cpu_second,
    vs_go_cpu_ratio: withTag.spans_per_cpu_second / goAttributes.spans_per_cpu_second,
    processor_steps: steps,
    // The machine is shared; the two pipelines run back to back, so the ratio is fairer than the figures.
    load_average: os.loadavg()[0],
  };
  console.log(JSON.stringify(result, null, 2));
  const us = (value) => value.toFixed(1);
  const pct = (value) => Math.round((100 * value) / steps.total_us);
  writeResults('components', 'Components', result, `
A TypeScript processor written against the public API (\`bench/components/collector.js\`: it reads every span's name
and sets one attribute with \`span.attributes().putStr\`) in \`otlp (gRPC) -> tag -> batch -> otlp_grpc\`, against
\`otlp -> batch -> otlp_grpc\`, through one tandem process (TypeScript only); and the Go Collector (v0.145, the oracle
tests' build) doing the same with its \`attributes\` processor (\`upsert tagged.by\`), and without it. All in the same
run, into the same gRPC sink from the same client: ${SPANS_PER_REQUEST} spans per request, ${IN_FLIGHT} requests in flight,
${DURATION_MS / 1000} s measured after ${WARMUP_MS / 1000} s of warm-up; CPU is the collector process's user+system time.

| | spans/s | collector CPU-s | spans per collector CPU-s |
| --- | --- | --- | --- |
| without the processor | ${without.spans_per_second} | ${without.collector_cpu_seconds.toFixed(2)} | ${without.spans_per_cpu_second} |
| with the TypeScript processor | ${withTag.spans_per_second} | ${withTag.collector_cpu_seconds.toFixed(2)} | ${withTag.spans_per_cpu_second} |
| Go Collector, without the processor | ${goWithout.spans_per_second} | ${goWithout.collector_cpu_seconds.toFixed(2)} | ${goWithout.spans_per_cpu_second} |
| Go Collector, \`attributes\` processor | ${goAttributes.spans_per_second} | ${goAttributes.collector_cpu_seconds.toFixed(2)} | ${goAttributes.spans_per_cpu_second} |

Ratio (with / without): **${result.ratio.toFixed(3)}** in spans/s, **${result.cpu_ratio.toFixed(3)}** in spans per
CPU-second (Go's own: ${result.go_ratio.toFixed(3)} and ${result.go_cpu_ratio.toFixed(3)}). Tandem with the TypeScript
processor against Go with \`attributes\`, in spans per CPU-second: **${result.vs_go_cpu_ratio.toFixed(3)}**.

Where the processor's time goes, per ${SPANS_PER_REQUEST}-span request, measured in the benchmark process (each step
on its own, the best of ${PROFILE_ROUNDS} rounds of ${PROFILE_REQUESTS} requests): decoding the OTLP bytes (protobufjs) ${us(steps.decode_us)} µs, walking the spans and
setting the attribute ${us(steps.walk_and_set_us)} µs, encoding again ${us(steps.encode_us)} µs; ${us(steps.total_us)} µs in
all, against ${us(steps.pass_through_us)} µs for a request nobody touches (it keeps its bytes); the receiver's check that a request
is well-formed (the wire walk of \`ts-host/src/pdata/wire.ts\`, every request pays it once) ${us(steps.validate_us)} µs. Protobufjs decoding and
encoding the request are ${pct(steps.decode_us + steps.encode_us)}% of the processor's time, the navigable API's walk
and write ${pct(steps.walk_and_set_us)}%. Load average ${result.load_average.toFixed(1)} when it finished (other work
shares the machine).`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

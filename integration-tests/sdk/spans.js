#!/usr/bin/env node
// Produces spans with the real OpenTelemetry JS SDK and exports them over OTLP/gRPC through the SDK's own
// BatchSpanProcessor, so each worker keeps one export in flight, as an instrumented application does. It prints one
// JSON line per finished export: {"acked": ["<trace id><span id>", ...]} when the collector answered success, or
// {"failed": <spans>, "error": "..."}; then {"done": true} once it has stopped and flushed.
// Usage: node spans.js <host:port> <workers> <spans per tick> <tick ms> <duration ms, or 0 to run until stdin closes>
'use strict';
const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-grpc');
const { resourceFromAttributes } = require('@opentelemetry/resources');
const { BasicTracerProvider, BatchSpanProcessor } = require('@opentelemetry/sdk-trace-base');

const [address, workers, perTick, tickMs, durationMs] = process.argv.slice(2).map((arg, i) => (i === 0 ? arg : Number(arg)));

const print = (line) => process.stdout.write(`${JSON.stringify(line)}\n`);

/** Tells, per export, whether the collector acknowledged it: the only spans a client may count as delivered. */
class RecordingExporter {
  constructor(inner) {
    this.inner = inner;
  }

  export(spans, done) {
    this.inner.export(spans, (result) => {
      if (result.code === 0) print({ acked: spans.map((span) => span.spanContext().traceId + span.spanContext().spanId) });
      else print({ failed: spans.length, error: String(result.error?.message ?? result.error) });
      done(result);
    });
  }

  forceFlush() {
    return this.inner.forceFlush();
  }

  shutdown() {
    return this.inner.shutdown();
  }
}

function worker(index) {
  const processor = new BatchSpanProcessor(new RecordingExporter(new OTLPTraceExporter({ url: `http://${address}` })), {
    scheduledDelayMillis: 1,
    maxExportBatchSize: 512,
    maxQueueSize: 4096,
  });
  const provider = new BasicTracerProvider({ resource: resourceFromAttributes({ 'service.name': `load-${index}` }), spanProcessors: [processor] });
  const tracer = provider.getTracer('load');
  const timer = setInterval(() => {
    for (let i = 0; i < perTick; i++) tracer.startSpan(`op-${i % 8}`, { attributes: { worker: index, i } }).end();
  }, tickMs);
  return async () => {
    clearInterval(timer);
    await provider.forceFlush();
    await provider.shutdown();
  };
}

const stops = Array.from({ length: workers }, (_, i) => worker(i));
const stop = async () => {
  await Promise.all(stops.map((stopWorker) => stopWorker()));
  print({ done: true });
};
if (durationMs > 0) setTimeout(stop, durationMs);
else process.stdin.on('end', stop).resume();

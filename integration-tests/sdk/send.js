#!/usr/bin/env node
// Sends one batch of telemetry with the real OpenTelemetry JS SDK and prints what was sent as JSON.
// Usage: node send.js <traces|metrics|logs> <grpc|http-proto|http-json> <host:port> <run id>
// It runs as its own process because the SDK's HTTP exporters load `http` with a dynamic import(), which Jest's
// module sandbox cannot run; a separate process is also what a real client is.
'use strict';
const { SeverityNumber } = require('@opentelemetry/api-logs');
const { resourceFromAttributes } = require('@opentelemetry/resources');
const { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } = require('@opentelemetry/sdk-logs');
const { AggregationTemporality, MeterProvider, PeriodicExportingMetricReader } = require('@opentelemetry/sdk-metrics');
const { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } = require('@opentelemetry/sdk-trace-base');

const [signal, transport, address, run] = process.argv.slice(2);

const EXPORTERS = {
  traces: { grpc: 'exporter-trace-otlp-grpc', 'http-proto': 'exporter-trace-otlp-proto', 'http-json': 'exporter-trace-otlp-http', name: 'OTLPTraceExporter' },
  metrics: { grpc: 'exporter-metrics-otlp-grpc', 'http-proto': 'exporter-metrics-otlp-proto', 'http-json': 'exporter-metrics-otlp-http', name: 'OTLPMetricExporter' },
  logs: { grpc: 'exporter-logs-otlp-grpc', 'http-proto': 'exporter-logs-otlp-proto', 'http-json': 'exporter-logs-otlp-http', name: 'OTLPLogExporter' },
};

function exporter(options = {}) {
  const entry = EXPORTERS[signal];
  const Exporter = require(`@opentelemetry/${entry[transport]}`)[entry.name];
  const url = transport === 'grpc' ? `http://${address}` : `http://${address}/v1/${signal}`;
  return new Exporter({ url, ...options });
}

const nanos = ([seconds, fraction]) => (BigInt(seconds) * 1_000_000_000n + BigInt(fraction)).toString();
const resource = resourceFromAttributes({ 'service.name': 'it', 'test.run': run });

async function sendTraces() {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ resource, spanProcessors: [new SimpleSpanProcessor(memory), new SimpleSpanProcessor(exporter())] });
  const tracer = provider.getTracer('it-scope', '1.2.3');
  tracer.startActiveSpan('parent', (parent) => {
    const child = tracer.startSpan('child', { attributes: { 'http.method': 'GET', retries: 3, ratio: 0.25, ok: true, tags: ['a', 'b'] } });
    child.addEvent('checkpoint', { step: 1 });
    child.end();
    parent.end();
  });
  await provider.forceFlush();
  const sent = memory.getFinishedSpans().map((span) => ({
    traceId: span.spanContext().traceId,
    spanId: span.spanContext().spanId,
    parentSpanId: span.parentSpanContext?.spanId,
    name: span.name,
    startTimeUnixNano: nanos(span.startTime),
    endTimeUnixNano: nanos(span.endTime),
  }));
  await provider.shutdown();
  return sent;
}

async function sendMetrics() {
  const reader = new PeriodicExportingMetricReader({
    exporter: exporter({ temporalityPreference: AggregationTemporality.CUMULATIVE }),
    exportIntervalMillis: 3_600_000,
  });
  const provider = new MeterProvider({ resource, readers: [reader] });
  const meter = provider.getMeter('it-meter', '0.1.0');
  meter.createCounter('requests', { description: 'requests served', unit: '{request}' }).add(5, { route: '/a' });
  meter.createHistogram('latency', { unit: 'ms' }).record(12.5);
  await provider.forceFlush();
  await provider.shutdown();
  return [{ name: 'requests', value: 5 }, { name: 'latency', count: 1, sum: 12.5 }];
}

async function sendLogs() {
  const memory = new InMemoryLogRecordExporter();
  const provider = new LoggerProvider({
    resource,
    processors: [new SimpleLogRecordProcessor({ exporter: memory }), new SimpleLogRecordProcessor({ exporter: exporter() })],
  });
  provider.getLogger('it-logger', '2.0.0').emit({
    body: 'hello', severityNumber: SeverityNumber.WARN, severityText: 'WARN', attributes: { user: 'u1', n: 7 },
    timestamp: new Date(1_700_000_000_123),
  });
  await provider.forceFlush();
  const sent = memory.getFinishedLogRecords().map((record) => ({
    timeUnixNano: nanos(record.hrTime),
    observedTimeUnixNano: nanos(record.hrTimeObserved),
  }));
  await provider.shutdown();
  return sent;
}

const senders = { traces: sendTraces, metrics: sendMetrics, logs: sendLogs };
senders[signal]().then(
  (sent) => process.stdout.write(JSON.stringify(sent)),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);

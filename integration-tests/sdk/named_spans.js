#!/usr/bin/env node
// Sends one span per name with the OpenTelemetry JS SDK's gRPC exporter (a simple span processor, so each span is
// one export request), each with a password and a route attribute; prints what was sent as JSON.
// Usage: node named_spans.js <host:port> <run id> <name> [<name> ...]
'use strict';
const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-grpc');
const { resourceFromAttributes } = require('@opentelemetry/resources');
const { BasicTracerProvider, SimpleSpanProcessor } = require('@opentelemetry/sdk-trace-base');

const [address, run, ...names] = process.argv.slice(2);

async function main() {
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'it', 'test.run': run }),
    spanProcessors: [new SimpleSpanProcessor(new OTLPTraceExporter({ url: `http://${address}` }))],
  });
  const tracer = provider.getTracer('it-spans');
  const sent = names.map((name) => {
    const span = tracer.startSpan(name, { attributes: { 'user.password': 'hunter2', 'http.route': `/${name}` } });
    span.end();
    return { name, spanId: span.spanContext().spanId };
  });
  await provider.forceFlush();
  await provider.shutdown();
  process.stdout.write(JSON.stringify(sent));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

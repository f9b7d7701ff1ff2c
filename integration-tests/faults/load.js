#!/usr/bin/env node
// The fault matrix's load client: real OpenTelemetry JS SDK exporters (traces over OTLP/gRPC, logs over OTLP/HTTP
// protobuf) sending uniquely named spans and log records in batches, as fast as `--pause-ms` allows, until told to
// stop. It records which items the collector acknowledged (the exporter's export() reported SUCCESS), and, like a
// real client, sends a failed batch again. It runs as its own process, forked with an IPC channel: a real client is
// a process of its own, and the SDK's HTTP exporter loads `http` with a dynamic import() Jest cannot run.
//
// Usage (argv): --run ID [--traces-grpc HOST:PORT] [--logs-http HOST:PORT] [--batch N] [--concurrency N] [--pause-ms N]
// Parent -> child: { stop: true }. Child -> parent: { type: 'started' }, then { type: 'report', ... } after stopping.
'use strict';
const { resourceFromAttributes } = require('@opentelemetry/resources');
const { BasicTracerProvider } = require('@opentelemetry/sdk-trace-base');
const { LoggerProvider } = require('@opentelemetry/sdk-logs');
const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-grpc');
const { OTLPLogExporter } = require('@opentelemetry/exporter-logs-otlp-proto');

const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
const run = args.run;
const batchSize = Number(args.batch ?? 20);
const concurrency = Number(args.concurrency ?? 2);
const pauseMs = Number(args['pause-ms'] ?? 10);
/** How long stop waits for exports in flight before it reports (their items count as not acknowledged). */
const SETTLE_MS = 20_000;

const resource = resourceFromAttributes({ 'service.name': 'fault-matrix', 'test.run': run });

/** Collects what the SDK finishes, so that the stream can export it in batches of its own. */
class Collecting {
  constructor() {
    this.items = [];
  }
  onStart() {}
  onEmit(record) {
    this.items.push(record);
  }
  onEnd(span) {
    this.items.push(span);
  }
  forceFlush() {
    return Promise.resolve();
  }
  shutdown() {
    return Promise.resolve();
  }
}

/** One signal's stream: makes batches of named items and exports them, recording every attempt's outcome. */
function stream(name, exporter, make) {
  const collected = new Collecting();
  const emit = make(collected);
  const acked = [];
  const timeline = []; // [start ms, end ms, ok]
  let next = 0;
  let failures = 0;
  let stopping = false;
  const retry = [];

  const exportOnce = (batch) =>
    new Promise((resolve) => {
      const start = Date.now();
      exporter.export(batch.items, (result) => {
        const ok = result.code === 0; // ExportResultCode.SUCCESS
        timeline.push([start, Date.now(), ok ? 1 : 0]);
        if (ok) acked.push(...batch.names);
        else {
          failures++;
          retry.push(batch);
        }
        resolve();
      });
    });

  const worker = async () => {
    while (!stopping) {
      let batch = retry.shift();
      if (!batch) {
        const names = Array.from({ length: batchSize }, () => `${run}-${name}-${next++}`);
        for (const item of names) emit(item);
        batch = { names, items: collected.items.splice(0) };
      }
      await exportOnce(batch);
      if (pauseMs > 0) await new Promise((r) => setTimeout(r, pauseMs));
    }
  };
  const workers = Array.from({ length: concurrency }, worker);
  return {
    async stop() {
      stopping = true;
      await Promise.race([Promise.all(workers), new Promise((r) => setTimeout(r, SETTLE_MS))]);
      return { acked, timeline, failures, sent: next, unacknowledged: retry.reduce((n, b) => n + b.names.length, 0) };
    },
  };
}

const streams = {};
if (args['traces-grpc']) {
  const exporter = new OTLPTraceExporter({ url: `http://${args['traces-grpc']}`, timeoutMillis: 5_000 });
  streams.traces = stream('span', exporter, (processor) => {
    const tracer = new BasicTracerProvider({ resource, spanProcessors: [processor] }).getTracer('fault-matrix');
    return (item) => tracer.startSpan(item).end();
  });
}
if (args['logs-http']) {
  const exporter = new OTLPLogExporter({ url: `http://${args['logs-http']}/v1/logs`, timeoutMillis: 5_000 });
  streams.logs = stream('log', exporter, (processor) => {
    const logger = new LoggerProvider({ resource, processors: [processor] }).getLogger('fault-matrix');
    return (item) => logger.emit({ body: item });
  });
}

process.on('message', async (message) => {
  if (!message.stop) return;
  const report = { type: 'report' };
  for (const [signal, s] of Object.entries(streams)) report[signal] = await s.stop();
  process.send(report, () => process.exit(0));
});
process.send({ type: 'started' });

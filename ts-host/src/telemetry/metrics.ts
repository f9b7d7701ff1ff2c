// The collector's own metrics, with the Go Collector's names, on a Prometheus endpoint (localhost:8888 by default).
import * as http from 'node:http';
import { Counter, Registry } from 'prom-client';
import type { Signal } from '../component';

/** The item noun each signal's metric names end with, as in Go's obsreport. */
export const ITEM_NOUN: Readonly<Record<Signal, string>> = { traces: 'spans', metrics: 'metric_points', logs: 'log_records' };

type CounterFamily = Readonly<Record<Signal, Counter>>;

/** The counters of one outcome for every signal, e.g. otelcol_receiver_accepted_{spans,metric_points,log_records}. */
function family(registry: Registry, prefix: string, help: string, labels: string[]): CounterFamily {
  const make = (signal: Signal) =>
    new Counter({ name: `${prefix}_${ITEM_NOUN[signal]}`, help: `${help} (${ITEM_NOUN[signal]})`, labelNames: labels, registers: [registry] });
  return { traces: make('traces'), metrics: make('metrics'), logs: make('logs') };
}

/** Every internal counter the service records, registered once per collector. */
export class ServiceMetrics {
  readonly registry = new Registry();
  readonly receiverAccepted = family(this.registry, 'otelcol_receiver_accepted', 'Items successfully pushed into the pipeline', ['receiver', 'transport']);
  readonly receiverRefused = family(this.registry, 'otelcol_receiver_refused', 'Items that could not be pushed into the pipeline', ['receiver', 'transport']);
  readonly exporterSent = family(this.registry, 'otelcol_exporter_sent', 'Items successfully sent to destination', ['exporter']);
  readonly exporterSendFailed = family(this.registry, 'otelcol_exporter_send_failed', 'Items that failed to be sent to destination', ['exporter']);
  readonly processorIncoming = new Counter({
    name: 'otelcol_processor_incoming_items', help: 'Items passed to the processor', labelNames: ['processor', 'otel_signal'], registers: [this.registry],
  });
  readonly processorOutgoing = new Counter({
    name: 'otelcol_processor_outgoing_items', help: 'Items emitted from the processor', labelNames: ['processor', 'otel_signal'], registers: [this.registry],
  });
}

/** Serves `registry` in the Prometheus text format on every path; resolves once listening. */
export async function servePrometheus(registry: Registry, host: string, port: number): Promise<http.Server> {
  const server = http.createServer((_req, res) => {
    registry.metrics().then(
      (text) => res.writeHead(200, { 'Content-Type': registry.contentType }).end(text),
      (err: Error) => res.writeHead(500).end(err.message),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return server;
}

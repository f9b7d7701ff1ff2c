// The collector's own metrics, with the Go Collector's names, on a Prometheus endpoint (localhost:8888 by default).
import * as http from 'node:http';
import { Counter, Gauge, Registry } from 'prom-client';
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

/** What the ring and engine metrics read at each scrape (the host's Engine provides it). */
export interface EngineStatsSource {
  readonly restarts: number;
  ringStats(): {
    requestsSent: number;
    requestsReceived: number;
    bytesSent: number;
    bytesReceived: number;
    waits: number;
    inFlight: number;
  };
  /** Per deployed engine component instance; several instances of one component ID are summed. */
  componentCounters(): Promise<Array<{ id: string; kind: string; itemsIn: number; itemsOut: number; requestsOk: number; requestsFailed: number }>>;
}

/**
 * Tandem's own metrics for the engine and its rings, read from `source` at each scrape. Direction `host_to_engine`
 * counts the host's requests, `engine_to_host` the engine's.
 */
export function registerEngineMetrics(registry: Registry, source: EngineStatsSource): void {
  const directed = (name: string, help: string, read: (s: ReturnType<EngineStatsSource['ringStats']>) => [number, number]) =>
    new Counter({
      name,
      help,
      labelNames: ['direction'],
      registers: [registry],
      collect() {
        const [out, back] = read(source.ringStats());
        this.reset();
        this.inc({ direction: 'host_to_engine' }, out);
        this.inc({ direction: 'engine_to_host' }, back);
      },
    });
  directed('tandem_ring_requests_total', 'Requests that crossed the ring', (s) => [s.requestsSent, s.requestsReceived]);
  directed('tandem_ring_bytes_total', 'Payload bytes that crossed the ring', (s) => [s.bytesSent, s.bytesReceived]);
  new Counter({
    name: 'tandem_ring_waits_total',
    help: 'Host requests that waited for a ring slot or ring space',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(source.ringStats().waits);
    },
  });
  new Gauge({
    name: 'tandem_ring_in_flight',
    help: 'Host requests on the ring awaiting the engine\'s answer',
    registers: [registry],
    collect() {
      this.set(source.ringStats().inFlight);
    },
  });
  new Counter({
    name: 'tandem_engine_restarts_total',
    help: 'Times the host started the engine again after it died',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(source.restarts);
    },
  });
  // Engine components as the engine counts them, including data that never crosses the ring. `kind` is the
  // Collector's word (receiver, processor, exporter, connector).
  const perComponent = (name: string, help: string, label: string, read: (c: Awaited<ReturnType<EngineStatsSource['componentCounters']>>[number]) => [string, number][]) =>
    new Counter({
      name,
      help,
      labelNames: ['component', 'kind', label],
      registers: [registry],
      async collect() {
        const counters = await source.componentCounters().catch(() => []);
        this.reset();
        for (const c of counters) {
          const kind = c.kind.replace(/^KIND_/, '').toLowerCase();
          for (const [value, n] of read(c)) this.inc({ component: c.id, kind, [label]: value }, n);
        }
      },
    });
  perComponent('tandem_engine_component_items_total', 'Items (spans, metric points, log records) into and out of engine components', 'direction', (c) => [
    ['in', c.itemsIn],
    ['out', c.itemsOut],
  ]);
  perComponent('tandem_engine_component_requests_total', 'Requests engine components answered, by outcome', 'outcome', (c) => [
    ['success', c.requestsOk],
    ['failure', c.requestsFailed],
  ]);
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

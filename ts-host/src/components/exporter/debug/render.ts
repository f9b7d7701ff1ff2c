// What the debug exporter logs for each verbosity.
import type { PData } from '../../../pdata';

type Node = Record<string, any>;

/** Counts per request, as the Go debug exporter's basic verbosity prints them. */
export function summary(data: PData): Record<string, number> {
  const request = data.request() as Node;
  switch (data.signal) {
    case 'traces':
      return { 'resource spans': request.resourceSpans.length, spans: data.itemCount() };
    case 'metrics':
      return {
        'resource metrics': request.resourceMetrics.length,
        metrics: request.resourceMetrics.reduce((n: number, rm: Node) => n + rm.scopeMetrics.reduce((m: number, sm: Node) => m + sm.metrics.length, 0), 0),
        'data points': data.itemCount(),
      };
    case 'logs':
      return { 'resource logs': request.resourceLogs.length, 'log records': data.itemCount() };
  }
}

/** One short line per span, metric or log record. */
export function itemLines(data: PData): string[] {
  const json = data.toJSON() as Node;
  const attrs = (list: Node[] = []) => list.map((kv) => `${kv.key}=${JSON.stringify(Object.values(kv.value ?? {})[0])}`).join(' ');
  switch (data.signal) {
    case 'traces':
      return (json.resourceSpans ?? []).flatMap((rs: Node) => (rs.scopeSpans ?? []).flatMap((ss: Node) =>
        (ss.spans ?? []).map((span: Node) => `${span.name} ${span.traceId} ${span.spanId} ${attrs(span.attributes)}`.trim())));
    case 'metrics':
      return (json.resourceMetrics ?? []).flatMap((rm: Node) => (rm.scopeMetrics ?? []).flatMap((sm: Node) =>
        (sm.metrics ?? []).map((metric: Node) => `${metric.name} ${Object.keys(metric).find((k) => !['name', 'description', 'unit', 'metadata'].includes(k)) ?? ''}`.trim())));
    case 'logs':
      return (json.resourceLogs ?? []).flatMap((rl: Node) => (rl.scopeLogs ?? []).flatMap((sl: Node) =>
        (sl.logRecords ?? []).map((record: Node) => `${JSON.stringify(Object.values(record.body ?? {})[0] ?? '')} ${attrs(record.attributes)}`.trim())));
  }
}

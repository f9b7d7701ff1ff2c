// The counts the debug exporter logs for every request, at every verbosity.
import type { otlp, PData } from '../../../pdata';

type Node = otlp.Message;

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

// Turns traces, metrics or logs into count metrics: per resource, one monotonic delta Int Sum per configured metric
// with a single data point, as the Go count connector emits them.
import type { Signal } from '../../../component';
import { Metrics, otlp, PData } from '../../../pdata';
import { CountConfig, metricsFor } from './config';

export const SCOPE_NAME = 'github.com/open-telemetry/opentelemetry-collector-contrib/connector/countconnector';
const AGGREGATION_TEMPORALITY_DELTA = 1;

type Node = otlp.Message;

/** For each source signal: the resource list, the scope list, and the counts taken from one scope's contents. */
interface Counting {
  resources(request: Node): Node[];
  scopes(resource: Node): Node[];
  counts: Partial<Record<keyof CountConfig, (scope: Node) => number>>;
}

const metricPoints = (metric: Node): number =>
  (metric.gauge ?? metric.sum ?? metric.histogram ?? metric.exponentialHistogram ?? metric.summary)?.dataPoints?.length ?? 0;

const COUNTING: Record<Signal, Counting> = {
  traces: {
    resources: (request) => request.resourceSpans ?? [],
    scopes: (resource) => resource.scopeSpans ?? [],
    counts: {
      spans: (scope) => scope.spans?.length ?? 0,
      spanevents: (scope) => (scope.spans ?? []).reduce((n: number, span: Node) => n + (span.events?.length ?? 0), 0),
    },
  },
  metrics: {
    resources: (request) => request.resourceMetrics ?? [],
    scopes: (resource) => resource.scopeMetrics ?? [],
    counts: {
      metrics: (scope) => scope.metrics?.length ?? 0,
      datapoints: (scope) => (scope.metrics ?? []).reduce((n: number, metric: Node) => n + metricPoints(metric), 0),
    },
  },
  logs: {
    resources: (request) => request.resourceLogs ?? [],
    scopes: (resource) => resource.scopeLogs ?? [],
    counts: { logs: (scope) => scope.logRecords?.length ?? 0 },
  },
};

/** The count metrics for `data`; an empty Metrics when it holds nothing. */
export function countMetrics(config: CountConfig, data: PData, now = Date.now()): Metrics {
  const counting = COUNTING[data.signal];
  const timeUnixNano = (BigInt(now) * 1_000_000n).toString();
  const resourceMetrics = counting.resources(data.request() as Node).map((resource) => {
    const metrics = Object.entries(counting.counts).flatMap(([kind, count]) => {
      const total = counting.scopes(resource).reduce((n, scope) => n + count(scope), 0);
      return Object.entries(metricsFor(config, kind as keyof CountConfig)).map(([name, info]) => ({
        name,
        description: info.description,
        sum: {
          aggregationTemporality: AGGREGATION_TEMPORALITY_DELTA,
          isMonotonic: true,
          dataPoints: [{ asInt: total, timeUnixNano }],
        },
      }));
    });
    return { resource: resource.resource, scopeMetrics: [{ scope: { name: SCOPE_NAME }, metrics }] };
  });
  return Metrics.fromRequest({ resourceMetrics });
}

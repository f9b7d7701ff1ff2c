// Which counts the connector emits. Each map is metric name -> settings; an empty map means the default metric.
export interface MetricInfo {
  description: string;
}

export interface CountConfig {
  spans: Record<string, MetricInfo>;
  spanevents: Record<string, MetricInfo>;
  metrics: Record<string, MetricInfo>;
  datapoints: Record<string, MetricInfo>;
  logs: Record<string, MetricInfo>;
}

/** The Go count connector's default metrics. */
export const DEFAULT_METRICS: Readonly<Record<keyof CountConfig, Readonly<Record<string, MetricInfo>>>> = {
  spans: { 'trace.span.count': { description: 'The number of spans observed.' } },
  spanevents: { 'trace.span.event.count': { description: 'The number of span events observed.' } },
  metrics: { 'metric.count': { description: 'The number of metrics observed.' } },
  datapoints: { 'metric.datapoint.count': { description: 'The number of data points observed.' } },
  logs: { 'log.record.count': { description: 'The number of log records observed.' } },
};

export function createDefaultConfig(): CountConfig {
  return { spans: {}, spanevents: {}, metrics: {}, datapoints: {}, logs: {} };
}

/** The metrics to emit for one kind of count: the configured ones, else the default. */
export function metricsFor(config: CountConfig, kind: keyof CountConfig): Readonly<Record<string, MetricInfo>> {
  return Object.keys(config[kind]).length > 0 ? config[kind] : DEFAULT_METRICS[kind];
}

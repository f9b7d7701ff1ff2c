// The `redact` processor: replaces the values of attributes whose keys match any of `key_patterns` (regular
// expressions) with `replacement`, in spans, span events and links, metric data points and log records (and in the
// resource when asked), maps nested in values included. Data it finds nothing to redact in is only read, so it goes
// on as the bytes it came as.
import { component, config, consumer, pdata, processor, processorhelper } from '@tandem/host';

type Map = pdata.pcommon.Map;

export interface Config {
  /** Regular expressions matched against attribute keys, case-insensitively. */
  key_patterns: string[];
  replacement: string;
  /** Redact resource attributes too. */
  include_resource: boolean;
}

export const TYPE = 'redact';

export const createDefaultConfig = (): Config => ({ key_patterns: [], replacement: '****', include_resource: false });

const configSchema = config.field.object({
  key_patterns: config.field.list(config.field.string()),
  replacement: config.field.string(),
  include_resource: config.field.boolean(),
});

function validateConfig(cfg: Config): void {
  if (cfg.key_patterns.length === 0) throw new Error('"key_patterns" must list at least one pattern');
  cfg.key_patterns.forEach((pattern, i) => {
    try {
      new RegExp(pattern);
    } catch (err) {
      throw new Error(`key_patterns[${i}]: ${(err as Error).message}`);
    }
  });
}

/** Redacts matching keys of `attributes` and of the maps nested in its values; returns how many values it replaced. */
function redactMap(attributes: Map, matches: (key: string) => boolean, replacement: string): number {
  let redacted = 0;
  for (const [key, value] of attributes) {
    if (matches(key)) {
      if (value.str() !== replacement || value.type() !== pdata.pcommon.ValueType.Str) {
        value.setStr(replacement);
        redacted++;
      }
    } else if (value.type() === pdata.pcommon.ValueType.Map) {
      redacted += redactMap(value.map(), matches, replacement);
    }
  }
  return redacted;
}

/** Every attribute map of a request that redaction looks at. */
function* attributeMaps(data: pdata.PData, includeResource: boolean): Generator<Map> {
  // By signal rather than instanceof: the classes may come from another copy of the host than the data.
  if (data.signal === 'traces') {
    for (const rs of (data as pdata.Traces).resourceSpans()) {
      if (includeResource) yield rs.resource().attributes();
      for (const ss of rs.scopeSpans()) for (const span of ss.spans()) {
        yield span.attributes();
        for (const event of span.events()) yield event.attributes();
        for (const link of span.links()) yield link.attributes();
      }
    }
  } else if (data.signal === 'metrics') {
    for (const rm of (data as pdata.Metrics).resourceMetrics()) {
      if (includeResource) yield rm.resource().attributes();
      for (const sm of rm.scopeMetrics()) for (const metric of sm.metrics()) yield* pointAttributes(metric);
    }
  } else {
    for (const rl of (data as pdata.Logs).resourceLogs()) {
      if (includeResource) yield rl.resource().attributes();
      for (const sl of rl.scopeLogs()) for (const record of sl.logRecords()) yield record.attributes();
    }
  }
}

function* pointAttributes(metric: pdata.pmetric.Metric): Generator<Map> {
  const { MetricType } = pdata.pmetric;
  const points = {
    [MetricType.Gauge]: () => metric.gauge().dataPoints(),
    [MetricType.Sum]: () => metric.sum().dataPoints(),
    [MetricType.Histogram]: () => metric.histogram().dataPoints(),
    [MetricType.ExponentialHistogram]: () => metric.exponentialHistogram().dataPoints(),
    [MetricType.Summary]: () => metric.summary().dataPoints(),
    [MetricType.Empty]: () => [],
  }[metric.type()]();
  for (const point of points) yield point.attributes();
}

function createRedactor<S extends component.Signal>(signal: S) {
  return async (settings: component.Settings, cfg: Config, next: consumer.ConsumerFor<S>): Promise<processor.Processor<S>> => {
    const patterns = cfg.key_patterns.map((pattern) => new RegExp(pattern, 'i'));
    const matches = (key: string) => patterns.some((pattern) => pattern.test(key));
    const redactedValues = settings.telemetry.meter.createCounter('redaction.redacted_values', {
      description: 'Attribute values replaced by the redaction processor',
    });
    return processorhelper.newProcessor(signal, settings, cfg, next, (_ctx, data) => {
      let redacted = 0;
      for (const attributes of attributeMaps(data, cfg.include_resource)) redacted += redactMap(attributes, matches, cfg.replacement);
      if (redacted > 0) redactedValues.add(redacted);
      return data;
    }, { capabilities: { mutatesData: true } });
  };
}

export function newFactory(): processor.Factory {
  return processor.newFactory(TYPE, createDefaultConfig, [
    processor.withTraces(createRedactor('traces'), component.StabilityLevel.Alpha),
    processor.withMetrics(createRedactor('metrics'), component.StabilityLevel.Alpha),
    processor.withLogs(createRedactor('logs'), component.StabilityLevel.Alpha),
  ], { configSchema, validateConfig });
}

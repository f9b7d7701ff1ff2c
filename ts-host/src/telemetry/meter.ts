// A component's own metrics (the meter of Go's component.TelemetrySettings), shaped as the OpenTelemetry API's Meter
// and served with the collector's metrics: `otelcol_<name>` (dots become underscores, counters end in `_total`),
// labelled with the component's identity (otelcol_component_id, otelcol_component_kind, otelcol_signal) and the
// attribute keys each instrument declares.
import { Counter as PromCounter, Gauge as PromGauge, Histogram as PromHistogram, Registry } from 'prom-client';

export type Attributes = Readonly<Record<string, string | number | boolean>>;

export interface InstrumentOptions {
  readonly description?: string;
  readonly unit?: string;
  /** The attribute keys the instrument records with (Prometheus needs its label names up front). */
  readonly attributeKeys?: readonly string[];
}

export interface HistogramOptions extends InstrumentOptions {
  /** Bucket boundaries; the OpenTelemetry SDK's defaults when omitted. */
  readonly boundaries?: readonly number[];
}

export interface Counter {
  /** Adds a non-negative amount. */
  add(value: number, attributes?: Attributes): void;
}

export interface UpDownCounter {
  add(value: number, attributes?: Attributes): void;
}

export interface Histogram {
  record(value: number, attributes?: Attributes): void;
}

export interface Meter {
  createCounter(name: string, options?: InstrumentOptions): Counter;
  createUpDownCounter(name: string, options?: InstrumentOptions): UpDownCounter;
  createHistogram(name: string, options?: HistogramOptions): Histogram;
}

/** The OpenTelemetry SDK's default explicit bucket boundaries. */
const DEFAULT_BOUNDARIES = [0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000];

const LABEL = /[^a-zA-Z0-9_]/g;
const labelName = (key: string): string => key.replace(LABEL, '_');

/** `my.counter` -> `otelcol_my_counter`. */
const metricName = (name: string): string => `otelcol_${name.replace(LABEL, '_')}`;

type PromMetric = PromCounter | PromGauge | PromHistogram;

/**
 * A meter whose instruments register in `registry` and carry `identity` (label name -> value) on every point.
 * Instances of one component (one per pipeline, per signal) share an instrument of the same name.
 */
export function newMeter(registry: Registry, identity: Readonly<Record<string, string>>): Meter {
  const instrument = <T extends PromMetric>(
    kind: string, name: string, options: InstrumentOptions, make: (config: { name: string; help: string; labelNames: string[]; registers: Registry[] }) => T,
  ): { metric: T; labels: (attributes?: Attributes) => Record<string, string> } => {
    const promName = metricName(name) + (kind === 'counter' ? '_total' : '');
    const keys = (options.attributeKeys ?? []).map(labelName);
    const labelNames = [...Object.keys(identity), ...keys];
    const help = `${options.description ?? name}${options.unit ? ` (${options.unit})` : ''}`;
    const existing = registry.getSingleMetric(promName) as (T & { labelNames?: string[]; type?: string }) | undefined;
    let metric: T;
    if (existing) {
      const sameLabels = JSON.stringify([...(existing.labelNames ?? [])].sort()) === JSON.stringify([...labelNames].sort());
      if (!sameLabels) throw new Error(`metric ${promName} is already registered with other attribute keys`);
      metric = existing;
    } else {
      metric = make({ name: promName, help, labelNames, registers: [registry] });
    }
    const declared = new Set(options.attributeKeys ?? []);
    const labels = (attributes: Attributes = {}): Record<string, string> => {
      const out: Record<string, string> = { ...identity };
      for (const [key, value] of Object.entries(attributes)) {
        if (!declared.has(key)) throw new Error(`metric ${promName}: attribute "${key}" is not among its attributeKeys [${[...declared].join(', ')}]`);
        out[labelName(key)] = String(value);
      }
      return out;
    };
    return { metric, labels };
  };

  return {
    createCounter(name, options = {}) {
      const { metric, labels } = instrument('counter', name, options, (config) => new PromCounter(config));
      return {
        add: (value, attributes) => {
          if (value < 0) throw new Error(`counter ${name}: cannot add a negative value (${value})`);
          metric.inc(labels(attributes), value);
        },
      };
    },
    createUpDownCounter(name, options = {}) {
      const { metric, labels } = instrument('gauge', name, options, (config) => new PromGauge(config));
      return { add: (value, attributes) => metric.inc(labels(attributes), value) };
    },
    createHistogram(name, options = {}) {
      const buckets = [...(options.boundaries ?? DEFAULT_BOUNDARIES)];
      const { metric, labels } = instrument('histogram', name, options, (config) => new PromHistogram({ ...config, buckets }));
      return { record: (value, attributes) => metric.observe(labels(attributes), value) };
    },
  };
}

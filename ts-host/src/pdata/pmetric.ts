// Metrics, navigable as Go's pmetric: ResourceMetrics -> ScopeMetrics -> Metric -> its data (gauge, sum, histogram,
// exponential histogram, summary) -> data points. Timestamps and integer values are bigints; counts are numbers.
import { metrics } from './otlp';
import {
  ElementKind, idFromHex, idToHex, InstrumentationScope, Map, MessageSlice, Resource, resourceOf, Scoped, scopeOf,
  Struct, Timestamp, toBigInt, toLong, toNumber,
} from './pcommon';
import { FieldRef, MessageType, REF, Ref } from './ref';

export enum MetricType {
  Empty = 0,
  Gauge,
  Sum,
  Histogram,
  ExponentialHistogram,
  Summary,
}

export enum AggregationTemporality {
  Unspecified = 0,
  Delta,
  Cumulative,
}

/** Which value a number data point or exemplar holds. */
export enum NumberDataPointValueType {
  Empty = 0,
  Int,
  Double,
}

export type ResourceMetricsSlice = MessageSlice<metrics.ResourceMetrics, ResourceMetrics>;
export type ScopeMetricsSlice = MessageSlice<metrics.ScopeMetrics, ScopeMetrics>;
export type MetricSlice = MessageSlice<metrics.Metric, Metric>;
export type NumberDataPointSlice = MessageSlice<metrics.NumberDataPoint, NumberDataPoint>;
export type HistogramDataPointSlice = MessageSlice<metrics.HistogramDataPoint, HistogramDataPoint>;
export type ExponentialHistogramDataPointSlice = MessageSlice<metrics.ExponentialHistogramDataPoint, ExponentialHistogramDataPoint>;
export type SummaryDataPointSlice = MessageSlice<metrics.SummaryDataPoint, SummaryDataPoint>;
export type ValueAtQuantileSlice = MessageSlice<metrics.SummaryDataPoint.ValueAtQuantile, ValueAtQuantile>;
export type ExemplarSlice = MessageSlice<metrics.Exemplar, Exemplar>;

export class ResourceMetrics extends Scoped<metrics.ResourceMetrics> {
  constructor(ref: Ref<metrics.ResourceMetrics>) {
    super(ref, metrics.ResourceMetrics);
  }
  resource(): Resource {
    return resourceOf(this[REF]);
  }
  scopeMetrics(): ScopeMetricsSlice {
    return new MessageSlice(this[REF], 'scopeMetrics', SCOPE_METRICS);
  }
}

export class ScopeMetrics extends Scoped<metrics.ScopeMetrics> {
  constructor(ref: Ref<metrics.ScopeMetrics>) {
    super(ref, metrics.ScopeMetrics);
  }
  scope(): InstrumentationScope {
    return scopeOf(this[REF]);
  }
  metrics(): MetricSlice {
    return new MessageSlice(this[REF], 'metrics', METRIC);
  }
}

/** The member of Metric's `data` oneof that holds each kind of data. */
interface DataTypes {
  gauge: metrics.Gauge;
  sum: metrics.Sum;
  histogram: metrics.Histogram;
  exponentialHistogram: metrics.ExponentialHistogram;
  summary: metrics.Summary;
}
type DataField = keyof DataTypes;
const DATA_FIELD: { readonly [F in DataField]: MessageType<DataTypes[F]> } = {
  gauge: metrics.Gauge, sum: metrics.Sum, histogram: metrics.Histogram, exponentialHistogram: metrics.ExponentialHistogram, summary: metrics.Summary,
};

export class Metric extends Struct<metrics.Metric> {
  constructor(ref: Ref<metrics.Metric>) {
    super(ref, metrics.Metric);
  }
  name(): string {
    return this[REF].get().name;
  }
  setName(name: string): void {
    this[REF].use().name = name;
  }
  description(): string {
    return this[REF].get().description;
  }
  setDescription(description: string): void {
    this[REF].use().description = description;
  }
  unit(): string {
    return this[REF].get().unit;
  }
  setUnit(unit: string): void {
    this[REF].use().unit = unit;
  }
  metadata(): Map {
    return new Map(this[REF], 'metadata');
  }

  type(): MetricType {
    const m = this[REF].get();
    if (m.gauge != null) return MetricType.Gauge;
    if (m.sum != null) return MetricType.Sum;
    if (m.histogram != null) return MetricType.Histogram;
    if (m.exponentialHistogram != null) return MetricType.ExponentialHistogram;
    if (m.summary != null) return MetricType.Summary;
    return MetricType.Empty;
  }

  private data<F extends DataField>(field: F): Ref<DataTypes[F]> {
    return new FieldRef(this[REF], field, DATA_FIELD[field], 'data');
  }
  /** Replaces whatever data the metric held by an empty `field`. */
  private setEmpty<F extends DataField>(field: F): Ref<DataTypes[F]> {
    const metric = this[REF].use() as unknown as Record<string, unknown>;
    metric[field] = DATA_FIELD[field].create();
    metric.data = field;
    return this.data(field);
  }

  /** The gauge; reading another type's metric as a gauge sees no points. */
  gauge(): Gauge {
    return new Gauge(this.data('gauge'));
  }
  sum(): Sum {
    return new Sum(this.data('sum'));
  }
  histogram(): Histogram {
    return new Histogram(this.data('histogram'));
  }
  exponentialHistogram(): ExponentialHistogram {
    return new ExponentialHistogram(this.data('exponentialHistogram'));
  }
  summary(): Summary {
    return new Summary(this.data('summary'));
  }
  setEmptyGauge(): Gauge {
    return new Gauge(this.setEmpty('gauge'));
  }
  setEmptySum(): Sum {
    return new Sum(this.setEmpty('sum'));
  }
  setEmptyHistogram(): Histogram {
    return new Histogram(this.setEmpty('histogram'));
  }
  setEmptyExponentialHistogram(): ExponentialHistogram {
    return new ExponentialHistogram(this.setEmpty('exponentialHistogram'));
  }
  setEmptySummary(): Summary {
    return new Summary(this.setEmpty('summary'));
  }
}

/** Data with an aggregation temporality: sums and both histograms. */
abstract class Aggregated<M extends { aggregationTemporality: metrics.AggregationTemporality }> extends Struct<M> {
  aggregationTemporality(): AggregationTemporality {
    return this[REF].get().aggregationTemporality as number;
  }
  setAggregationTemporality(temporality: AggregationTemporality): void {
    this[REF].use().aggregationTemporality = temporality as number;
  }
}

export class Gauge extends Struct<metrics.Gauge> {
  constructor(ref: Ref<metrics.Gauge>) {
    super(ref, metrics.Gauge);
  }
  dataPoints(): NumberDataPointSlice {
    return new MessageSlice(this[REF], 'dataPoints', NUMBER_DATA_POINT);
  }
}

export class Sum extends Aggregated<metrics.Sum> {
  constructor(ref: Ref<metrics.Sum>) {
    super(ref, metrics.Sum);
  }
  isMonotonic(): boolean {
    return this[REF].get().isMonotonic;
  }
  setIsMonotonic(monotonic: boolean): void {
    this[REF].use().isMonotonic = monotonic;
  }
  dataPoints(): NumberDataPointSlice {
    return new MessageSlice(this[REF], 'dataPoints', NUMBER_DATA_POINT);
  }
}

export class Histogram extends Aggregated<metrics.Histogram> {
  constructor(ref: Ref<metrics.Histogram>) {
    super(ref, metrics.Histogram);
  }
  dataPoints(): HistogramDataPointSlice {
    return new MessageSlice(this[REF], 'dataPoints', HISTOGRAM_DATA_POINT);
  }
}

export class ExponentialHistogram extends Aggregated<metrics.ExponentialHistogram> {
  constructor(ref: Ref<metrics.ExponentialHistogram>) {
    super(ref, metrics.ExponentialHistogram);
  }
  dataPoints(): ExponentialHistogramDataPointSlice {
    return new MessageSlice(this[REF], 'dataPoints', EXPONENTIAL_HISTOGRAM_DATA_POINT);
  }
}

export class Summary extends Struct<metrics.Summary> {
  constructor(ref: Ref<metrics.Summary>) {
    super(ref, metrics.Summary);
  }
  dataPoints(): SummaryDataPointSlice {
    return new MessageSlice(this[REF], 'dataPoints', SUMMARY_DATA_POINT);
  }
}

interface PointFields {
  startTimeUnixNano: unknown;
  timeUnixNano: unknown;
  flags: number;
}

/** What every kind of data point has: attributes, start time, time and flags. */
abstract class DataPoint<M extends PointFields & { attributes: unknown[] }> extends Struct<M> {
  attributes(): Map {
    return new Map(this[REF], 'attributes');
  }
  startTimestamp(): Timestamp {
    return toBigInt(this[REF].get().startTimeUnixNano as never);
  }
  setStartTimestamp(nanos: Timestamp | number): void {
    this[REF].use().startTimeUnixNano = toLong(nanos, true);
  }
  timestamp(): Timestamp {
    return toBigInt(this[REF].get().timeUnixNano as never);
  }
  setTimestamp(nanos: Timestamp | number): void {
    this[REF].use().timeUnixNano = toLong(nanos, true);
  }
  flags(): number {
    return this[REF].get().flags;
  }
  setFlags(flags: number): void {
    this[REF].use().flags = flags;
  }
}

type NumberFields = { asInt?: unknown; asDouble?: number | null };

/** The int-or-double `value` oneof of number points and exemplars. */
const numberValue = {
  type(m: NumberFields): NumberDataPointValueType {
    if (m.asInt != null) return NumberDataPointValueType.Int;
    if (m.asDouble != null) return NumberDataPointValueType.Double;
    return NumberDataPointValueType.Empty;
  },
  setInt(m: NumberFields, value: bigint | number): void {
    m.asInt = toLong(value, false);
    (m as { value?: string }).value = 'asInt';
  },
  setDouble(m: NumberFields, value: number): void {
    m.asDouble = value;
    (m as { value?: string }).value = 'asDouble';
  },
};

export class NumberDataPoint extends DataPoint<metrics.NumberDataPoint> {
  constructor(ref: Ref<metrics.NumberDataPoint>) {
    super(ref, metrics.NumberDataPoint);
  }
  valueType(): NumberDataPointValueType {
    return numberValue.type(this[REF].get());
  }
  intValue(): bigint {
    return toBigInt(this[REF].get().asInt);
  }
  doubleValue(): number {
    return this[REF].get().asDouble ?? 0;
  }
  setIntValue(value: bigint | number): void {
    numberValue.setInt(this[REF].use(), value);
  }
  setDoubleValue(value: number): void {
    numberValue.setDouble(this[REF].use(), value);
  }
  exemplars(): ExemplarSlice {
    return new MessageSlice(this[REF], 'exemplars', EXEMPLAR);
  }
}

type Optional = 'sum' | 'min' | 'max';

/** What both histogram points have: a count, optional sum, min and max, and exemplars. */
abstract class HistogramPoint<M extends metrics.HistogramDataPoint | metrics.ExponentialHistogramDataPoint> extends DataPoint<M> {
  count(): number {
    return toNumber(this[REF].get().count);
  }
  setCount(count: number): void {
    this[REF].use().count = toLong(count, true);
  }
  private optional(field: Optional): number | undefined {
    return this[REF].get()[field] ?? undefined;
  }
  private setOptional(field: Optional, value: number | null): void {
    (this[REF].use() as Record<Optional, number | null>)[field] = value;
  }
  /** The sum, or 0 when unset (see hasSum). */
  sum(): number {
    return this.optional('sum') ?? 0;
  }
  hasSum(): boolean {
    return this.optional('sum') !== undefined;
  }
  setSum(sum: number): void {
    this.setOptional('sum', sum);
  }
  removeSum(): void {
    this.setOptional('sum', null);
  }
  min(): number {
    return this.optional('min') ?? 0;
  }
  hasMin(): boolean {
    return this.optional('min') !== undefined;
  }
  setMin(min: number): void {
    this.setOptional('min', min);
  }
  removeMin(): void {
    this.setOptional('min', null);
  }
  max(): number {
    return this.optional('max') ?? 0;
  }
  hasMax(): boolean {
    return this.optional('max') !== undefined;
  }
  setMax(max: number): void {
    this.setOptional('max', max);
  }
  removeMax(): void {
    this.setOptional('max', null);
  }
  exemplars(): ExemplarSlice {
    return new MessageSlice(this[REF], 'exemplars', EXEMPLAR);
  }
}

export class HistogramDataPoint extends HistogramPoint<metrics.HistogramDataPoint> {
  constructor(ref: Ref<metrics.HistogramDataPoint>) {
    super(ref, metrics.HistogramDataPoint);
  }
  /** A copy of the bucket counts. */
  bucketCounts(): number[] {
    return this[REF].get().bucketCounts.map(toNumber);
  }
  setBucketCounts(counts: readonly number[]): void {
    this[REF].use().bucketCounts = counts.map((count) => toLong(count, true));
  }
  /** A copy of the explicit bounds. */
  explicitBounds(): number[] {
    return [...this[REF].get().explicitBounds];
  }
  setExplicitBounds(bounds: readonly number[]): void {
    this[REF].use().explicitBounds = [...bounds];
  }
}

export class ExponentialHistogramDataPoint extends HistogramPoint<metrics.ExponentialHistogramDataPoint> {
  constructor(ref: Ref<metrics.ExponentialHistogramDataPoint>) {
    super(ref, metrics.ExponentialHistogramDataPoint);
  }
  scale(): number {
    return this[REF].get().scale;
  }
  setScale(scale: number): void {
    this[REF].use().scale = scale;
  }
  zeroCount(): number {
    return toNumber(this[REF].get().zeroCount);
  }
  setZeroCount(count: number): void {
    this[REF].use().zeroCount = toLong(count, true);
  }
  zeroThreshold(): number {
    return this[REF].get().zeroThreshold;
  }
  setZeroThreshold(threshold: number): void {
    this[REF].use().zeroThreshold = threshold;
  }
  positive(): Buckets {
    return new Buckets(new FieldRef(this[REF], 'positive', metrics.ExponentialHistogramDataPoint.Buckets));
  }
  negative(): Buckets {
    return new Buckets(new FieldRef(this[REF], 'negative', metrics.ExponentialHistogramDataPoint.Buckets));
  }
}

/** The positive or negative buckets of an exponential histogram point. */
export class Buckets extends Struct<metrics.ExponentialHistogramDataPoint.Buckets> {
  constructor(ref: Ref<metrics.ExponentialHistogramDataPoint.Buckets>) {
    super(ref, metrics.ExponentialHistogramDataPoint.Buckets);
  }
  offset(): number {
    return this[REF].get().offset;
  }
  setOffset(offset: number): void {
    this[REF].use().offset = offset;
  }
  bucketCounts(): number[] {
    return this[REF].get().bucketCounts.map(toNumber);
  }
  setBucketCounts(counts: readonly number[]): void {
    this[REF].use().bucketCounts = counts.map((count) => toLong(count, true));
  }
}

export class SummaryDataPoint extends DataPoint<metrics.SummaryDataPoint> {
  constructor(ref: Ref<metrics.SummaryDataPoint>) {
    super(ref, metrics.SummaryDataPoint);
  }
  count(): number {
    return toNumber(this[REF].get().count);
  }
  setCount(count: number): void {
    this[REF].use().count = toLong(count, true);
  }
  sum(): number {
    return this[REF].get().sum;
  }
  setSum(sum: number): void {
    this[REF].use().sum = sum;
  }
  quantileValues(): ValueAtQuantileSlice {
    return new MessageSlice(this[REF], 'quantileValues', VALUE_AT_QUANTILE);
  }
}

export class ValueAtQuantile extends Struct<metrics.SummaryDataPoint.ValueAtQuantile> {
  constructor(ref: Ref<metrics.SummaryDataPoint.ValueAtQuantile>) {
    super(ref, metrics.SummaryDataPoint.ValueAtQuantile);
  }
  quantile(): number {
    return this[REF].get().quantile;
  }
  setQuantile(quantile: number): void {
    this[REF].use().quantile = quantile;
  }
  value(): number {
    return this[REF].get().value;
  }
  setValue(value: number): void {
    this[REF].use().value = value;
  }
}

export class Exemplar extends Struct<metrics.Exemplar> {
  constructor(ref: Ref<metrics.Exemplar>) {
    super(ref, metrics.Exemplar);
  }
  filteredAttributes(): Map {
    return new Map(this[REF], 'filteredAttributes');
  }
  timestamp(): Timestamp {
    return toBigInt(this[REF].get().timeUnixNano);
  }
  setTimestamp(nanos: Timestamp | number): void {
    this[REF].use().timeUnixNano = toLong(nanos, true);
  }
  valueType(): NumberDataPointValueType {
    return numberValue.type(this[REF].get());
  }
  intValue(): bigint {
    return toBigInt(this[REF].get().asInt);
  }
  doubleValue(): number {
    return this[REF].get().asDouble ?? 0;
  }
  setIntValue(value: bigint | number): void {
    numberValue.setInt(this[REF].use(), value);
  }
  setDoubleValue(value: number): void {
    numberValue.setDouble(this[REF].use(), value);
  }
  traceID(): string {
    return idToHex(this[REF].get().traceId);
  }
  setTraceID(hex: string): void {
    this[REF].use().traceId = idFromHex(hex, 16, 'trace id');
  }
  spanID(): string {
    return idToHex(this[REF].get().spanId);
  }
  setSpanID(hex: string): void {
    this[REF].use().spanId = idFromHex(hex, 8, 'span id');
  }
}

export const RESOURCE_METRICS: ElementKind<metrics.ResourceMetrics, ResourceMetrics> = { type: metrics.ResourceMetrics, wrap: (ref) => new ResourceMetrics(ref) };
const SCOPE_METRICS: ElementKind<metrics.ScopeMetrics, ScopeMetrics> = { type: metrics.ScopeMetrics, wrap: (ref) => new ScopeMetrics(ref) };
const METRIC: ElementKind<metrics.Metric, Metric> = { type: metrics.Metric, wrap: (ref) => new Metric(ref) };
const NUMBER_DATA_POINT: ElementKind<metrics.NumberDataPoint, NumberDataPoint> = { type: metrics.NumberDataPoint, wrap: (ref) => new NumberDataPoint(ref) };
const HISTOGRAM_DATA_POINT: ElementKind<metrics.HistogramDataPoint, HistogramDataPoint> = { type: metrics.HistogramDataPoint, wrap: (ref) => new HistogramDataPoint(ref) };
const EXPONENTIAL_HISTOGRAM_DATA_POINT: ElementKind<metrics.ExponentialHistogramDataPoint, ExponentialHistogramDataPoint> = {
  type: metrics.ExponentialHistogramDataPoint, wrap: (ref) => new ExponentialHistogramDataPoint(ref),
};
const SUMMARY_DATA_POINT: ElementKind<metrics.SummaryDataPoint, SummaryDataPoint> = { type: metrics.SummaryDataPoint, wrap: (ref) => new SummaryDataPoint(ref) };
const VALUE_AT_QUANTILE: ElementKind<metrics.SummaryDataPoint.ValueAtQuantile, ValueAtQuantile> = {
  type: metrics.SummaryDataPoint.ValueAtQuantile, wrap: (ref) => new ValueAtQuantile(ref),
};
const EXEMPLAR: ElementKind<metrics.Exemplar, Exemplar> = { type: metrics.Exemplar, wrap: (ref) => new Exemplar(ref) };

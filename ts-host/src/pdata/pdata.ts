// Telemetry data backed by OTLP protobuf bytes and decoded only when a component reads or writes it.
import type { IConversionOptions, Writer } from 'protobufjs';
import type { Signal } from '../component';
import { PdataError } from './errors';
import { fromOTLPJSON, TO_OBJECT_OPTIONS, toOTLPJSON } from './json';
import {
  collectorLogs, collectorMetrics, collectorTrace, metrics,
  ExportLogsServiceRequest, ExportMetricsServiceRequest, ExportTraceServiceRequest,
} from './otlp';
import { MessageSlice } from './pcommon';
import { RESOURCE_LOGS, ResourceLogsSlice } from './plog';
import { RESOURCE_METRICS, ResourceMetricsSlice } from './pmetric';
import { RESOURCE_SPANS, ResourceSpansSlice } from './ptrace';
import { RootRef } from './ref';
import { countAlong, ItemPath, MessageShape, messageShape, splitBySize, validate as validateWire } from './wire';

/** The static side of a generated request class. */
interface Codec<M> {
  encode(message: M): Writer;
  decode(bytes: Uint8Array): M;
  fromObject(object: { [key: string]: unknown }): M;
  toObject(message: M, options?: IConversionOptions): { [key: string]: unknown };
}

/** Everything the generic base needs to know about one signal. */
interface SignalSchema<M, D> {
  readonly signal: Signal;
  readonly codec: Codec<M>;
  readonly shape: MessageShape;
  /** Field numbers from the request down to the counted items, for counting without decoding. */
  readonly itemPath: ItemPath;
  countItems(message: M): number;
  wrap(bytes: Uint8Array | undefined, message: M | undefined): D;
}

/**
 * The generic base of Traces, Metrics and Logs. It holds either the encoded request, the decoded one, or both:
 * bytes that were never decoded for writing are handed on untouched, so data that only passes through is never
 * re-encoded. `fromProto` takes ownership of its bytes: callers pass memory nobody will write to again.
 */
export abstract class OTLPData<M extends object, D extends OTLPData<M, D>> {
  #bytes: Uint8Array | undefined;
  #message: M | undefined;
  /** Set once `mutable()` handed the message out: from then on the bytes are re-encoded on every `toProto()`. */
  #written = false;
  #readOnly = false;
  /** The item count of #bytes, once walked: every component boundary asks for it, and the bytes never change. */
  #bytesItemCount: number | undefined;

  protected constructor(private readonly schema: SignalSchema<M, D>, bytes?: Uint8Array, message?: M) {
    this.#bytes = bytes;
    this.#message = message;
  }

  get signal(): Signal {
    return this.schema.signal;
  }

  /** The encoded `Export*ServiceRequest`. */
  toProto(): Uint8Array {
    if (this.#bytes && !this.#written) return this.#bytes;
    const bytes = this.schema.codec.encode(this.#message as M).finish();
    if (!this.#written) this.#bytes = bytes;
    return bytes;
  }

  /** The request as an OTLP/JSON object. */
  toJSON(): object {
    return toOTLPJSON(this.schema.codec.toObject(this.request() as M, TO_OBJECT_OPTIONS));
  }

  /** Throws PdataError when the data is not a valid request; never keeps a decoded copy. */
  validate(): void {
    if (this.#bytes && !this.#written) this.#bytesItemCount = validateWire(this.#bytes, this.schema.shape, this.schema.itemPath);
  }

  /** Spans, data points or log records. */
  itemCount(): number {
    if (this.#bytes && !this.#written) return (this.#bytesItemCount ??= countAlong(this.#bytes, this.schema.itemPath));
    return this.schema.countItems(this.#message as M);
  }

  /**
   * This request as requests of at most `limit` encoded bytes, cut at resource, scope and item boundaries (wire-level,
   * nothing decoded); itself when it fits. Throws UnsplittableError when one item with its resource and scope is larger.
   */
  splitBySize(limit: number): D[] {
    const bytes = this.toProto();
    if (bytes.length <= limit) return [this as unknown as D];
    return splitBySize(bytes, limit, this.signal === 'metrics').map((part) => this.schema.wrap(part, undefined));
  }

  /** The size of the protobuf encoding in bytes. */
  byteSize(): number {
    if (this.#bytes && !this.#written) return this.#bytes.length;
    return this.schema.codec.encode(this.#message as M).len;
  }

  /** The decoded request, for reading. Decoded once and cached. */
  request(): Readonly<M> {
    if (!this.#message) {
      try {
        this.#message = this.schema.codec.decode(this.#bytes as Uint8Array);
      } catch (err) {
        throw new PdataError(`invalid protobuf: ${(err as Error).message}`);
      }
    }
    return this.#message;
  }

  /** The decoded request, for writing. Throws when the data was marked read-only. */
  mutable(): M {
    if (this.#readOnly) {
      throw new PdataError(
        `cannot modify read-only ${this.signal}: other consumers share this data; ` +
          'a consumer that changes its input must declare capabilities { mutatesData: true } (or work on a clone())',
      );
    }
    const message = this.request() as M;
    this.#written = true;
    this.#bytes = undefined;
    return message;
  }

  /** A deep copy that shares no memory with this one and is writable. */
  clone(): D {
    return this.schema.wrap(new Uint8Array(this.toProto()), undefined); // copies (Buffer#slice would not)
  }

  /** Makes `dest` a deep copy of this data (Go's `CopyTo`); `dest` must be writable. */
  copyTo(dest: D): void {
    dest.replace(new Uint8Array(this.toProto()));
  }

  /** Moves this data into `dest` and leaves this empty (Go's `MoveTo`); both must be writable. */
  moveTo(dest: D): void {
    if ((dest as unknown) === this) return;
    const bytes = this.toProto();
    this.replace(new Uint8Array(0));
    dest.replace(bytes);
  }

  /** Replaces the contents with `bytes`, which this instance then owns. */
  private replace(bytes: Uint8Array): void {
    this.mutable();
    this.#bytes = bytes;
    this.#bytesItemCount = undefined;
    this.#message = undefined;
    this.#written = false;
  }

  /** The decoded request's root, for the navigable API of each signal. */
  protected root(): RootRef<M> {
    return new RootRef(this);
  }

  /** Forbids `mutable()` from now on; used when several consumers share one instance. */
  markReadOnly(): void {
    this.#readOnly = true;
  }

  isReadOnly(): boolean {
    return this.#readOnly;
  }

  protected static decodeJSON<M>(codec: Codec<M>, json: string | object): M {
    const object = fromOTLPJSON(json);
    try {
      return codec.fromObject(object as { [key: string]: unknown });
    } catch (err) {
      throw new PdataError(`invalid OTLP/JSON: ${(err as Error).message}`);
    }
  }
}

const sum = <T>(items: readonly T[] | null | undefined, count: (item: T) => number): number =>
  (items ?? []).reduce((total, item) => total + count(item), 0);

const tracesSchema: SignalSchema<ExportTraceServiceRequest, Traces> = {
  signal: 'traces',
  codec: collectorTrace.ExportTraceServiceRequest,
  shape: messageShape('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest'),
  itemPath: [[1], [2], [2]], // resource_spans / scope_spans / spans
  countItems: (req) => sum(req.resourceSpans, (rs) => sum(rs.scopeSpans, (ss) => ss.spans?.length ?? 0)),
  wrap: (bytes, message) => new Traces(bytes, message),
};

export class Traces extends OTLPData<ExportTraceServiceRequest, Traces> {
  /** Prefer the static factories. */
  constructor(bytes?: Uint8Array, message?: ExportTraceServiceRequest) {
    super(tracesSchema, bytes, message);
  }
  static fromProto(bytes: Uint8Array): Traces {
    return new Traces(bytes);
  }
  static fromJSON(json: string | object): Traces {
    return new Traces(undefined, OTLPData.decodeJSON(tracesSchema.codec, json));
  }
  static empty(): Traces {
    return new Traces(new Uint8Array(0));
  }
  /** Wraps a decoded request, which the new instance owns. */
  static fromRequest(request: ExportTraceServiceRequest | object): Traces {
    return new Traces(undefined, tracesSchema.codec.fromObject(request as { [key: string]: unknown }));
  }
  resourceSpans(): ResourceSpansSlice {
    return new MessageSlice(this.root(), 'resourceSpans', RESOURCE_SPANS);
  }
  spanCount(): number {
    return this.itemCount();
  }
}

/** Data points per metric, whichever of the data kinds it holds. */
function metricPoints(metric: metrics.Metric.$Properties): number {
  const data = metric.gauge ?? metric.sum ?? metric.histogram ?? metric.exponentialHistogram ?? metric.summary;
  return data?.dataPoints?.length ?? 0;
}

const metricsSchema: SignalSchema<ExportMetricsServiceRequest, Metrics> = {
  signal: 'metrics',
  codec: collectorMetrics.ExportMetricsServiceRequest,
  shape: messageShape('opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest'),
  // resource_metrics / scope_metrics / metrics / gauge|sum|histogram|exponential_histogram|summary / data_points
  itemPath: [[1], [2], [2], [5, 7, 9, 10, 11], [1]],
  countItems: (req) => sum(req.resourceMetrics, (rm) => sum(rm.scopeMetrics, (sm) => sum(sm.metrics, metricPoints))),
  wrap: (bytes, message) => new Metrics(bytes, message),
};

export class Metrics extends OTLPData<ExportMetricsServiceRequest, Metrics> {
  /** Prefer the static factories. */
  constructor(bytes?: Uint8Array, message?: ExportMetricsServiceRequest) {
    super(metricsSchema, bytes, message);
  }
  static fromProto(bytes: Uint8Array): Metrics {
    return new Metrics(bytes);
  }
  static fromJSON(json: string | object): Metrics {
    return new Metrics(undefined, OTLPData.decodeJSON(metricsSchema.codec, json));
  }
  static empty(): Metrics {
    return new Metrics(new Uint8Array(0));
  }
  /** Wraps a decoded request, which the new instance owns. */
  static fromRequest(request: ExportMetricsServiceRequest | object): Metrics {
    return new Metrics(undefined, metricsSchema.codec.fromObject(request as { [key: string]: unknown }));
  }
  resourceMetrics(): ResourceMetricsSlice {
    return new MessageSlice(this.root(), 'resourceMetrics', RESOURCE_METRICS);
  }
  dataPointCount(): number {
    return this.itemCount();
  }
  metricCount(): number {
    return sum(this.request().resourceMetrics, (rm) => sum(rm.scopeMetrics, (sm) => sm.metrics?.length ?? 0));
  }
}

const logsSchema: SignalSchema<ExportLogsServiceRequest, Logs> = {
  signal: 'logs',
  codec: collectorLogs.ExportLogsServiceRequest,
  shape: messageShape('opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest'),
  itemPath: [[1], [2], [2]], // resource_logs / scope_logs / log_records
  countItems: (req) => sum(req.resourceLogs, (rl) => sum(rl.scopeLogs, (sl) => sl.logRecords?.length ?? 0)),
  wrap: (bytes, message) => new Logs(bytes, message),
};

export class Logs extends OTLPData<ExportLogsServiceRequest, Logs> {
  /** Prefer the static factories. */
  constructor(bytes?: Uint8Array, message?: ExportLogsServiceRequest) {
    super(logsSchema, bytes, message);
  }
  static fromProto(bytes: Uint8Array): Logs {
    return new Logs(bytes);
  }
  static fromJSON(json: string | object): Logs {
    return new Logs(undefined, OTLPData.decodeJSON(logsSchema.codec, json));
  }
  static empty(): Logs {
    return new Logs(new Uint8Array(0));
  }
  /** Wraps a decoded request, which the new instance owns. */
  static fromRequest(request: ExportLogsServiceRequest | object): Logs {
    return new Logs(undefined, logsSchema.codec.fromObject(request as { [key: string]: unknown }));
  }
  resourceLogs(): ResourceLogsSlice {
    return new MessageSlice(this.root(), 'resourceLogs', RESOURCE_LOGS);
  }
  logRecordCount(): number {
    return this.itemCount();
  }
}

export type PData = Traces | Metrics | Logs;

/** The pdata class of each signal, for signal-generic code. */
export const pdataClasses = { traces: Traces, metrics: Metrics, logs: Logs } as const;

/** The pdata type of a signal. */
export type PDataFor<S extends Signal> = InstanceType<(typeof pdataClasses)[S]>;

export function fromProtoFor<S extends Signal>(signal: S, bytes: Uint8Array): PDataFor<S> {
  return pdataClasses[signal].fromProto(bytes) as PDataFor<S>;
}

export function fromJSONFor<S extends Signal>(signal: S, json: string | object): PDataFor<S> {
  return pdataClasses[signal].fromJSON(json) as PDataFor<S>;
}

export function fromRequestFor<S extends Signal>(signal: S, request: object): PDataFor<S> {
  return pdataClasses[signal].fromRequest(request) as PDataFor<S>;
}

export function emptyFor<S extends Signal>(signal: S): PDataFor<S> {
  return pdataClasses[signal].empty() as PDataFor<S>;
}

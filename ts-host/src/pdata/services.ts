// The OTLP export services per signal: gRPC method paths, default HTTP paths and the response messages. The gRPC
// definitions move raw bytes in both directions, so a request that only passes through is never decoded.
import type { ServiceDefinition } from '@grpc/grpc-js';
import type { Signal } from '../component';
import { collectorLogs, collectorMetrics, collectorTrace } from './otlp';

/** The parts of an `Export*ServiceResponse` the collector reads and writes. */
export interface ExportResponse {
  partialSuccess?: { rejected: number; errorMessage: string };
}

export interface OTLPService {
  readonly signal: Signal;
  /** The gRPC method, e.g. `/opentelemetry.proto.collector.trace.v1.TraceService/Export`. */
  readonly grpcPath: string;
  /** The default OTLP/HTTP path, e.g. `/v1/traces`. */
  readonly httpPath: string;
  /** What a rejected item is called in partial-success messages: spans, data points, log records. */
  readonly itemName: string;
  encodeResponse(response: ExportResponse): Uint8Array;
  decodeResponse(bytes: Uint8Array): ExportResponse;
  responseToJSON(response: ExportResponse): object;
  responseFromJSON(json: object): ExportResponse;
}

/** The generated response class's static side, with its partial-success counter's field name. */
interface ResponseCodec {
  encode(message: object): { finish(): Uint8Array };
  decode(bytes: Uint8Array): { partialSuccess?: object | null };
  fromObject(object: object): { partialSuccess?: object | null };
  toObject(message: object, options: object): object;
}

function service(signal: Signal, pkg: string, name: string, itemName: string, rejectedField: string, codec: ResponseCodec): OTLPService {
  const toMessage = (response: ExportResponse): object => (response.partialSuccess
    ? { partialSuccess: { [rejectedField]: response.partialSuccess.rejected, errorMessage: response.partialSuccess.errorMessage } }
    : {});
  const fromMessage = (message: { partialSuccess?: object | null }): ExportResponse => {
    const partial = message.partialSuccess as Record<string, unknown> | null | undefined;
    if (!partial) return {};
    return { partialSuccess: { rejected: Number(partial[rejectedField] ?? 0), errorMessage: String(partial.errorMessage ?? '') } };
  };
  return {
    signal,
    grpcPath: `/opentelemetry.proto.collector.${pkg}.v1.${name}/Export`,
    httpPath: `/v1/${signal}`,
    itemName,
    encodeResponse: (response) => codec.encode(codec.fromObject(toMessage(response))).finish(),
    decodeResponse: (bytes) => fromMessage(codec.decode(bytes)),
    responseToJSON: (response) => codec.toObject(codec.fromObject(toMessage(response)), { longs: String }),
    responseFromJSON: (json) => fromMessage(codec.fromObject(json)),
  };
}

export const otlpServices: Readonly<Record<Signal, OTLPService>> = {
  traces: service('traces', 'trace', 'TraceService', 'spans', 'rejectedSpans', collectorTrace.ExportTraceServiceResponse),
  metrics: service('metrics', 'metrics', 'MetricsService', 'data points', 'rejectedDataPoints', collectorMetrics.ExportMetricsServiceResponse),
  logs: service('logs', 'logs', 'LogsService', 'log records', 'rejectedLogRecords', collectorLogs.ExportLogsServiceResponse),
};

const passBytes = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/**
 * A grpc-js service definition for a signal's Export method whose request and response are raw protobuf bytes.
 * The server gets each request as the Buffer grpc-js assembled for it, which nothing else references.
 */
export function rawExportService(signal: Signal): ServiceDefinition {
  return {
    Export: {
      path: otlpServices[signal].grpcPath,
      requestStream: false,
      responseStream: false,
      requestSerialize: passBytes,
      requestDeserialize: (buffer: Buffer) => buffer,
      responseSerialize: passBytes,
      responseDeserialize: (buffer: Buffer) => buffer,
      originalName: 'export',
    },
  };
}

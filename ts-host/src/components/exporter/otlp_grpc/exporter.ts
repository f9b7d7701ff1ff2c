// Sends OTLP over gRPC with raw-bytes serializers: data that was never decoded goes out as the bytes that came in.
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { Reader } from 'protobufjs';
import type { Settings } from '../../../component';
import type { Context } from '../../../consumer';
import { PermanentError } from '../../../consumererror';
import { ThrottleRetryError } from '../../../exporterhelper';
import { otlp, otlpServices, PData, rawExportService } from '../../../pdata';
import type { OTLPGRPCExporterConfig } from './config';
import { logPartialSuccess } from '../partial_success';

const COMPRESSION: Record<string, number> = { none: 0, '': 0, deflate: 1, gzip: 2 };

/** The codes Go's otlp exporter retries; RESOURCE_EXHAUSTED only when the server says when to retry. */
const RETRYABLE = new Set([
  grpc.status.CANCELLED, grpc.status.DEADLINE_EXCEEDED, grpc.status.ABORTED,
  grpc.status.OUT_OF_RANGE, grpc.status.UNAVAILABLE, grpc.status.DATA_LOSS,
]);

const RETRY_INFO_TYPE = 'type.googleapis.com/google.rpc.RetryInfo';

export class OTLPGRPCClient {
  private readonly client: grpc.Client;
  private readonly metadata = new grpc.Metadata();

  constructor(private readonly settings: Settings, config: OTLPGRPCExporterConfig) {
    const { target, secure } = parseEndpoint(config.endpoint, config.tls.insecure);
    const read = (file: string) => (file ? readFileSync(file) : null);
    const credentials = secure
      ? grpc.credentials.createSsl(read(config.tls.ca_file), read(config.tls.key_file), read(config.tls.cert_file))
      : grpc.credentials.createInsecure();
    this.client = new grpc.Client(target, credentials, { 'grpc.default_compression_algorithm': COMPRESSION[config.compression] });
    for (const [key, value] of Object.entries(config.headers)) this.metadata.set(key, value);
  }

  push(ctx: Context, data: PData, signal: AbortSignal): Promise<void> {
    const method = rawExportService(data.signal).Export;
    return new Promise<void>((resolve, reject) => {
      const options: grpc.CallOptions = ctx.deadline !== undefined ? { deadline: ctx.deadline } : {};
      const call = this.client.makeUnaryRequest(method.path, method.requestSerialize, method.responseDeserialize, data.toProto(),
        this.metadata, options, (err: grpc.ServiceError | null, response?: Buffer) => {
          signal.removeEventListener('abort', cancel);
          if (err) return reject(exportError(err));
          try {
            logPartialSuccess(this.settings, data.signal, otlpServices[data.signal].decodeResponse(response ?? new Uint8Array(0)));
          } catch (parseErr) {
            return reject(new PermanentError(new Error(`cannot parse the export response: ${(parseErr as Error).message}`)));
          }
          resolve();
        });
      const cancel = () => call.cancel();
      signal.addEventListener('abort', cancel, { once: true });
    });
  }

  close(): void {
    this.client.close();
  }
}

/** Splits an endpoint into a gRPC target and whether to use TLS. */
export function parseEndpoint(endpoint: string, insecure: boolean): { target: string; secure: boolean } {
  const scheme = /^(https?):\/\//.exec(endpoint);
  if (!scheme) return { target: endpoint, secure: !insecure };
  return { target: endpoint.slice(scheme[0].length).replace(/\/$/, ''), secure: scheme[1] === 'https' && !insecure };
}

/** Go's status message format, e.g. `rpc error: code = Unavailable desc = connection refused`. */
function describe(err: grpc.ServiceError): string {
  const name = (grpc.status[err.code] ?? String(err.code)).toLowerCase().replace(/(^|_)([a-z])/g, (_m, _u, c: string) => c.toUpperCase());
  return `rpc error: code = ${name} desc = ${err.details}`;
}

function exportError(err: grpc.ServiceError): Error {
  const delayMs = retryDelayMs(err);
  const cause = new Error(describe(err));
  if (RETRYABLE.has(err.code) || (err.code === grpc.status.RESOURCE_EXHAUSTED && delayMs !== undefined)) {
    return delayMs !== undefined ? new ThrottleRetryError(cause, delayMs) : cause;
  }
  return new PermanentError(cause);
}

/** The delay of a google.rpc.RetryInfo detail in the status, if the server sent one. */
function retryDelayMs(err: grpc.ServiceError): number | undefined {
  const details = err.metadata?.get('grpc-status-details-bin')[0];
  if (!(details instanceof Buffer)) return undefined;
  try {
    const retryInfo = otlp.rpc.Status.decode(details).details.find((detail) => detail.type_url === RETRY_INFO_TYPE);
    return retryInfo?.value ? durationMs(retryInfo.value) : undefined;
  } catch {
    return undefined;
  }
}

/** Reads RetryInfo { retry_delay: Duration { seconds = 1; nanos = 2 } = 1 }. */
function durationMs(retryInfo: Uint8Array): number {
  const reader = Reader.create(retryInfo);
  let ms = 0;
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    if (tag >>> 3 !== 1) {
      reader.skipType(tag & 7);
      continue;
    }
    const end = reader.uint32() + reader.pos;
    while (reader.pos < end) {
      const field = reader.uint32();
      if (field >>> 3 === 1) ms += Number(reader.int64()) * 1000;
      else if (field >>> 3 === 2) ms += reader.int32() / 1e6;
      else reader.skipType(field & 7);
    }
  }
  return ms;
}

// Sends OTLP over HTTP (protobuf or JSON) and classifies failures as Go's otlphttp exporter does: 429, 502, 503 and
// 504 are retried (after Retry-After when given), every other failure status is permanent.
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { Settings, Signal } from '../../../component';
import type { Context } from '../../../consumer';
import { PermanentError } from '../../../consumererror';
import { ThrottleRetryError } from '../../../exporterhelper';
import { otlp, otlpServices, PData } from '../../../pdata';
import { logPartialSuccess } from '../partial_success';
import type { OTLPHTTPExporterConfig } from './config';

const gzipAsync = promisify(gzip);
const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);
const CONTENT_TYPE = { proto: 'application/x-protobuf', json: 'application/json' } as const;

/** The URL a signal is sent to: its own endpoint if set, else the base endpoint plus `/v1/<signal>`. */
export function signalURL(config: OTLPHTTPExporterConfig, signal: Signal): string {
  const own = config[`${signal}_endpoint`];
  if (own) return own;
  return `${config.endpoint.replace(/\/+$/, '')}${otlpServices[signal].httpPath}`;
}

export class OTLPHTTPClient {
  constructor(private readonly settings: Settings, private readonly config: OTLPHTTPExporterConfig) {}

  async push(_ctx: Context, data: PData, signal: AbortSignal): Promise<void> {
    const url = signalURL(this.config, data.signal);
    let body: Uint8Array = this.config.encoding === 'json' ? Buffer.from(JSON.stringify(data.toJSON())) : data.toProto();
    const headers: Record<string, string> = { ...this.config.headers, 'content-type': CONTENT_TYPE[this.config.encoding] };
    if (this.config.compression === 'gzip') {
      body = await gzipAsync(body);
      headers['content-encoding'] = 'gzip';
    }
    let res: Response;
    try {
      res = await fetch(url, { method: 'POST', headers, body, signal });
    } catch (err) {
      throw new Error(`failed to make an HTTP request: ${(err as Error & { cause?: Error }).cause?.message ?? (err as Error).message}`);
    }
    const payload = new Uint8Array(await res.arrayBuffer());
    if (res.ok) {
      try {
        logPartialSuccess(this.settings, data.signal, decodeResponse(data.signal, res.headers.get('content-type'), payload));
      } catch (err) {
        throw new PermanentError(new Error(`failed to parse the export response: ${(err as Error).message}`));
      }
      return;
    }
    const cause = new Error(`error exporting items, request to ${url} responded with HTTP Status Code ${res.status}, Message=${statusMessage(res.headers.get('content-type'), payload)}`);
    if (!RETRYABLE_STATUS.has(res.status)) throw new PermanentError(cause);
    const delayMs = retryAfterMs(res.headers.get('retry-after'));
    throw delayMs !== undefined ? new ThrottleRetryError(cause, delayMs) : cause;
  }
}

function isJSON(contentType: string | null): boolean {
  return (contentType ?? '').split(';')[0].trim().toLowerCase() === 'application/json';
}

function decodeResponse(signal: Signal, contentType: string | null, payload: Uint8Array) {
  const service = otlpServices[signal];
  if (payload.length === 0) return {};
  return isJSON(contentType) ? service.responseFromJSON(JSON.parse(Buffer.from(payload).toString('utf8'))) : service.decodeResponse(payload);
}

/** The message of the google.rpc.Status in an error body, else the body as text. */
function statusMessage(contentType: string | null, payload: Uint8Array): string {
  try {
    if (isJSON(contentType)) return String(JSON.parse(Buffer.from(payload).toString('utf8')).message ?? '');
    if ((contentType ?? '').startsWith('application/x-protobuf')) return otlp.rpc.Status.decode(payload).message;
  } catch {
    // not a status; fall back to the text
  }
  return Buffer.from(payload).toString('utf8');
}

/** Retry-After is either delay-seconds or an HTTP date. */
function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

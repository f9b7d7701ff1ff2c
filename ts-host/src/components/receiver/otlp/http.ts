// OTLP over HTTP (/v1/traces, /v1/metrics, /v1/logs) with the Go receiver's status codes and bodies.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import { status as Code } from '@grpc/grpc-js';
import type { Signal, TelemetrySettings } from '../../../component';
import type { Context } from '../../../consumer';
import { toGRPCStatus, toHTTPStatus } from '../../../consumererror';
import { fromJSONFor, fromProtoFor, otlp, otlpServices, PData, PdataError } from '../../../pdata';
import { listenOn } from '../../../service/listen';
import type { HTTPServerConfig } from './config';
import type { Exporter } from './receiver';

/** The google.rpc.Status an error response carries. */
interface RPCStatus {
  readonly code: Code;
  readonly message: string;
}

/** A request body codec: OTLP/HTTP answers in the encoding the request used. */
interface Encoding {
  readonly contentType: string;
  decode(signal: Signal, body: Buffer): PData;
  encodeSuccess(signal: Signal): Buffer | string;
  encodeStatus(status: RPCStatus): Buffer | string;
}

const PROTOBUF: Encoding = {
  contentType: 'application/x-protobuf',
  decode: fromProtoFor, // checked by the receiver
  encodeSuccess: (signal) => Buffer.from(otlpServices[signal].encodeResponse({})),
  encodeStatus: (status) => Buffer.from(otlp.rpc.Status.encode({ code: status.code, message: status.message }).finish()),
};

const JSON_ENCODING: Encoding = {
  contentType: 'application/json',
  decode: (signal, body) => fromJSONFor(signal, body.toString('utf8')),
  encodeSuccess: (signal) => JSON.stringify(otlpServices[signal].responseToJSON({})),
  encodeStatus: (status) => JSON.stringify({ code: status.code, message: status.message }),
};

const ENCODINGS: ReadonlyMap<string, Encoding> = new Map([
  [PROTOBUF.contentType, PROTOBUF],
  [JSON_ENCODING.contentType, JSON_ENCODING],
]);

const DECOMPRESSORS: ReadonlyMap<string, (body: Buffer, options: zlib.ZlibOptions) => Promise<Buffer>> = new Map([
  ['gzip', promisify<Buffer, zlib.ZlibOptions, Buffer>(zlib.gunzip)],
  ['deflate', promisify<Buffer, zlib.ZlibOptions, Buffer>(zlib.inflate)],
]);

/** An error answered with a fixed HTTP status and message. */
class RequestError extends Error {
  constructor(readonly httpStatus: number, message: string) {
    super(message);
  }
}

export class HTTPTransport {
  private server: http.Server | undefined;
  /** Set when shutdown begins: from then on every request is refused, and its connection closed. */
  private closing = false;
  private readonly routes: ReadonlyMap<string, Signal>;

  constructor(private readonly config: HTTPServerConfig, private readonly receiver: Exporter, private readonly logger: TelemetrySettings['logger']) {
    const paths: Record<Signal, string> = { traces: config.traces_url_path, metrics: config.metrics_url_path, logs: config.logs_url_path };
    this.routes = new Map(receiver.signals().map((signal) => [paths[signal], signal]));
  }

  async start(): Promise<void> {
    const server = http.createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        this.logger.error({ err }, 'OTLP/HTTP request handling failed');
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
    });
    await listenOn(server, this.config.endpoint);
    this.server = server;
    this.logger.info({ endpoint: this.config.endpoint }, 'Starting HTTP server');
  }

  /** The bound address; useful when the configured port was 0. */
  address(): AddressInfo | undefined {
    return this.server?.address() as AddressInfo | undefined;
  }

  /**
   * Stops accepting at once: new connections are refused, a request arriving on a kept-alive connection gets 503 with
   * `Connection: close`. Requests already accepted finish, for up to `drainMs`; then their connections are cut.
   */
  async shutdown(drainMs: number): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.closing = true;
    if (!server) return;
    await new Promise<void>((resolve) => {
      const cut = setTimeout(() => server.closeAllConnections(), drainMs);
      server.close(() => {
        clearTimeout(cut);
        resolve();
      });
      server.closeIdleConnections();
    });
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    if (this.closing) {
      req.resume();
      res.writeHead(503, { connection: 'close', 'content-type': 'text/plain; charset=utf-8' });
      res.end('503 service unavailable: the collector is shutting down');
      return;
    }
    const signal = this.routes.get(new URL(req.url ?? '/', 'http://receiver').pathname);
    if (!signal) {
      req.resume();
      return writeText(res, 404, '404 page not found');
    }
    if (req.method !== 'POST') {
      req.resume();
      return writeText(res, 405, '405 method not allowed, supported: [POST]');
    }
    const encoding = ENCODINGS.get(mediaType(req.headers['content-type']));
    if (!encoding) {
      req.resume();
      return writeText(res, 415, '415 unsupported media type, supported: [application/json, application/x-protobuf]');
    }
    let data: PData;
    try {
      data = encoding.decode(signal, await this.readBody(req));
    } catch (err) {
      if (err instanceof RequestError) return writeStatus(res, encoding, err.httpStatus, { code: err.httpStatus === 413 ? Code.RESOURCE_EXHAUSTED : Code.INVALID_ARGUMENT, message: err.message });
      if (err instanceof PdataError) return writeStatus(res, encoding, 400, { code: Code.INVALID_ARGUMENT, message: err.message });
      throw err;
    }
    try {
      await this.receiver.export(this.contextOf(req), data);
    } catch (err) {
      // As in Go, the HTTP status derives from the gRPC one (retryable 503, permanent 500), or is the one carried.
      return writeStatus(res, encoding, toHTTPStatus(err), toGRPCStatus(err));
    }
    res.writeHead(200, { 'content-type': encoding.contentType });
    res.end(encoding.encodeSuccess(signal));
  }

  /** Reads and decompresses the body, refusing more than `max_request_body_size` bytes either way. */
  private async readBody(req: http.IncomingMessage): Promise<Buffer> {
    const limit = this.config.max_request_body_size;
    const tooLarge = new RequestError(413, `request body too large: the limit is ${limit} bytes`);
    const chunks: Buffer[] = [];
    let size = 0;
    let oversized = Number(req.headers['content-length'] ?? 0) > limit;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      oversized ||= size > limit;
      if (!oversized) chunks.push(chunk); // keep reading so the client sees the answer, but keep nothing
    }
    if (oversized) throw tooLarge;
    const body = Buffer.concat(chunks, size);
    const contentEncoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
    if (contentEncoding === 'identity' || contentEncoding === '') return body;
    const decompress = DECOMPRESSORS.get(contentEncoding);
    if (!decompress) throw new RequestError(400, `unsupported Content-Encoding: ${contentEncoding}`);
    try {
      return await decompress(body, { maxOutputLength: limit });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge;
      throw new RequestError(400, `cannot decompress the body: ${(err as Error).message}`);
    }
  }

  private contextOf(req: http.IncomingMessage): Context {
    if (!this.config.include_metadata) return { transport: 'http' };
    const metadata: Record<string, string[]> = {};
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      const key = req.rawHeaders[i].toLowerCase();
      (metadata[key] ??= []).push(req.rawHeaders[i + 1]);
    }
    return { transport: 'http', metadata };
  }
}

function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0].trim().toLowerCase();
}

function writeText(res: http.ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(text);
}

function writeStatus(res: http.ServerResponse, encoding: Encoding, httpStatus: number, status: RPCStatus): void {
  res.writeHead(httpStatus, { 'content-type': encoding.contentType });
  res.end(encoding.encodeStatus(status));
}

// The `webhook` receiver: an HTTP endpoint where other systems POST events (JSON, or plain text); each becomes a log
// record, its body the parsed JSON (a map, a list, ...) or the text, with the request's path and source as attributes.
// The sender gets 200 once the pipeline accepted the records, 503 (retry) or 500 (do not) when it refused them, as
// the Collector's receivers answer, and 400 for a body it cannot read. `timeout` bounds how long a request may wait.
import * as http from 'node:http';
import { component, config, consumer, consumererror, pdata, receiver } from '@tandem/host';

export interface Config {
  /** host:port to listen on. */
  endpoint: string;
  path: string;
  /** How long the pipeline has to answer, in milliseconds (decoded from a duration such as `10s`). */
  timeout: number;
  /** Largest body accepted, in bytes. */
  max_request_body_size: number;
}

export const TYPE = 'webhook';

export const createDefaultConfig = (): Config => ({ endpoint: 'localhost:8088', path: '/webhook', timeout: 10_000, max_request_body_size: 1024 * 1024 });

const configSchema = config.field.object({
  endpoint: config.field.string(),
  path: config.field.string(),
  timeout: config.field.duration(),
  max_request_body_size: config.field.bytes(),
});

function validateConfig(cfg: Config): void {
  if (!/^[^:]*:\d+$/.test(cfg.endpoint)) throw new Error(`"endpoint" must be host:port, got "${cfg.endpoint}"`);
  if (!cfg.path.startsWith('/')) throw new Error(`"path" must start with /, got "${cfg.path}"`);
  if (cfg.timeout <= 0) throw new Error('"timeout" must be positive');
}

class BodyError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** Reads the whole body, refusing one larger than `limit`. */
function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      // Past the limit the rest is read and dropped, so that the sender gets its 413 rather than a closed socket.
      if (size > limit) reject(new BodyError(413, `body larger than ${limit} bytes`));
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** The body as raw pdata values: one log record per element of a JSON array, else one for the whole body. */
function events(req: http.IncomingMessage, body: Buffer): pdata.pcommon.RawValue[] {
  const text = body.toString('utf8');
  if (!(req.headers['content-type'] ?? '').startsWith('application/json')) return [text];
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new BodyError(400, `invalid JSON: ${(err as Error).message}`);
  }
  return (Array.isArray(parsed) ? parsed : [parsed]) as pdata.pcommon.RawValue[];
}

function toLogs(req: http.IncomingMessage, bodies: pdata.pcommon.RawValue[], received: bigint): pdata.Logs {
  const logs = pdata.Logs.empty();
  const resourceLogs = logs.resourceLogs().appendEmpty();
  resourceLogs.resource().attributes().putStr('webhook.source', req.socket.remoteAddress ?? '');
  const scope = resourceLogs.scopeLogs().appendEmpty();
  scope.scope().setName('tandem-examples/webhook-receiver');
  for (const body of bodies) {
    const record = scope.logRecords().appendEmpty();
    record.setObservedTimestamp(received);
    record.body().fromRaw(body);
    record.attributes().putStr('url.path', req.url ?? '');
    const agent = req.headers['user-agent'];
    if (agent) record.attributes().putStr('user_agent.original', agent);
  }
  return logs;
}

function createWebhookReceiver(settings: component.Settings, cfg: Config, next: consumer.Logs): component.Component {
  const logger = settings.telemetry.logger;
  let server: http.Server | undefined;
  const handle = async (req: http.IncomingMessage, res: http.ServerResponse): Promise<void> => {
    if (req.url !== cfg.path) return void res.writeHead(404).end();
    if (req.method !== 'POST') return void res.writeHead(405, { allow: 'POST' }).end();
    let logs: pdata.Logs;
    try {
      logs = toLogs(req, events(req, await readBody(req, cfg.max_request_body_size)), BigInt(Date.now()) * 1_000_000n);
    } catch (err) {
      const status = err instanceof BodyError ? err.status : 400;
      return void res.writeHead(status, { 'content-type': 'text/plain' }).end((err as Error).message);
    }
    try {
      await next.consumeLogs({ deadline: Date.now() + cfg.timeout, transport: 'http' }, logs);
      res.writeHead(200).end();
    } catch (err) {
      res.writeHead(consumererror.toHTTPStatus(err), { 'content-type': 'text/plain' }).end((err as Error).message);
    }
  };
  return component.withLifecycle({}, async () => {
    const [host, port] = [cfg.endpoint.slice(0, cfg.endpoint.lastIndexOf(':')), Number(cfg.endpoint.slice(cfg.endpoint.lastIndexOf(':') + 1))];
    const listening = http.createServer((req, res) => {
      handle(req, res).catch((err: unknown) => {
        logger.error({ error: (err as Error).message }, 'webhook request failed');
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
    });
    await new Promise<void>((resolve, reject) => {
      listening.once('error', reject);
      listening.listen(port, host || undefined, resolve);
    });
    server = listening;
    logger.info({ endpoint: cfg.endpoint, path: cfg.path }, 'Webhook receiver listening');
  }, async () => {
    const listening = server;
    if (listening) await new Promise<void>((resolve) => listening.close(() => resolve()));
  });
}

export function newFactory(): receiver.Factory {
  return receiver.newFactory(TYPE, createDefaultConfig, [
    receiver.withLogs(async (settings, cfg: Config, next) => createWebhookReceiver(settings, cfg, next), component.StabilityLevel.Alpha),
  ], { configSchema, validateConfig });
}

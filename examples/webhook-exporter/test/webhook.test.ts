// The webhook exporter against a real HTTP server: what it posts, and how the server's answers map to retries.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { componenttest, consumer, consumererror, pdatatest } from '@tandem/host';
import { newFactory } from '../src';

interface Received {
  headers: http.IncomingHttpHeaders;
  body: any;
}

/** A webhook that answers each POST with the next status of `statuses` (the last one repeats). */
async function webhook(statuses: Array<number | [number, Record<string, string>]>): Promise<{ url: string; received: Received[]; close: () => Promise<void> }> {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      received.push({ headers: req.headers, body: JSON.parse(body) });
      const answer = statuses[Math.min(received.length - 1, statuses.length - 1)];
      const [status, headers] = Array.isArray(answer) ? answer : [answer, {}];
      res.writeHead(status, headers).end();
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hook`, received, close: () => new Promise((done) => server.close(() => done())) };
}

const fast = (url: string) => ({
  endpoint: url, headers: { authorization: 'Bearer t' }, sending_queue: { enabled: false }, retry_on_failure: { initial_interval: '5ms', max_interval: '10ms' },
});

describe('webhook', () => {
  test('posts each request as OTLP/JSON with the configured headers', async () => {
    const hook = await webhook([200]);
    const exporter = await componenttest.startExporter(newFactory(), 'logs', fast(hook.url));
    await exporter.consumeLogs(consumer.background, pdatatest.generateLogs(2));
    await exporter.shutdown();
    await hook.close();
    expect(hook.received).toHaveLength(1);
    expect(hook.received[0].headers).toMatchObject({ 'content-type': 'application/json', authorization: 'Bearer t' });
    expect(hook.received[0].body.resourceLogs[0].scopeLogs[0].logRecords.map((r: any) => r.body.stringValue)).toEqual(['log-0', 'log-1']);
  });

  test('503 and 429 (with Retry-After) are retried until accepted', async () => {
    const hook = await webhook([503, [429, { 'retry-after': '0' }], 202]);
    const exporter = await componenttest.startExporter(newFactory(), 'traces', fast(hook.url));
    await exporter.consumeTraces(consumer.background, pdatatest.generateTraces(1));
    await exporter.shutdown();
    await hook.close();
    expect(hook.received).toHaveLength(3);
  });

  test('a 400 is permanent: not retried, and the caller sees the status', async () => {
    const hook = await webhook([400]);
    const exporter = await componenttest.startExporter(newFactory(), 'metrics', fast(hook.url));
    const err = await exporter.consumeMetrics(consumer.background, pdatatest.generateMetrics(1)).then(() => undefined, (e: unknown) => e);
    await exporter.shutdown();
    await hook.close();
    expect(hook.received).toHaveLength(1);
    expect(consumererror.isPermanent(err)).toBe(true);
    expect(consumererror.toHTTPStatus(err)).toBe(400);
    expect((err as Error).message).toBe(`Permanent error: webhook ${hook.url} answered 400`);
  });

  test('an unreachable webhook is retryable, and fails once retries run out', async () => {
    const hook = await webhook([200]);
    await hook.close(); // nothing listens there any more
    const exporter = await componenttest.startExporter(newFactory(), 'logs', { ...fast(hook.url), retry_on_failure: { initial_interval: '5ms', max_elapsed_time: '50ms' } });
    const err = await exporter.consumeLogs(consumer.background, pdatatest.generateLogs(1)).then(() => undefined, (e: unknown) => e as Error);
    expect(err?.message).toMatch(/^no more retries left: webhook .* unreachable/);
    await exporter.shutdown();
  });

  test('configs it refuses', () => {
    expect(() => componenttest.decodeConfig(newFactory(), {})).toThrow('exporters::webhook: "endpoint" is required');
    expect(() => componenttest.decodeConfig(newFactory(), { endpoint: 'not a url' })).toThrow('"endpoint" must be a URL, got "not a url"');
    expect(() => componenttest.decodeConfig(newFactory(), { endpoint: 'ftp://x' })).toThrow('"endpoint" must be http or https, got "ftp:"');
  });
});

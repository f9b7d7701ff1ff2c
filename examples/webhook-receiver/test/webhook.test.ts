// The webhook receiver as a sender sees it: real HTTP requests in, log records out at a sink, the pipeline's answer
// as the status.
import * as net from 'node:net';
import { component, componenttest, consumer, consumererror, consumertest, pdata } from '@tandem/host';
import { newFactory } from '../src';

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((done) => server.close(done));
  return port;
}

async function started(next: consumer.Logs, extra: Record<string, unknown> = {}): Promise<{ url: string; receiver: component.Component }> {
  const port = await freePort();
  const receiver = await componenttest.startReceiver(newFactory(), 'logs', { endpoint: `127.0.0.1:${port}`, ...extra }, next);
  return { url: `http://127.0.0.1:${port}/webhook`, receiver };
}

const post = (url: string, body: string, type = 'application/json') => fetch(url, { method: 'POST', headers: { 'content-type': type, 'user-agent': 'deploy-bot/1' }, body });
const records = (ld: pdata.Logs) => [...ld.resourceLogs().at(0).scopeLogs().at(0).logRecords()];

describe('webhook receiver', () => {
  test('JSON objects and arrays become log records with structured bodies; text stays text', async () => {
    const sink = consumertest.newLogsSink();
    const { url, receiver } = await started(sink);
    try {
      expect((await post(url, JSON.stringify({ event: 'deploy', service: 'cart', ok: true }))).status).toBe(200);
      expect((await post(url, JSON.stringify([{ n: 1 }, { n: 2 }]))).status).toBe(200);
      expect((await post(url, 'disk almost full', 'text/plain')).status).toBe(200);
    } finally {
      await receiver.shutdown();
    }
    expect(sink.itemCount()).toBe(4);
    const [first] = records(sink.all()[0]);
    expect(first.body().asRaw()).toEqual({ event: 'deploy', service: 'cart', ok: true });
    expect(first.attributes().asRaw()).toEqual({ 'url.path': '/webhook', 'user_agent.original': 'deploy-bot/1' });
    expect(first.observedTimestamp()).toBeGreaterThan(0n);
    expect(sink.all()[0].resourceLogs().at(0).resource().attributes().get('webhook.source')?.str()).toBe('127.0.0.1');
    expect(records(sink.all()[1]).map((r) => r.body().asRaw())).toEqual([{ n: 1n }, { n: 2n }]);
    expect(records(sink.all()[2])[0].body().str()).toBe('disk almost full');
  });

  test('the pipeline\'s refusal is the sender\'s status: 503 to retry, 500 not to; bad JSON is 400', async () => {
    let answer: unknown;
    const next = consumer.newLogs(async () => {
      if (answer) throw answer;
    });
    const { url, receiver } = await started(next);
    try {
      answer = new consumererror.RetryableError('queue full');
      const retry = await post(url, '{}');
      expect([retry.status, await retry.text()]).toEqual([503, 'queue full']);
      answer = new consumererror.PermanentError(new Error('bad data'));
      expect((await post(url, '{}')).status).toBe(500);
      const bad = await post(url, '{"unterminated');
      expect(bad.status).toBe(400);
      expect(await bad.text()).toMatch(/^invalid JSON: /);
      expect((await fetch(url.replace('/webhook', '/other'), { method: 'POST', body: '{}' })).status).toBe(404);
      expect((await fetch(url)).status).toBe(405);
    } finally {
      await receiver.shutdown();
    }
  });

  test('each request carries its deadline; a body over the limit is 413', async () => {
    const contexts: consumer.Context[] = [];
    const { url, receiver } = await started(consumer.newLogs(async (ctx) => void contexts.push(ctx)), { timeout: '2s', max_request_body_size: 64 });
    try {
      const before = Date.now();
      expect((await post(url, '{}')).status).toBe(200);
      expect(contexts[0].deadline).toBeGreaterThanOrEqual(before + 2000);
      expect((await post(url, JSON.stringify({ big: 'x'.repeat(100) }))).status).toBe(413);
    } finally {
      await receiver.shutdown();
    }
  });

  test('configs it refuses', () => {
    expect(() => componenttest.decodeConfig(newFactory(), { endpoint: 'nowhere' })).toThrow('receivers::webhook: "endpoint" must be host:port, got "nowhere"');
    expect(() => componenttest.decodeConfig(newFactory(), { path: 'hook' })).toThrow('"path" must start with /, got "hook"');
  });
});

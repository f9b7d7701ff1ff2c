// The collector's logs in both encodings: JSON lines for machines, and the Go Collector's console layout for people.
import { Writable } from 'node:stream';
import type { DestinationStream } from 'pino';
import { consoleLine, createLogger } from '../../src/telemetry';

function capture(): { destination: DestinationStream; text: () => string } {
  let text = '';
  const destination = new Writable({ write(chunk, _enc, done) { text += chunk; done(); } });
  return { destination: destination as unknown as DestinationStream, text: () => text };
}

describe('console encoding', () => {
  test('a record is time, level, message and the fields as JSON, tab-separated, as zap writes it', () => {
    const time = new Date(2024, 0, 18, 17, 27, 12, 570);
    const line = consoleLine({ level: 30, time: time.getTime(), msg: 'Traces', 'otelcol.component.id': 'debug', nested: { a: [1, 'b'] }, spans: 2 });
    const [stamp, level, msg, fields] = line.split('\t');
    expect(stamp).toMatch(/^2024-01-18T17:27:12\.570(Z|[+-]\d{4})$/);
    expect([level, msg, fields]).toEqual(['info', 'Traces', '{"otelcol.component.id": "debug", "nested": {"a": [1, "b"]}, "spans": 2}\n']);
  });

  test('a record without fields ends after the message; a multi-line message is printed as is', () => {
    expect(consoleLine({ level: 40, time: 0, msg: 'Everything is ready.' }).split('\t').slice(1)).toEqual(['warn', 'Everything is ready.\n']);
    expect(consoleLine({ level: 30, time: 0, msg: 'ResourceSpans #0\nSpan #0\n', k: 1 }).split('\t').slice(2)).toEqual(['ResourceSpans #0\nSpan #0\n', '{"k": 1}\n']);
  });

  test('the logger writes console lines, without pid, child fields first', async () => {
    const { destination, text } = capture();
    const logger = createLogger({ level: 'debug', encoding: 'console', destination });
    logger.child({ 'otelcol.component.kind': 'engine' }).debug({ engine_pid: 7 }, 'ring attached');
    logger.info('plain');
    await new Promise((r) => setImmediate(r));
    const lines = text().trimEnd().split('\n').map((l) => l.split('\t').slice(1));
    expect(lines).toEqual([['debug', 'ring attached', '{"otelcol.component.kind": "engine", "engine_pid": 7}'], ['info', 'plain']]);
  });

  test('json encoding writes one pino object per line, with the level as a number and the pid', async () => {
    const { destination, text } = capture();
    createLogger({ encoding: 'json', destination }).warn({ a: 1 }, 'careful');
    await new Promise((r) => setImmediate(r));
    expect(JSON.parse(text())).toEqual(expect.objectContaining({ level: 40, msg: 'careful', a: 1, pid: process.pid }));
  });

  test('below the configured level nothing is written', async () => {
    const { destination, text } = capture();
    createLogger({ level: 'warn', encoding: 'console', destination }).info('hidden');
    await new Promise((r) => setImmediate(r));
    expect(text()).toBe('');
  });
});

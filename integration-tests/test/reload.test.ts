// Config reload on SIGHUP, under load: the real collector (host receiver and batch, the engine's rust_batch, a file
// exporter) with clients sending all along. Each reload swaps only what changed (the receiver keeps its port, an
// unchanged exporter keeps running, the engine's part is redeployed whole), drains what the replaced components hold,
// and loses nothing acknowledged; configs that do not load are refused with their error and the running one is kept.
import fs from 'node:fs';
import path from 'node:path';
import { Collector, freePort, tempDir, until, WITH_ENGINE } from './collector';

interface Settings {
  batchTimeout: string;
  rustBatchTimeout: string;
  file: string;
  extra?: string;
}

function config(port: number, s: Settings): string {
  return `${WITH_ENGINE}receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:${port}
processors:
  batch:
    timeout: ${s.batchTimeout}
  rust_batch:
    timeout: ${s.rustBatchTimeout}
exporters:
  file:
    path: ${s.file}
${s.extra ?? ''}service:
  telemetry:
    metrics:
      level: none
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch, rust_batch]
      exporters: [file]
`;
}

/** Clients that each keep one request in flight, every request a span with a name of its own; acknowledged names are kept. */
function load(port: number, clients: number) {
  const acked = new Set<string>();
  const outcomes = { refusedConnections: 0, failed: 0 };
  let running = true;
  let next = 0;
  const client = async () => {
    while (running) {
      const name = `span-${next++}`;
      const body = JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b174', name }] }] }] });
      try {
        const res = await fetch(`http://127.0.0.1:${port}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        await res.arrayBuffer();
        if (res.status === 200) acked.add(name);
        else outcomes.failed++;
      } catch (err) {
        if (/ECONNREFUSED/.test(String((err as { cause?: unknown }).cause ?? err))) outcomes.refusedConnections++;
        else outcomes.failed++;
      }
    }
  };
  const all = Promise.all(Array.from({ length: clients }, client));
  return {
    acked,
    outcomes,
    count: () => acked.size,
    stop: async () => {
      running = false;
      await all;
    },
  };
}

/** Span names in the file exporter's files. */
function delivered(files: string[]): Map<string, number> {
  const names = new Map<string, number>();
  for (const file of files) {
    if (!fs.existsSync(file)) continue;
    for (const line of fs.readFileSync(file, 'utf8').split('\n').filter(Boolean)) {
      for (const rs of JSON.parse(line).resourceSpans ?? []) {
        for (const ss of rs.scopeSpans ?? []) for (const span of ss.spans ?? []) names.set(span.name, (names.get(span.name) ?? 0) + 1);
      }
    }
  }
  return names;
}

type LogRecord = Record<string, any>;
/** The collector's complete JSON log lines so far (the last one may still be arriving). */
const records = (output: string): LogRecord[] => output.split('\n').slice(0, -1).filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));

describe('config reload on SIGHUP', () => {
  let collector: Collector | undefined;
  let traffic: ReturnType<typeof load> | undefined;
  afterAll(async () => {
    await traffic?.stop();
    await collector?.stop();
  });

  test('under load: only what changed is swapped, refused configs keep the running one, nothing acknowledged is lost', async () => {
    const dir = tempDir('tandem-reload-');
    const [fileA, fileB] = [path.join(dir, 'a.json'), path.join(dir, 'b.json')];
    const port = await freePort();
    const initial: Settings = { batchTimeout: '10ms', rustBatchTimeout: '10ms', file: fileA };
    collector = await Collector.start(config(port, initial), [port]);
    const configFile = collector.process.spawnargs[collector.process.spawnargs.indexOf('--config') + 1];
    traffic = load(port, 4);
    const sending = traffic;
    const reloaded = (n: number) => until(`reload ${n}`, () => {
      const done = records(collector!.output).filter((r) => r.msg === 'Config reloaded.' || r.msg === 'Config reload refused; the running config is kept');
      return done.length >= n ? done[n - 1] : undefined;
    }, 30_000);
    const reload = async (n: number, settings: Settings) => {
      const before = sending.count();
      await until('traffic before the reload', () => (sending.count() > before + 20 ? true : undefined));
      fs.writeFileSync(configFile, config(port, settings));
      collector!.process.kill('SIGHUP');
      const result = await reloaded(n);
      const after = sending.count();
      await until('traffic after the reload', () => (sending.count() > after + 20 ? true : undefined));
      return result;
    };

    // 1. Both batch processors change: the engine's part is redeployed; the receiver and the exporter run on.
    const first = await reload(1, { ...initial, batchTimeout: '20ms', rustBatchTimeout: '30ms' });
    expect(first.msg).toBe('Config reloaded.');
    expect(first.kept).toEqual(['exporter:file', 'receiver:otlp']);
    expect(first.replaced).toEqual(['processor:batch', 'processor:rust_batch']);

    // 2. The exporter writes elsewhere: it is replaced (the old one finishes its writes and closes its file).
    const second = await reload(2, { batchTimeout: '20ms', rustBatchTimeout: '30ms', file: fileB });
    expect(second.msg).toBe('Config reloaded.');
    expect(second.kept).toEqual(['receiver:otlp']);
    expect(second.replaced).toEqual(['exporter:file', 'processor:batch', 'processor:rust_batch']);

    // 3, 4. Configs that do not load are refused with their error; the running config is kept and keeps running.
    const unknownKey = await reload(3, { batchTimeout: '20ms', rustBatchTimeout: '30ms', file: fileB, extra: 'colour: blue\n' });
    expect(unknownKey.error).toContain("'' has invalid keys: colour");
    const engineRefuses = await reload(4, { batchTimeout: '20ms', rustBatchTimeout: 'soon', file: fileB });
    expect(engineRefuses.error).toMatch(/^failed to get config: cannot unmarshal the configuration: error decoding 'processors': error reading configuration for "rust_batch": /);
    // 5. The running config again: nothing changed, everything is kept.
    const unchanged = await reload(5, { batchTimeout: '20ms', rustBatchTimeout: '30ms', file: fileB });
    expect(unchanged.msg).toBe('Config reloaded.');
    expect(unchanged.replaced).toEqual([]);

    await sending.stop();
    // Everything acknowledged arrived, across the swaps; the receiver never closed its port.
    const arrived = await until('every acknowledged span written', () => {
      const names = delivered([fileA, fileB]);
      return [...sending.acked].every((name) => names.has(name)) ? names : undefined;
    }, 20_000).catch(() => delivered([fileA, fileB]));
    const lost = [...sending.acked].filter((name) => !arrived.has(name));
    expect({ acknowledged: sending.acked.size > 200, lost }).toEqual({ acknowledged: true, lost: [] });
    // Requests that came during a swap waited for the new pipelines: none was refused or failed.
    expect(sending.outcomes).toEqual({ refusedConnections: 0, failed: 0 });
    // The HTTP server started once: the receiver was never restarted.
    expect(records(collector.output).filter((r) => r.msg === 'Starting HTTP server')).toHaveLength(1);
    // The old file exporter closed after the swap; the new one has the data that came after.
    expect(delivered([fileB]).size).toBeGreaterThan(0);
    await collector.stop();
    collector = undefined;
    fs.rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  test('a change the running process cannot take (the engine\'s runtime) is refused, and the collector keeps serving', async () => {
    const dir = tempDir('tandem-reload-');
    const port = await freePort();
    const settings: Settings = { batchTimeout: '10ms', rustBatchTimeout: '10ms', file: path.join(dir, 'out.json') };
    collector = await Collector.start(config(port, settings), [port]);
    const configFile = collector.process.spawnargs[collector.process.spawnargs.indexOf('--config') + 1];
    fs.writeFileSync(configFile, config(port, settings).replace('buffer_size: 4MiB', 'buffer_size: 8MiB'));
    collector.process.kill('SIGHUP');
    const refused = await until('the refusal', () => records(collector!.output).find((r) => r.msg === 'Config reload refused; the running config is kept'));
    expect(refused.error).toBe('runtime cannot change on a reload: restart the collector');
    const res = await fetch(`http://127.0.0.1:${port}/v1/traces`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [{ name: 'still-served' }] }] }] }),
    });
    expect(res.status).toBe(200);
    await until('the span written', () => (delivered([settings.file]).has('still-served') ? true : undefined));
    await collector.stop();
    collector = undefined;
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

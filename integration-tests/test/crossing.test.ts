// Data crossing from the engine to the host: the engine's own OTLP receiver (`rust_otlp`), fed by the OpenTelemetry
// JS SDK's gRPC exporters, hands each request over the ring to the host's pipeline, whose `file` exporter writes it.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse as parseYAML } from 'yaml';
import { Collector, freePort, metricsOn, otlpConfig, tempDir, WITH_ENGINE } from './collector';
import { field, logRequest } from './otlp';
import { attr, send, written } from './sdk';

function config(enginePort: number, httpPort: number, out: string): string {
  const pipeline = (signal: string) => `    ${signal}:\n      receivers: [rust_otlp, otlp]\n      exporters: [file]\n`;
  return `${WITH_ENGINE}receivers:
  rust_otlp:
    endpoint: 127.0.0.1:${enginePort}
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:${httpPort}
exporters:
  file:
    path: ${out}
service:
  telemetry:
    metrics:
      level: none
  pipelines:
${['traces', 'metrics', 'logs'].map(pipeline).join('')}`;
}

describe('engine receiver -> ring -> host exporter', () => {
  let collector: Collector;
  let enginePort: number;
  let out: string;

  beforeAll(async () => {
    const httpPort = await freePort();
    enginePort = await freePort();
    out = join(tempDir(), 'out.jsonl');
    collector = await Collector.start(config(enginePort, httpPort, out), [enginePort, httpPort]);
  });

  afterAll(async () => {
    expect(await collector?.stop()).toBe(0);
  });

  test('traces sent to the engine arrive intact in the host', async () => {
    const sent = await send('traces', 'grpc', `127.0.0.1:${enginePort}`, 'cross-traces');
    const spans = written(out, 'resourceSpans', 'cross-traces').flatMap((rs) => rs.scopeSpans.flatMap((ss: any) => ss.spans));
    expect(spans.map((s: any) => [s.traceId, s.spanId, s.name, s.startTimeUnixNano]).sort()).toEqual(
      sent.map((s) => [s.traceId, s.spanId, s.name, s.startTimeUnixNano]).sort(),
    );
    const child = spans.find((s: any) => s.name === 'child');
    expect(attr(child.attributes, 'retries')).toEqual({ intValue: '3' });
  });

  test('metrics and logs sent to the engine arrive in the host', async () => {
    const metrics = await send('metrics', 'grpc', `127.0.0.1:${enginePort}`, 'cross-metrics');
    const logs = await send('logs', 'grpc', `127.0.0.1:${enginePort}`, 'cross-logs');
    const gotMetrics = written(out, 'resourceMetrics', 'cross-metrics').flatMap((rm) => rm.scopeMetrics.flatMap((sm: any) => sm.metrics));
    // The SDK's metric reader may export the same cumulative points more than once (periodic and final collection).
    const names = (list: any[]) => [...new Set(list.map((m) => m.name))].sort();
    expect(names(gotMetrics)).toEqual(names(metrics));
    const requests = gotMetrics.find((m: any) => m.name === 'requests');
    expect(Number(requests.sum.dataPoints[0].asDouble ?? requests.sum.dataPoints[0].asInt)).toBe(5);
    const gotLogs = written(out, 'resourceLogs', 'cross-logs').flatMap((rl) => rl.scopeLogs.flatMap((sl: any) => sl.logRecords));
    expect(gotLogs).toHaveLength(1);
    expect(gotLogs[0]).toMatchObject({ body: { stringValue: 'hello' }, timeUnixNano: logs[0].timeUnixNano, observedTimeUnixNano: logs[0].observedTimeUnixNano });
  });

  test('components lists the engine factories of all four kinds with runtime rust', () => {
    const out = spawnSync(process.execPath, [resolve(__dirname, '..', '..', 'scripts', 'bin', 'tandem.js'), 'components'], { encoding: 'utf8' });
    expect(out.status).toBe(0);
    const listed = parseYAML(out.stdout);
    const rust = (kind: string) => listed[kind].filter((f: any) => f.runtime === 'rust').map((f: any) => f.name);
    expect([rust('receivers'), rust('processors'), rust('exporters'), rust('connectors')]).toEqual([['rust_otap', 'rust_otlp'], ['rust_attributes', 'rust_batch', 'rust_filter', 'rust_transform'], ['rust_otap_grpc', 'rust_otlp_grpc', 'rust_parquet', 'rust_perf'], ['rust_count', 'rust_forward', 'rust_routing']]);
    expect(listed.connectors.find((f: any) => f.name === 'rust_forward').stability).toEqual({
      'traces-to-traces': 'Development', 'metrics-to-metrics': 'Development', 'logs-to-logs': 'Development',
    });
  });
});

function batchConfig(httpPort: number, metricsPort: number, out: string, timeout: string): string {
  return `${WITH_ENGINE}receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:${httpPort}
processors:
  rust_batch/a:
    timeout: ${timeout}
  rust_batch/b:
    timeout: ${timeout}
  rust_batch/c:
    timeout: ${timeout}
exporters:
  file:
    path: ${out}
service:
${metricsOn(metricsPort)}  pipelines:
    logs:
      receivers: [otlp]
      processors: [rust_batch/a, rust_batch/b, rust_batch/c]
      exporters: [file]
`;
}

const logsBody = (i: number) =>
  JSON.stringify({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: { stringValue: `record ${i}` }, timeUnixNano: String(1_700_000_000_000_000_000n + BigInt(i)) }] }] }] });
const postLogs = (port: number, i: number) =>
  fetch(`http://127.0.0.1:${port}/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: logsBody(i) });
const bodiesIn = (out: string): string[] =>
  readFileSync(out, 'utf8').split('\n').filter(Boolean)
    .flatMap((line) => JSON.parse(line).resourceLogs.flatMap((rl: any) => rl.scopeLogs.flatMap((sl: any) => sl.logRecords.map((r: any) => r.body.stringValue))));
const crossings = async (metricsPort: number, direction: string) => {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  return Number(new RegExp(`^tandem_ring_requests_total\\{direction="${direction}"\\} (\\d+)$`, 'm').exec(text)?.[1]);
};

/** Runs `body` against a collector whose logs pipeline is otlp -> rust_batch a -> b -> c -> file, then stops it. */
async function withBatchPipeline(
  timeout: string,
  body: (c: { httpPort: number; metricsPort: number; out: string; collector: Collector }) => Promise<void>,
): Promise<void> {
  const [httpPort, metricsPort] = [await freePort(), await freePort()];
  const out = join(tempDir(), 'out.jsonl');
  const collector = await Collector.start(batchConfig(httpPort, metricsPort, out, timeout), [httpPort, metricsPort]);
  try {
    await body({ httpPort, metricsPort, out, collector });
  } finally {
    expect(await collector.stop()).toBe(0);
  }
}

describe('host receiver -> rust_batch a -> b -> c -> host exporter', () => {
  test('each request crosses exactly twice (once each way) and arrives intact', async () => {
    await withBatchPipeline('5ms', async ({ httpPort, metricsPort, out }) => {
    const REQUESTS = 10;
    // One request at a time, so that every batch holds exactly one request and the counts are exact.
    for (let i = 0; i < REQUESTS; i++) expect((await postLogs(httpPort, i)).status).toBe(200);
    expect(bodiesIn(out)).toEqual(Array.from({ length: REQUESTS }, (_, i) => `record ${i}`));
    expect(await crossings(metricsPort, 'host_to_engine')).toBe(REQUESTS);
    expect(await crossings(metricsPort, 'engine_to_host')).toBe(REQUESTS);
    });
  });

  test('concurrent requests are merged into batches in the engine; every caller is answered once its batch is exported', async () => {
    await withBatchPipeline('100ms', async ({ httpPort, metricsPort, out }) => {
    const REQUESTS = 30;
    const statuses = await Promise.all(Array.from({ length: REQUESTS }, (_, i) => postLogs(httpPort, i).then((r) => r.status)));
    expect(statuses).toEqual(Array(REQUESTS).fill(200));
    expect(bodiesIn(out).sort()).toEqual(Array.from({ length: REQUESTS }, (_, i) => `record ${i}`).sort());
    expect(await crossings(metricsPort, 'host_to_engine')).toBe(REQUESTS);
    expect(await crossings(metricsPort, 'engine_to_host')).toBeLessThan(REQUESTS);
    });
  });

  // scenario: malformed protobuf among valid requests, all in flight at once and sharing the engine's batches; the host
  // hands requests to the engine unchecked (its Rust checks them) / guarantee: each malformed one is a 400 with the
  // host's own message, as if checked before crossing, and every valid one is answered 200 and arrives
  test('a malformed request among valid ones is a 400 of its own; the valid ones share batches and arrive', async () => {
    await withBatchPipeline('100ms', async ({ httpPort, out }) => {
      const VALID = 30;
      const valid = logRequest('ok', 1).bytes;
      const badUTF8 = Buffer.from(valid);
      badUTF8.set([0xc3, 0x28], badUTF8.indexOf('ok-0') + 1);
      const malformed = {
        'invalid UTF-8 in a body': badUTF8,
        'truncated': valid.subarray(0, valid.length - 3),
        // No record, so nothing to count: the resource's attribute key is the only thing wrong.
        'no items, an invalid attribute key': field(1, field(1, field(1, field(1, Buffer.from([0xc3, 0x28]))))),
      };
      const post = async (body: Buffer) => {
        const res = await fetch(`http://127.0.0.1:${httpPort}/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body });
        return { status: res.status, text: Buffer.from(await res.arrayBuffer()).toString('latin1') };
      };
      const [answers, refused] = await Promise.all([
        Promise.all(Array.from({ length: VALID }, (_, i) => post(logRequest(`record ${i}`, 1).bytes))),
        Promise.all(Object.values(malformed).map(post)),
      ]);
      expect(answers.map((a) => a.status)).toEqual(Array(VALID).fill(200));
      expect(Object.fromEntries(Object.keys(malformed).map((name, i) => [name, [refused[i].status, refused[i].text.includes('invalid protobuf: ')]])))
        .toEqual(Object.fromEntries(Object.keys(malformed).map((name) => [name, [400, true]])));
      expect(bodiesIn(out).sort()).toEqual(Array.from({ length: VALID }, (_, i) => `record ${i}-0`).sort());
    });
  });

  test('SIGKILL of the engine under load: clients see 503, retry, and everything they were told succeeded arrives', async () => {
    await withBatchPipeline('20ms', async ({ httpPort, out, collector }) => {
    const REQUESTS = 300;
    let succeeded = 0;
    let unavailable = 0;
    let killed = false;
    const sendWithRetry = async (i: number) => {
      for (;;) {
        const status = (await postLogs(httpPort, i)).status;
        if (status === 200) break;
        expect(status).toBe(503); // retryable: the engine died with the request, or is being restarted
        unavailable++;
        await new Promise((r) => setTimeout(r, 50));
      }
      succeeded++;
      if (succeeded === 100 && !killed) {
        killed = true;
        const pid = JSON.parse(collector.output.split('\n').find((l) => l.includes('"Engine ready"'))!).pid;
        process.kill(pid, 'SIGKILL');
      }
    };
    let next = 0;
    await Promise.all(Array.from({ length: 16 }, async () => {
      while (next < REQUESTS) await sendWithRetry(next++);
    }));
    expect(succeeded).toBe(REQUESTS);
    expect(unavailable).toBeGreaterThan(0);
    expect(collector.output).toContain('"Engine restarted"');
    // At least once: a request whose answer died with the engine may have been written and is then sent again.
    const received = bodiesIn(out);
    expect(new Set(received)).toEqual(new Set(Array.from({ length: REQUESTS }, (_, i) => `record ${i}`)));
    });
  });
});

describe('host receiver -> rust_batch -> rust_otlp_grpc -> a second tandem', () => {
  test('data leaves from the engine without coming back to the host; a dead destination is a 503 to the client', async () => {
    const [sinkGrpc, sinkHttp, httpPort, metricsPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const sinkOut = join(tempDir(), 'sink.jsonl');
    const sink = await Collector.start(otlpConfig(sinkGrpc, sinkHttp, `  file:\n    path: ${sinkOut}\n`), [sinkGrpc]);
    const yaml = batchConfig(httpPort, metricsPort, join(tempDir(), 'unused.jsonl'), '5ms')
      .replace(/exporters:\n  file:\n    path: .*\n/, `exporters:\n  rust_otlp_grpc:\n    endpoint: 127.0.0.1:${sinkGrpc}\n    timeout: 2s\n`)
      .replace('processors: [rust_batch/a, rust_batch/b, rust_batch/c]', 'processors: [rust_batch/a]')
      .replace('exporters: [file]', 'exporters: [rust_otlp_grpc]');
    const collector = await Collector.start(yaml, [httpPort, metricsPort]);
    try {
      for (let i = 0; i < 5; i++) expect((await postLogs(httpPort, i)).status).toBe(200);
      expect(bodiesIn(sinkOut)).toEqual(['record 0', 'record 1', 'record 2', 'record 3', 'record 4']);
      expect(await crossings(metricsPort, 'host_to_engine')).toBe(5);
      expect(await crossings(metricsPort, 'engine_to_host')).toBe(0);
      expect(await sink.stop()).toBe(0);
      expect((await postLogs(httpPort, 5)).status).toBe(503);
    } finally {
      await sink.stop();
      expect(await collector.stop()).toBe(0);
    }
  });
});

describe('a pipeline wholly in the engine', () => {
  test('rust_otlp -> rust_batch -> rust_otlp_grpc never crosses the ring', async () => {
    const [sinkGrpc, sinkHttp, enginePort, metricsPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const sinkOut = join(tempDir(), 'sink.jsonl');
    const sink = await Collector.start(otlpConfig(sinkGrpc, sinkHttp, `  file:\n    path: ${sinkOut}\n`), [sinkGrpc]);
    const yaml = `receivers:
  rust_otlp:
    endpoint: 127.0.0.1:${enginePort}
processors:
  rust_batch:
    timeout: 5ms
exporters:
  rust_otlp_grpc:
    endpoint: 127.0.0.1:${sinkGrpc}
service:
${metricsOn(metricsPort)}  pipelines:
    traces:
      receivers: [rust_otlp]
      processors: [rust_batch]
      exporters: [rust_otlp_grpc]
`;
    const collector = await Collector.start(yaml, [enginePort, metricsPort]);
    try {
      const sent = await send('traces', 'grpc', `127.0.0.1:${enginePort}`, 'engine-only');
      const spans = written(sinkOut, 'resourceSpans', 'engine-only').flatMap((rs) => rs.scopeSpans.flatMap((ss: any) => ss.spans));
      expect(spans.map((s: any) => s.spanId).sort()).toEqual(sent.map((s) => s.spanId).sort());
      expect(await crossings(metricsPort, 'host_to_engine')).toBe(0);
      expect(await crossings(metricsPort, 'engine_to_host')).toBe(0);
      // The host's metrics still see the data through the engine's per-component counters. They are otap-dataflow's
      // node metrics, which each pipeline reports every 250 ms: they may follow the answers by that much.
      const components = [['rust_otlp', 'receiver'], ['rust_batch', 'processor'], ['rust_otlp_grpc', 'exporter']];
      const countsOf = (metrics: string) => components.flatMap(([component, kind]) => (['in', 'out'] as const).map((direction) => {
        const line = new RegExp(`^tandem_engine_component_items_total\\{component="${component}",kind="${kind}",direction="${direction}"\\} (\\d+)$`, 'm');
        return [component, direction, Number(line.exec(metrics)?.[1])];
      }));
      const expected = components.flatMap(([component]) => [[component, 'in', sent.length], [component, 'out', sent.length]]);
      let metrics = '';
      const deadline = Date.now() + 10_000;
      do {
        metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      } while (JSON.stringify(countsOf(metrics)) !== JSON.stringify(expected) && Date.now() < deadline && (await new Promise((done) => setTimeout(done, 50, true))));
      expect(countsOf(metrics)).toEqual(expected);
      expect(metrics).toMatch(/^tandem_engine_component_requests_total\{component="rust_otlp_grpc",kind="exporter",outcome="success"\} [1-9]/m);
    } finally {
      expect(await collector.stop()).toBe(0);
      await sink.stop();
    }
  });
});

describe('pipelines joined by an engine connector', () => {
  test('otlp -> rust_batch -> rust_forward -> rust_batch -> file crosses once each way', async () => {
    const [httpPort, metricsPort] = [await freePort(), await freePort()];
    const out = join(tempDir(), 'out.jsonl');
    const yaml = batchConfig(httpPort, metricsPort, out, '5ms')
      .replace('exporters:\n  file:', 'connectors:\n  rust_forward: {}\nexporters:\n  file:')
      .replace(
        /    logs:\n      receivers: \[otlp\]\n      processors: \[rust_batch\/a, rust_batch\/b, rust_batch\/c\]\n      exporters: \[file\]\n/,
        '    logs/in:\n      receivers: [otlp]\n      processors: [rust_batch/a]\n      exporters: [rust_forward]\n'
          + '    logs/out:\n      receivers: [rust_forward]\n      processors: [rust_batch/b]\n      exporters: [file]\n',
      );
    expect(yaml).toContain('logs/out');
    const collector = await Collector.start(yaml, [httpPort, metricsPort]);
    try {
      for (let i = 0; i < 5; i++) expect((await postLogs(httpPort, i)).status).toBe(200);
      expect(bodiesIn(out)).toEqual(['record 0', 'record 1', 'record 2', 'record 3', 'record 4']);
      expect(await crossings(metricsPort, 'host_to_engine')).toBe(5);
      expect(await crossings(metricsPort, 'engine_to_host')).toBe(5);
    } finally {
      expect(await collector.stop()).toBe(0);
    }
  });
});

describe('fan-out in the engine', () => {
  /** Two tandems' `file` outputs as sinks of `rust_otlp_grpc` exporters, and a collector whose logs pipeline is
   * otlp -> rust_batch -> `exporters`. */
  async function withFanout(
    exporters: (sinkPorts: number[], out: string) => string,
    list: string,
    body: (c: { httpPort: number; metricsPort: number; out: string; sinkOuts: string[] }) => Promise<void>,
  ): Promise<void> {
    const sinks: Collector[] = [];
    const sinkPorts: number[] = [];
    const sinkOuts: string[] = [];
    for (let i = 0; i < 2; i++) {
      const [grpc, http] = [await freePort(), await freePort()];
      sinkOuts.push(join(tempDir(), `sink${i}.jsonl`));
      sinks.push(await Collector.start(otlpConfig(grpc, http, `  file:\n    path: ${sinkOuts[i]}\n`), [grpc]));
      sinkPorts.push(grpc);
    }
    const [httpPort, metricsPort] = [await freePort(), await freePort()];
    const out = join(tempDir(), 'out.jsonl');
    const yaml = batchConfig(httpPort, metricsPort, out, '5ms')
      .replace(/exporters:\n  file:\n    path: .*\n/, `exporters:\n${exporters(sinkPorts, out)}`)
      .replace('processors: [rust_batch/a, rust_batch/b, rust_batch/c]', 'processors: [rust_batch/a]')
      .replace('exporters: [file]', `exporters: [${list}]`);
    const collector = await Collector.start(yaml, [httpPort, metricsPort]);
    try {
      await body({ httpPort, metricsPort, out, sinkOuts });
    } finally {
      expect(await collector.stop()).toBe(0);
      for (const sink of sinks) await sink.stop();
    }
  }
  const grpcExporter = (name: string, port: number) => `  ${name}:\n    endpoint: 127.0.0.1:${port}\n`;
  const records = Array.from({ length: 5 }, (_, i) => `record ${i}`);

  test('rust_batch -> [rust_otlp_grpc, rust_otlp_grpc/b]: both get everything and nothing comes back to the host', async () => {
    await withFanout(
      ([a, b]) => grpcExporter('rust_otlp_grpc', a) + grpcExporter('rust_otlp_grpc/b', b),
      'rust_otlp_grpc, rust_otlp_grpc/b',
      async ({ httpPort, metricsPort, sinkOuts }) => {
        for (let i = 0; i < 5; i++) expect((await postLogs(httpPort, i)).status).toBe(200);
        expect(sinkOuts.map(bodiesIn)).toEqual([records, records]);
        expect(await crossings(metricsPort, 'host_to_engine')).toBe(5);
        expect(await crossings(metricsPort, 'engine_to_host')).toBe(0);
      },
    );
  });

  test('rust_batch -> [rust_otlp_grpc, file]: the engine exporter is fed inside the engine, the host one crosses once', async () => {
    await withFanout(
      ([a], out) => grpcExporter('rust_otlp_grpc', a) + `  file:\n    path: ${out}\n`,
      'rust_otlp_grpc, file',
      async ({ httpPort, metricsPort, out, sinkOuts }) => {
        for (let i = 0; i < 5; i++) expect((await postLogs(httpPort, i)).status).toBe(200);
        expect([bodiesIn(sinkOuts[0]), bodiesIn(out)]).toEqual([records, records]);
        expect(await crossings(metricsPort, 'host_to_engine')).toBe(5);
        expect(await crossings(metricsPort, 'engine_to_host')).toBe(5);
      },
    );
  });
});

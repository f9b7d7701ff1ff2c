// Component status end to end, as health check v2 serves it: the real collector with host and engine components,
// a real destination that goes away and comes back, and the engine killed under it. The collector reports degraded
// (with the component and the reason) while it lasts, and healthy again once it recovers.
import { Collector, freePort, until, WITH_ENGINE } from './collector';

type Health = { healthy: boolean; status: string; error?: string; components?: Record<string, Health> };

function sinkConfig(grpcPort: number): string {
  return `runtime:\n  rust:\n    mode: off\nreceivers:\n  otlp:\n    protocols:\n      grpc:\n        endpoint: 127.0.0.1:${grpcPort}
exporters:\n  debug: {}\nservice:\n  telemetry:\n    metrics:\n      level: none\n  pipelines:
    traces:\n      receivers: [otlp]\n      exporters: [debug]\n    logs:\n      receivers: [otlp]\n      exporters: [debug]\n`;
}

// otlp_grpc is kept in the host (it would run in the engine after rust_batch, see runtime::placement): the test is of
// a host exporter's and an engine exporter's health side by side.
function config(httpPort: number, sinkPort: number, legacyPort: number, v2Port: number): string {
  return `${WITH_ENGINE}  placement:\n    in_host: [otlp_grpc]\nreceivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:${httpPort}
processors:
  rust_batch:
    timeout: 10ms
exporters:
  otlp_grpc:
    endpoint: 127.0.0.1:${sinkPort}
    tls:
      insecure: true
    timeout: 1s
    retry_on_failure:
      initial_interval: 100ms
      max_interval: 200ms
  rust_otlp_grpc:
    endpoint: 127.0.0.1:${sinkPort}
    timeout: 1s
extensions:
  health_check:
    endpoint: 127.0.0.1:${legacyPort}
  health_check/v2:
    use_v2: true
    http:
      endpoint: 127.0.0.1:${v2Port}
    component_health:
      include_recoverable_errors: true
      recovery_duration: 1ms
service:
  extensions: [health_check, health_check/v2]
  telemetry:
    metrics:
      level: none
  pipelines:
    traces:
      receivers: [otlp]
      processors: [rust_batch]
      exporters: [otlp_grpc]
    logs:
      receivers: [otlp]
      processors: [rust_batch]
      exporters: [rust_otlp_grpc]
`;
}

async function health(port: number, query = '?verbose'): Promise<{ code: number; body: Health }> {
  const res = await fetch(`http://127.0.0.1:${port}/status${query}`);
  return { code: res.status, body: (await res.json()) as Health };
}

const post = (port: number, signal: 'traces' | 'logs') => {
  const body = signal === 'traces'
    ? { resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b174', name: 'probe' }] }] }] }
    : { resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: { stringValue: 'probe' } }] }] }] };
  // A request is answered once exported, so while the destination is down it waits for the exporter's retries: the
  // probe gives up after a second (the exporter has seen the failure by then).
  return fetch(`http://127.0.0.1:${port}/v1/${signal}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(1_000) })
    .then((res) => res.status, () => 0);
};

describe('health check v2 over component status', () => {
  let sink: Collector | undefined;
  let collector: Collector | undefined;
  afterAll(async () => {
    await collector?.stop();
    await sink?.stop();
  });

  test('healthy; degraded while a destination refuses and while the engine is down; healthy again after each', async () => {
    const [httpPort, sinkPort, legacyPort, v2Port] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
    sink = await Collector.start(sinkConfig(sinkPort), [sinkPort]);
    collector = await Collector.start(config(httpPort, sinkPort, legacyPort, v2Port), [httpPort, v2Port]);

    // Started: every component OK, in the pipelines it belongs to; the original endpoint says available.
    const ok = await until('StatusOK', async () => {
      const h = await health(v2Port);
      return h.body.status === 'StatusOK' ? h : undefined;
    });
    expect(ok.code).toBe(200);
    expect(Object.keys(ok.body.components ?? {}).sort()).toEqual(['extensions', 'pipeline:logs', 'pipeline:traces']);
    expect(Object.keys(ok.body.components!['pipeline:traces'].components ?? {}).sort()).toEqual(['exporter:otlp_grpc', 'processor:rust_batch', 'receiver:otlp']);
    expect(Object.keys(ok.body.components!['pipeline:logs'].components ?? {}).sort()).toEqual(['exporter:rust_otlp_grpc', 'processor:rust_batch', 'receiver:otlp']);
    expect(await fetch(`http://127.0.0.1:${legacyPort}/`).then((r) => r.status)).toBe(200);

    // The destination goes away: both exporters, the host's and the engine's, report it; the collector is degraded.
    await sink.stop();
    const degraded = await until('both exporters failing', async () => {
      await Promise.all([post(httpPort, 'traces'), post(httpPort, 'logs')]);
      const h = await health(v2Port);
      const traces = h.body.components?.['pipeline:traces'];
      const logs = h.body.components?.['pipeline:logs'];
      return traces?.status === 'StatusRecoverableError' && logs?.status === 'StatusRecoverableError' ? h : undefined;
    }, 30_000);
    expect(degraded.code).toBe(500);
    expect(degraded.body).toMatchObject({ healthy: false, status: 'StatusRecoverableError' });
    const exporter = degraded.body.components!['pipeline:traces'].components!['exporter:otlp_grpc'];
    expect(exporter).toMatchObject({ healthy: false, status: 'StatusRecoverableError' });
    expect(exporter.error).toMatch(/UNAVAILABLE|ECONNREFUSED|connect/i);
    expect(degraded.body.components!['pipeline:traces'].components!['receiver:otlp'].status).toBe('StatusOK');
    expect(degraded.body.components!['pipeline:logs'].components!['exporter:rust_otlp_grpc'].error).toMatch(/requests failed in the engine/);
    const onePipeline = await health(v2Port, '?pipeline=traces');
    expect(onePipeline.code).toBe(500);
    expect(onePipeline.body.components).toBeUndefined(); // not verbose
    // The original endpoint counts a recoverable error as available, as Go's does.
    expect(await fetch(`http://127.0.0.1:${legacyPort}/`).then((r) => r.status)).toBe(200);

    // The destination is back: the next exports succeed and both exporters report OK.
    sink = await Collector.start(sinkConfig(sinkPort), [sinkPort]);
    await until('recovered from the destination', async () => {
      await Promise.all([post(httpPort, 'traces'), post(httpPort, 'logs')]);
      const h = await health(v2Port);
      return h.code === 200 && h.body.status === 'StatusOK' ? h : undefined;
    }, 30_000);

    // The engine is killed: its components report why; once it is restarted, they are OK again.
    const enginePid = collector.output.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l)).find((r) => r.msg === 'Engine ready').pid as number;
    process.kill(enginePid, 'SIGKILL');
    const down = await until('the engine reported down', async () => {
      const h = await health(v2Port);
      return h.body.components?.['pipeline:traces']?.components?.['processor:rust_batch']?.status === 'StatusRecoverableError' ? h : undefined;
    });
    expect(down.code).toBe(500);
    // Whichever sign of the engine's death the host saw first: its exit, or its doorbell closing.
    const why = /^(the engine exited \(SIGKILL\)|ring session ended: the peer closed the doorbell \(it exited or closed the session\)); it is being restarted$/;
    expect(down.body.components!['pipeline:logs'].components!['exporter:rust_otlp_grpc'].error).toMatch(why);
    expect(down.body.components!['pipeline:traces'].components!['processor:rust_batch'].error).toMatch(why);
    expect(down.body.components!['pipeline:traces'].components!['receiver:otlp'].status).toBe('StatusOK');
    await until('the engine reported back', async () => {
      const h = await health(v2Port);
      return h.code === 200 && h.body.status === 'StatusOK' ? h : undefined;
    });
    expect(await post(httpPort, 'traces')).toBe(200);
  }, 120_000);
});

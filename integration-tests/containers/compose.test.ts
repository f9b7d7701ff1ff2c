// docker-compose.yml for real: the images of this checkout (prebuilt path), the stack as shipped with the OpenTelemetry
// JS SDK sending to its published ports, then with a `file` exporter under load through an engine crash, collector
// restarts and `docker compose down`, where every acknowledged record must have been exported.
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { send } from '../test/sdk';
import { describeWithDocker, docker, Images, type Json, ROOT, Stack, until } from './docker';
import { lost, LogLoad } from './load';

/** The items the engine's rust_batch counted in one direction, from the collector's Prometheus text (0 when absent). */
function batchItems(metrics: string, direction: 'in' | 'out'): number {
  const line = new RegExp(`^tandem_engine_component_items_total\\{component="rust_batch",kind="processor",direction="${direction}"\\} (\\d+)$`, 'm').exec(metrics);
  return line ? Number(line[1]) : 0;
}

describeWithDocker('docker compose', () => {
  let images: Images;

  beforeAll(async () => {
    images = await Images.build();
  }, 900_000);

  afterAll(async () => {
    await images?.remove();
  });

  test('as shipped: SDK traces, metrics and logs reach the debug exporter through the engine container', async () => {
    const stack = await Stack.create(images);
    try {
      await stack.up();
      const at = (port: number) => `127.0.0.1:${port}`;
      const spans = await send('traces', 'grpc', at(stack.ports.grpc), 'compose-traces');
      await send('metrics', 'http-proto', at(stack.ports.http), 'compose-metrics');
      const records = await send('logs', 'http-json', at(stack.ports.http), 'compose-logs');

      // The debug exporter (the host, after the engine's rust_batch) printed each request.
      const exported = await until('the debug exporter to print every signal', async () => {
        const out = [...(await stack.records('collector', 'Traces')), ...(await stack.records('collector', 'Metrics')), ...(await stack.records('collector', 'Logs'))];
        return out.length >= 3 ? out : undefined;
      });
      const sum = (msg: string, field: string) => exported.filter((r) => r.msg === msg).reduce((n, r) => n + r[field], 0);
      expect(sum('Traces', 'spans')).toBe(spans.length);
      expect(sum('Logs', 'log records')).toBe(records.length);
      // send.js records a counter and a histogram; the SDK's reader exports them at its flush and again at shutdown.
      expect(sum('Metrics', 'data points') % 2).toBe(0);
      expect(sum('Metrics', 'data points')).toBeGreaterThanOrEqual(2);

      // They passed through the engine: its rust_batch counted every item in and out (the engine reports its node
      // counters every 250 ms, so the count can trail the debug exporter's print by one report).
      const items = sum('Traces', 'spans') + sum('Metrics', 'data points') + sum('Logs', 'log records');
      const metrics = await until('the engine to report the items rust_batch handed on', async () => {
        const text = await stack.metrics();
        return batchItems(text, 'out') >= items ? text : undefined;
      });
      expect(batchItems(metrics, 'in')).toBe(items);
      expect(batchItems(metrics, 'out')).toBe(items);

      // The shape the compose file promises: one non-root user, read-only roots, no capabilities, memory limits, a
      // restart policy, and nothing shared but the tmpfs volume at /run/tandem; ports on 127.0.0.1 only.
      const [engine, collector] = [await stack.inspect('engine'), await stack.inspect('collector')];
      for (const c of [engine, collector]) {
        expect(c.Config.User).toBe('10001:10001');
        expect(c.HostConfig.ReadonlyRootfs).toBe(true);
        expect(c.HostConfig.CapDrop).toEqual(['ALL']);
        expect(c.HostConfig.CapAdd).toBeNull();
        expect(c.HostConfig.SecurityOpt).toEqual(['no-new-privileges:true']);
        expect(c.HostConfig.RestartPolicy.Name).toBe('unless-stopped');
        expect(c.HostConfig.Memory).toBeGreaterThan(0);
      }
      // The engine's healthcheck is its own probe over the control socket, answered by the running engine.
      expect(engine.State.Health.Status).toBe('healthy');
      expect(engine.State.Health.Log.at(-1)).toMatchObject({ ExitCode: 0, Output: expect.stringMatching(/^engine (ok|stopped)\n$/) });
      const mounts = (c: Json) => new Map<string, string>(c.Mounts.map((m: Json) => [m.Destination, m.Type === 'volume' ? m.Name : m.Source]));
      expect([...mounts(engine)]).toEqual([['/run/tandem', `${stack.project}_ring`]]);
      expect(mounts(collector).get('/run/tandem')).toBe(`${stack.project}_ring`);
      expect([...mounts(collector).keys()].sort()).toEqual(['/etc/tandem/config.yaml', '/run/tandem']);
      const volume = JSON.parse(await docker(['volume', 'inspect', `${stack.project}_ring`]))[0];
      expect(volume.Options).toMatchObject({ type: 'tmpfs', device: 'tmpfs' });
      const published = Object.values<Json[]>(collector.HostConfig.PortBindings).flat();
      expect(published.map((b) => b.HostIp)).toEqual(['127.0.0.1', '127.0.0.1', '127.0.0.1', '127.0.0.1']);
    } finally {
      await stack.down();
    }
  });

  describe('under load, with a file exporter', () => {
    // Each test gets a stack of its own: the shipped config with its debug exporter swapped for file exporters
    // (acknowledged means written), the output folder bind-mounted at /out.
    let stack: Stack;
    let out: string;
    const logsFile = () => path.join(out, 'logs.jsonl');
    const load = (run: string) => new LogLoad(`http://127.0.0.1:${stack.ports.http}/v1/logs`, run);

    beforeEach(async () => {
      const config = YAML.parse(fs.readFileSync(path.join(ROOT, 'deploy', 'config.yaml'), 'utf8'));
      config.exporters = {};
      for (const [signal, pipeline] of Object.entries<Json>(config.service.pipelines)) {
        config.exporters[`file/${signal}`] = { path: `/out/${signal}.jsonl` };
        pipeline.exporters = [`file/${signal}`];
      }
      stack = await Stack.create(images, (s) => {
        out = s.hostDir('out', 10001);
        const configFile = s.file('config.yaml', YAML.stringify(config));
        return { services: { collector: { volumes: [`${configFile}:/etc/tandem/config.yaml:ro`, `${out}:/out`] } } };
      });
      await stack.up();
    }, 300_000);

    afterEach(async () => {
      await stack?.down();
    });

    test('the engine crashes, then is killed by Compose: clients get retryable errors, it comes back (by policy, by start), the host re-attaches, nothing acknowledged is lost', async () => {
      const traffic = load('crash');
      try {
        await traffic.acknowledgedMore(200);
        const before = (await stack.records('engine', 'ring attached')).length;
        await stack.crash('engine');
        await until('the engine container to be restarted by its policy', async () => ((await stack.inspect('engine')).RestartCount >= 1 ? true : undefined));
        await until('the new engine to attach the host\'s new rings', async () => ((await stack.records('engine', 'ring attached')).length > before ? true : undefined), 90_000);
        await traffic.acknowledgedMore(200, 90_000);

        // `docker compose kill -s SIGKILL engine` is a manual stop to Docker: the policy leaves it stopped (as
        // deploy/README.md says) until `docker compose start engine`; then the host re-attaches as after the crash.
        const attached = (await stack.records('engine', 'ring attached')).length;
        await stack.compose(['kill', '-s', 'SIGKILL', 'engine']);
        const stopped = await until('the killed engine to be exited', async () => ((await stack.inspect('engine')).State.Status === 'exited' ? (await stack.inspect('engine')).State : undefined));
        expect(stopped).toMatchObject({ ExitCode: 137, Restarting: false });
        await stack.compose(['start', 'engine']);
        await until('the started engine to attach the host\'s new rings', async () => ((await stack.records('engine', 'ring attached')).length > attached ? true : undefined), 90_000);
        await traffic.acknowledgedMore(200, 90_000);
      } finally {
        await traffic.stop();
      }
      expect(traffic.retryable.length).toBeGreaterThan(0);
      expect(new Set(traffic.retryable)).toEqual(new Set(['503']));
      expect(traffic.errors).toEqual([]);
      expect(lost(traffic, logsFile())).toEqual([]);
      // The engine reports its node counters every 250 ms, and the engine that counts is the one started last: wait
      // for its first report of the records that crossed into it.
      await until('the started engine to report the records rust_batch took', async () => (batchItems(await stack.metrics(), 'in') > 0 ? true : undefined));
    }, 300_000);

    test('the collector restarts, gracefully then killed: the engine accepts each new host and data flows', async () => {
      const engineRestarts = (await stack.inspect('engine')).RestartCount;
      const traffic = load('restart');
      try {
        await traffic.acknowledgedMore(200);
        await stack.compose(['restart', 'collector']);
        await traffic.acknowledgedMore(200, 90_000);
        await stack.crash('collector');
        await until('the collector container to be restarted by its policy', async () => ((await stack.inspect('collector')).RestartCount >= 1 ? true : undefined));
        await traffic.acknowledgedMore(200, 90_000);
      } finally {
        await traffic.stop();
      }
      expect(traffic.errors).toEqual([]);
      expect(lost(traffic, logsFile())).toEqual([]);
      expect((await stack.inspect('engine')).RestartCount).toBe(engineRestarts); // the engine was not restarted to take the new host
      // The volume holds the engine's socket and the live host's ring (one core), nothing of the hosts before it.
      const files = (await stack.compose(['exec', '-T', 'engine', 'ls', '-A', '/run/tandem'])).trim().split('\n');
      expect(files.filter((f) => f !== 'control.sock').map((f) => path.extname(f))).toEqual(['.ring']);
    });

    test('docker compose down under load: everything acknowledged is exported, nothing is left on the volume', async () => {
      // A container outside the project keeps the tmpfs mounted, so that what the stack leaves on it can be seen.
      const watcher = `${stack.project}-watch`;
      await docker(['run', '-d', '--rm', '--name', watcher, '--network', 'none', '--read-only', '--user', '10001:10001', '--entrypoint', 'sleep', '-v', `${stack.project}_ring:/ring:ro`, images.image('engine'), 'infinity']);
      const traffic = load('down');
      try {
        let exits: number[] = [];
        try {
          await traffic.acknowledgedMore(200);
          // `down` as `stop` (the same order and grace period: the collector first, then the engine) and then the
          // removal, so that the exit codes can still be read in between.
          await stack.compose(['stop'], 120_000);
          exits = [(await stack.inspect('collector')).State.ExitCode, (await stack.inspect('engine')).State.ExitCode];
          await stack.compose(['down'], 120_000);
        } finally {
          await traffic.stop();
        }
        expect({ exits }).toEqual({ exits: [0, 0] }); // 137: killed at the end of the grace period
        expect(traffic.errors).toEqual([]);
        expect(lost(traffic, logsFile())).toEqual([]);
        expect((await docker(['exec', watcher, 'ls', '-A', '/ring'])).trim()).toBe('');
      } finally {
        await docker(['rm', '-f', watcher]);
      }
    });
  });
});

// The pod's topology without a cluster: deploy/kubernetes/example/app.yaml (an app pod carrying Tandem as its sidecar
// pair) translated by pod.ts into a Compose project and run: shared network and IPC namespaces, the engine and the
// collector as native sidecars started in order behind their startup probes, one memory-backed volume between them,
// the ConfigMap's config as it is. The app (telemetrygen in the manifest; no registry here) is a container running
// the OpenTelemetry JS SDK that sends to localhost:4317 and localhost:4318 from inside the pod.
import { describeWithDocker, docker, Images, type Json, ROOT, Stack, until } from './docker';
import { decodeStrictly, manifestFiles, type Decoded } from './manifests';
import { composeForPod } from './pod';

describeWithDocker('the example app pod, run by Compose', () => {
  let images: Images;
  let manifests: Decoded[];

  beforeAll(async () => {
    manifests = decodeStrictly(manifestFiles()).objects;
    images = await Images.build();
  }, 900_000);

  afterAll(async () => {
    await images?.remove();
  });

  test('the app sends to localhost; the data crosses the engine sidecar and reaches the collector, sharing only the ring volume', async () => {
    const checkout = manifests.find((d) => d.kind === 'Deployment' && d.name === 'checkout')!.object;
    const configMaps = new Map(manifests.filter((d) => d.kind === 'ConfigMap').map((d) => [d.name, d.object]));
    let metricsPort = 0;
    const stack = await Stack.create(
      images,
      (s) => {
        metricsPort = s.ports.metrics;
        return composeForPod(checkout.spec.template.spec, {
          images: { 'tandem/engine:0.1.0': images.image('engine'), 'tandem/collector:0.1.0': images.image('collector') },
          configMaps,
          dir: s.hostDir('configmaps'),
          publish: { 8888: metricsPort },
          // node:20-bookworm-slim with this checkout's SDK sender; it idles, the test runs the sender in it.
          replace: { app: { image: 'node:20-bookworm-slim', entrypoint: ['sleep', 'infinity'], init: true, user: '10001:10001', read_only: true, cap_drop: ['ALL'], volumes: [`${ROOT}:/repo:ro`] } },
        });
      },
      true,
    );
    try {
      await stack.up();
      // From inside the app container: localhost is the pod's, where the collector listens.
      const inApp = (signal: string, transport: string, port: number, run: string) =>
        stack.compose(['exec', '-T', 'app', 'node', '/repo/integration-tests/sdk/send.js', signal, transport, `localhost:${port}`, run]).then((out) => JSON.parse(out) as Json[]);
      const spans = await inApp('traces', 'grpc', 4317, 'pod-traces');
      const records = await inApp('logs', 'http-proto', 4318, 'pod-logs');

      const printed = await until('the collector to print the spans and the record', async () => {
        const [t, l] = [await stack.records('collector', 'Traces'), await stack.records('collector', 'Logs')];
        return t.length > 0 && l.length > 0 ? [...t, ...l] : undefined;
      });
      expect(printed.reduce((n, r) => n + (r.spans ?? 0), 0)).toBe(spans.length);
      expect(printed.reduce((n, r) => n + (r['log records'] ?? 0), 0)).toBe(records.length);
      // The engine's per-component counters reach the host's metrics a moment after the data.
      const counted = new RegExp(`^tandem_engine_component_items_total\\{component="rust_batch",kind="processor",direction="in"\\} ${spans.length + records.length}$`, 'm');
      const metrics = await until('the engine\'s counters', async () => {
        const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
        return counted.test(text) ? text : undefined;
      });
      expect(metrics).toMatch(counted);

      // The topology: one network namespace (the pod's), one shared volume between engine and collector, a tmpfs.
      const pod = (await stack.inspect('pod')).Id;
      for (const service of ['engine', 'collector', 'app']) expect((await stack.inspect(service)).HostConfig.NetworkMode).toBe(`container:${pod}`);
      const volumes = async (service: string) => (await stack.inspect(service)).Mounts.filter((m: Json) => m.Type === 'volume').map((m: Json) => m.Name);
      expect(await volumes('engine')).toEqual([`${stack.project}_ring`]);
      expect(await volumes('collector')).toEqual([`${stack.project}_ring`]);
      expect(JSON.parse(await docker(['volume', 'inspect', `${stack.project}_ring`]))[0].Options).toMatchObject({ type: 'tmpfs', o: expect.stringContaining(`size=${40 * 1024 * 1024}`) });
    } finally {
      await stack.down();
    }
  });
});

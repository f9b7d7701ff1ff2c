// The Kubernetes manifests under deploy/kubernetes/, decoded strictly into the official API types by the Go program
// beside them (deploy/kubernetes/validate), and the checks a cluster would only make once the pod runs: mounts name
// volumes, probes and the Service point at ports the config serves, the engine's probe reaches the endpoint the
// config attaches to, the ring volume is memory-backed, big enough for the rings and the only thing the two
// containers share, and every container is locked down as Pod Security's `restricted` profile asks.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
// The host's own reading of `runtime.rust` (the compiled ts-host), so sizes mean what they mean to the collector.
import { decodeRuntime } from '../../ts-host/dist/otelcol';

export const ROOT = path.resolve(__dirname, '..', '..');
export const KUBERNETES = path.join(ROOT, 'deploy', 'kubernetes');

export type Json = Record<string, any>;

export interface Decoded {
  file: string;
  kind: string;
  name: string;
  object: Json;
}

/** Runs the strict decoder over `files`: the objects, or the decoder's error lines. */
export function decodeStrictly(files: string[]): { objects: Decoded[]; errors: string } {
  const result = spawnSync('go', ['-C', path.join(KUBERNETES, 'validate'), 'run', '.', ...files.map((f) => path.resolve(f))], {
    encoding: 'utf8',
    timeout: 600_000,
  });
  if (result.error) throw result.error;
  const objects = result.stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Decoded);
  return { objects, errors: result.status === 0 ? '' : result.stderr };
}

/** Every manifest in deploy/kubernetes/ and its example folder. */
export function manifestFiles(): string[] {
  const yamlIn = (dir: string) => fs.readdirSync(dir).filter((f) => f.endsWith('.yaml')).map((f) => path.join(dir, f));
  return [...yamlIn(KUBERNETES), ...yamlIn(path.join(KUBERNETES, 'example'))];
}

/** What a config serves and attaches to, read as the collector reads it. */
export interface Served {
  ports: Map<number, string>;
  endpoint: string;
  shmDir: string;
  ringBytes: number;
}

const portOf = (endpoint: unknown) => (typeof endpoint === 'string' ? Number(endpoint.split(':').pop()) : undefined);

export function served(configYaml: string): Served {
  const config = YAML.parse(configYaml);
  const ports = new Map<number, string>();
  const add = (port: number | undefined, what: string) => port && ports.set(port, what);
  for (const [id, receiver] of Object.entries<Json>(config.receivers ?? {})) {
    for (const [protocol, settings] of Object.entries<Json>(receiver?.protocols ?? {})) add(portOf(settings?.endpoint), `${id} ${protocol}`);
  }
  add(portOf(config.extensions?.health_check?.endpoint), 'health_check');
  for (const reader of config.service?.telemetry?.metrics?.readers ?? []) add(reader.pull?.exporter?.prometheus?.port, 'metrics');
  const { rust } = decodeRuntime(config);
  return { ports, endpoint: rust.endpoint, shmDir: rust.ipc.shm_dir, ringBytes: rust.ipc.buffer_size * 2 * rust.executor.cores };
}

const UNITS: Readonly<Record<string, number>> = { '': 1, k: 1e3, M: 1e6, G: 1e9, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3 };

/** A Kubernetes quantity ("40Mi", "64M", "1024") in bytes. */
export function quantityBytes(quantity: string): number {
  const match = /^(\d+)(k|M|G|Ki|Mi|Gi)?$/.exec(quantity);
  if (!match) throw new Error(`quantity ${quantity} is not one this check reads`);
  return Number(match[1]) * UNITS[match[2] ?? ''];
}

const podSpecs = (objects: Decoded[]) =>
  objects.flatMap((d) => (d.kind === 'Deployment' ? [{ where: `${d.kind}/${d.name}`, spec: d.object.spec.template.spec as Json, labels: d.object.spec.template.metadata?.labels ?? {} }] : []));

/** The value after `flag` in a container's args. */
const argAfter = (container: Json, flag: string): string | undefined => {
  const args: string[] = container.args ?? [];
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
};

const probes = (container: Json) =>
  (['startupProbe', 'readinessProbe', 'livenessProbe'] as const).filter((p) => container[p]).map((p) => [p, container[p] as Json] as const);

/** The problems a cluster would only show once the manifests run; empty when there are none. */
export function problems(objects: Decoded[]): string[] {
  const found: string[] = [];
  const configMaps = new Map(objects.filter((d) => d.kind === 'ConfigMap').map((d) => [d.name, d.object]));
  const pods = podSpecs(objects);

  for (const { where, spec } of pods) {
    const volumes = new Map<string, Json>((spec.volumes ?? []).map((v: Json) => [v.name, v]));
    const containers: Json[] = [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
    const engine = (spec.initContainers ?? []).find((c: Json) => c.name === 'engine');
    const collector = containers.find((c) => c.name === 'collector');
    if (!engine) found.push(`${where}: no init container "engine"`);
    else if (engine.restartPolicy !== 'Always') found.push(`${where}: the engine is not a native sidecar (restartPolicy: Always)`);
    if (!collector) found.push(`${where}: no container "collector"`);

    if (spec.securityContext?.runAsNonRoot !== true) found.push(`${where}: securityContext.runAsNonRoot is not true`);
    if (spec.securityContext?.seccompProfile?.type !== 'RuntimeDefault') found.push(`${where}: the seccomp profile is not RuntimeDefault`);
    for (const c of containers) {
      const at = `${where} container ${c.name}`;
      for (const m of c.volumeMounts ?? []) if (!volumes.has(m.name)) found.push(`${at}: mounts volume "${m.name}", which the pod does not have`);
      const sc = c.securityContext ?? {};
      if (sc.allowPrivilegeEscalation !== false) found.push(`${at}: allowPrivilegeEscalation is not false`);
      if (sc.readOnlyRootFilesystem !== true) found.push(`${at}: the root filesystem is not read-only`);
      if (JSON.stringify(sc.capabilities?.drop) !== '["ALL"]' || sc.capabilities?.add) found.push(`${at}: capabilities are not exactly "drop: [ALL]"`);
      if (sc.privileged || sc.runAsUser !== undefined || sc.runAsGroup !== undefined) found.push(`${at}: overrides the pod's user or privileges`);
      if (!c.resources?.limits?.memory || !c.resources?.requests?.memory || !c.resources?.requests?.cpu) found.push(`${at}: no memory limit or no cpu and memory requests`);
      const ports = new Map<string | number, number>();
      for (const p of c.ports ?? []) {
        ports.set(p.containerPort, p.containerPort);
        if (p.name) ports.set(p.name, p.containerPort);
      }
      for (const [kind, probe] of probes(c)) {
        const port = probe.httpGet?.port ?? probe.tcpSocket?.port ?? probe.grpc?.port;
        if (port !== undefined && !ports.has(port)) found.push(`${at}: ${kind} points at port ${port}, which the container does not declare`);
      }
    }

    if (!engine || !collector) continue;
    const configVolume = (collector.volumeMounts ?? []).find((m: Json) => volumes.get(m.name)?.configMap);
    const configFile = argAfter(collector, '--config');
    const configMap = configVolume && configMaps.get(volumes.get(configVolume.name)!.configMap.name);
    const key = configFile && configVolume && path.relative(configVolume.mountPath, configFile);
    if (!configMap || !key || !configMap.data?.[key]) {
      found.push(`${where}: the collector's --config ${configFile} is not a key of a mounted ConfigMap in these manifests`);
      continue;
    }
    const config = served(configMap.data[key]);

    for (const p of collector.ports ?? []) {
      if (!config.ports.has(p.containerPort)) found.push(`${where}: the collector declares port ${p.containerPort}, which its config does not serve`);
    }
    const health = [...config.ports].find(([, what]) => what === 'health_check')?.[0];
    const healthPort = (probe: Json) => {
      const port = probe.httpGet?.port;
      return typeof port === 'number' ? port : (collector.ports ?? []).find((p: Json) => p.name === port)?.containerPort;
    };
    for (const [kind, probe] of probes(collector)) {
      if (healthPort(probe) !== health) found.push(`${where}: the collector's ${kind} is not on the health_check port ${health}`);
    }

    const listen = argAfter(engine, '--listen');
    if (listen !== config.endpoint) found.push(`${where}: the engine listens on ${listen}, the config attaches to ${config.endpoint}`);
    const engineProbes = probes(engine);
    if (!engineProbes.some(([kind]) => kind === 'livenessProbe')) found.push(`${where}: the engine has no liveness probe`);
    for (const [kind, probe] of engineProbes) {
      const command: string[] = probe.exec?.command ?? [];
      const endpoint = command[command.indexOf('--endpoint') + 1];
      if (command[0] !== 'tandem-engine' || command[1] !== 'probe' || endpoint !== listen) {
        found.push(`${where}: the engine's ${kind} is not "tandem-engine probe --endpoint ${listen}"`);
      }
    }

    const mountAt = (c: Json, dir: string) => (c.volumeMounts ?? []).find((m: Json) => m.mountPath === dir)?.name;
    const socketDir = path.dirname(config.endpoint.replace(/^unix:\/\//, ''));
    const ring = mountAt(collector, config.shmDir);
    if (!ring) {
      found.push(`${where}: nothing is mounted at shm_dir ${config.shmDir} in the collector`);
      continue;
    }
    if (mountAt(engine, config.shmDir) !== ring || mountAt(engine, socketDir) !== ring || mountAt(collector, socketDir) !== ring) {
      found.push(`${where}: the engine and the collector do not both mount volume "${ring}" at ${config.shmDir} and ${socketDir}`);
    }
    const emptyDir = volumes.get(ring)?.emptyDir;
    if (emptyDir?.medium !== 'Memory') found.push(`${where}: volume "${ring}" is not an emptyDir with medium Memory`);
    else if (!emptyDir.sizeLimit || quantityBytes(emptyDir.sizeLimit) < config.ringBytes) {
      found.push(`${where}: volume "${ring}" sizeLimit ${emptyDir.sizeLimit} is less than buffer_size x 2 x cores = ${config.ringBytes} bytes`);
    }
    const engineVolumes = new Set((engine.volumeMounts ?? []).map((m: Json) => m.name));
    const shared = (collector.volumeMounts ?? []).map((m: Json) => m.name).filter((n: string) => engineVolumes.has(n) && n !== ring);
    if (shared.length > 0) found.push(`${where}: the engine and the collector share more than the ring volume: ${shared.join(', ')}`);
    if (spec.shareProcessNamespace || spec.hostIPC || spec.hostPID || spec.hostNetwork) found.push(`${where}: shares a namespace with the node or across containers`);
  }

  for (const service of objects.filter((d) => d.kind === 'Service')) {
    const selector: Json = service.object.spec.selector ?? {};
    const pod = pods.find(({ labels }) => Object.entries(selector).every(([k, v]) => labels[k] === v));
    if (!pod) {
      found.push(`Service/${service.name}: its selector matches no pod template in these manifests`);
      continue;
    }
    const declared = [...(pod.spec.initContainers ?? []), ...pod.spec.containers].flatMap((c: Json) => c.ports ?? []);
    for (const port of service.object.spec.ports ?? []) {
      const target = port.targetPort ?? port.port;
      if (!declared.some((p: Json) => p.name === target || p.containerPort === target)) {
        found.push(`Service/${service.name}: port ${port.name ?? port.port} targets ${target}, which ${pod.where} does not declare`);
      }
    }
  }
  return found;
}

// A Kubernetes pod template run by Docker Compose, so that the pod's topology is exercised without a cluster: a
// `pod` service holds the network and IPC namespaces (the pause container's part), every container joins them, the
// native sidecars (init containers with restartPolicy Always) start in order, each once its startup probe passes,
// then the app containers; an emptyDir with medium Memory becomes a tmpfs volume of its sizeLimit, a configMap volume
// a read-only folder of the ConfigMap's files; securityContext, memory limits, command and args carry over. A field
// this translation does not know is an error, so a manifest change cannot silently fall out of the test.
import fs from 'node:fs';
import path from 'node:path';
import type { Json } from './docker';
import { quantityBytes } from './manifests';

const CONTAINER_FIELDS = new Set(['name', 'image', 'command', 'args', 'ports', 'restartPolicy', 'startupProbe', 'readinessProbe', 'livenessProbe', 'resources', 'securityContext', 'volumeMounts', 'env']);
const POD_FIELDS = new Set(['automountServiceAccountToken', 'terminationGracePeriodSeconds', 'securityContext', 'initContainers', 'containers', 'volumes']);

function known(what: string, object: Json, fields: Set<string>): void {
  const unknown = Object.keys(object).filter((k) => !fields.has(k));
  if (unknown.length > 0) throw new Error(`pod.ts does not translate ${what} fields ${unknown.join(', ')}`);
}

/** A probe as a Compose healthcheck run inside the container (the kubelet runs httpGet from outside; node is in the collector image). */
function healthcheck(probe: Json, ports: Json[]): Json {
  const every = `${probe.periodSeconds ?? 10}s`;
  const timing = { interval: every, timeout: `${probe.timeoutSeconds ?? 1}s`, retries: probe.failureThreshold ?? 3 };
  if (probe.exec) return { test: ['CMD', ...probe.exec.command], ...timing };
  if (probe.httpGet) {
    const port = typeof probe.httpGet.port === 'number' ? probe.httpGet.port : ports.find((p) => p.name === probe.httpGet.port)?.containerPort;
    const url = `http://127.0.0.1:${port}${probe.httpGet.path ?? '/'}`;
    return { test: ['CMD', 'node', '-e', `fetch('${url}').then((r) => process.exit(r.status >= 200 && r.status < 400 ? 0 : 1), () => process.exit(1))`], ...timing };
  }
  throw new Error(`pod.ts does not translate probe ${JSON.stringify(probe)}`);
}

export interface PodOptions {
  /** Image names as the manifest has them, to the images to run. */
  images: Record<string, string>;
  /** Containers replaced by a Compose service of the test's (an app whose image is not here). */
  replace?: Record<string, Json>;
  /** ConfigMaps by name: their data become the files of configMap volumes. */
  configMaps: Map<string, Json>;
  /** Where configMap volumes are written. */
  dir: string;
  /** Container ports to publish on 127.0.0.1, container port to host port. */
  publish?: Record<number, number>;
}

/** The Compose project (as an object) that runs `spec`, a pod template's spec. */
export function composeForPod(spec: Json, options: PodOptions): Json {
  known('pod', spec, POD_FIELDS);
  const security = spec.securityContext ?? {};
  const user = security.runAsUser !== undefined ? `${security.runAsUser}:${security.runAsGroup ?? security.runAsUser}` : undefined;
  const volumes: Json = {};
  const mountFor = new Map<string, (m: Json) => string>();
  for (const volume of spec.volumes ?? []) {
    if (volume.emptyDir?.medium === 'Memory') {
      const size = volume.emptyDir.sizeLimit ? `size=${quantityBytes(volume.emptyDir.sizeLimit)},` : '';
      volumes[volume.name] = { driver_opts: { type: 'tmpfs', device: 'tmpfs', o: `${size}mode=2777${security.fsGroup !== undefined ? `,gid=${security.fsGroup}` : ''}` } };
      mountFor.set(volume.name, (m) => `${volume.name}:${m.mountPath}${m.readOnly ? ':ro' : ''}`);
    } else if (volume.configMap) {
      const data = options.configMaps.get(volume.configMap.name)?.data;
      if (!data) throw new Error(`ConfigMap ${volume.configMap.name} is not among the manifests`);
      const dir = path.join(options.dir, volume.name);
      fs.mkdirSync(dir, { recursive: true });
      for (const [file, text] of Object.entries<string>(data)) fs.writeFileSync(path.join(dir, file), text, { mode: 0o644 });
      mountFor.set(volume.name, (m) => `${dir}:${m.mountPath}:ro`);
    } else {
      throw new Error(`pod.ts does not translate volume ${JSON.stringify(volume)}`);
    }
  }

  const services: Json = {
    // The pause container: it owns the namespaces, so any other container can restart without taking them along.
    pod: {
      image: options.images['tandem/engine:0.1.0'],
      entrypoint: ['sleep', 'infinity'],
      init: true, // sleep as PID 1 would ignore SIGTERM
      ipc: 'shareable',
      user,
      read_only: true,
      cap_drop: ['ALL'],
      ports: Object.entries(options.publish ?? {}).map(([inside, outside]) => `127.0.0.1:${outside}:${inside}`),
    },
  };
  let previous: { name: string; healthy: boolean } = { name: 'pod', healthy: false };
  const sidecars = (spec.initContainers ?? []).filter((c: Json) => c.restartPolicy === 'Always');
  if (sidecars.length !== (spec.initContainers ?? []).length) throw new Error('pod.ts runs native sidecars only, not run-to-completion init containers');
  const translate = (c: Json, after: typeof previous): Json => {
    known(`container ${c.name}`, c, CONTAINER_FIELDS);
    if (options.replace?.[c.name]) return { ...options.replace[c.name], network_mode: 'service:pod', ipc: 'service:pod', depends_on: { [after.name]: { condition: after.healthy ? 'service_healthy' : 'service_started' } } };
    const image = options.images[c.image];
    if (!image) throw new Error(`no image for ${c.image}`);
    const sc = c.securityContext ?? {};
    const probe = c.startupProbe ?? c.readinessProbe;
    return {
      image,
      ...(c.command ? { entrypoint: c.command } : {}),
      ...(c.args ? { command: c.args } : {}),
      ...(c.env ? { environment: Object.fromEntries(c.env.map((e: Json) => [e.name, e.value])) } : {}),
      network_mode: 'service:pod',
      ipc: 'service:pod',
      user,
      read_only: sc.readOnlyRootFilesystem === true,
      cap_drop: sc.capabilities?.drop,
      security_opt: sc.allowPrivilegeEscalation === false ? ['no-new-privileges:true'] : [],
      mem_limit: c.resources?.limits?.memory ? quantityBytes(c.resources.limits.memory) : undefined,
      restart: 'always',
      stop_grace_period: `${spec.terminationGracePeriodSeconds ?? 30}s`,
      volumes: (c.volumeMounts ?? []).map((m: Json) => {
        const mount = mountFor.get(m.name);
        if (!mount) throw new Error(`container ${c.name} mounts volume ${m.name}, which the pod does not have`);
        return mount(m);
      }),
      ...(probe ? { healthcheck: healthcheck(probe, c.ports ?? []) } : {}),
      depends_on: { [after.name]: { condition: after.healthy ? 'service_healthy' : 'service_started' } },
    };
  };
  for (const c of sidecars) {
    services[c.name] = translate(c, previous);
    previous = { name: c.name, healthy: Boolean(c.startupProbe ?? c.readinessProbe) };
  }
  for (const c of spec.containers) services[c.name] = translate(c, previous);
  return { services, volumes };
}

// The Kubernetes manifests (deploy/kubernetes/) without a cluster: strict decoding into the official API types
// (k8s.io/api, by the Go program beside them), the checks a cluster would only fail later (manifests.ts), and the
// ConfigMap's config through `tandem validate`.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { tempDir } from '../test/collector';
import { decodeStrictly, type Decoded, type Json, KUBERNETES, manifestFiles, problems, ROOT } from './manifests';

let manifests: Decoded[];

beforeAll(() => {
  const { objects, errors } = decodeStrictly(manifestFiles());
  expect(errors).toBe('');
  manifests = objects;
}, 600_000);

const find = (kind: string, name: string) => manifests.find((d) => d.kind === kind && d.name === name)!;
const podSpec = (deployment: string): Json => find('Deployment', deployment).object.spec.template.spec;
const container = (spec: Json, name: string): Json => [...(spec.initContainers ?? []), ...spec.containers].find((c: Json) => c.name === name);

test('every manifest decodes strictly into the Kubernetes API types', () => {
  expect(manifests.map((d) => `${d.kind}/${d.name}`).sort()).toEqual(['ConfigMap/tandem-config', 'Deployment/checkout', 'Deployment/tandem', 'Service/tandem']);
});

test('the strict decoding refuses an unknown field, a wrong type and an unknown kind', () => {
  const dir = tempDir('tandem-k8s-');
  try {
    const deployment = fs.readFileSync(path.join(KUBERNETES, 'deployment.yaml'), 'utf8');
    const write = (name: string, text: string) => {
      fs.writeFileSync(path.join(dir, name), text);
      return path.join(dir, name);
    };
    const typo = write('typo.yaml', deployment.replace('readOnlyRootFilesystem: true', 'readOnlyRootFilesystm: true'));
    const type = write('type.yaml', deployment.replace('sizeLimit: 40Mi', 'sizeLimit: [40Mi]'));
    const kind = write('kind.yaml', 'apiVersion: v1\nkind: Secrets\nmetadata:\n  name: x\n');
    const { objects, errors } = decodeStrictly([typo, type, kind]);
    expect(objects).toEqual([]);
    expect(errors).toContain(`${typo}: document 1: error unmarshaling JSON: while decoding JSON: json: unknown field "readOnlyRootFilesystm"`);
    expect(errors).toContain(`${type}: document 1: error unmarshaling JSON: while decoding JSON: quantities must match the regular expression`);
    expect(errors).toContain(`${kind}: document 1: apiVersion "v1" kind "Secrets" is not a type this check knows`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the manifests pass the checks a cluster would only make once the pods run', () => {
  expect(problems(manifests)).toEqual([]);
});

// Scenario / guarantee: each check fails on the mistake it is there for (so a passing run above means something).
test.each<[string, () => void, string]>([
  ['a mount without its volume', () => (podSpec('tandem').volumes = podSpec('tandem').volumes.filter((v: Json) => v.name !== 'config')), 'Deployment/tandem container collector: mounts volume "config", which the pod does not have'],
  ['a probe on an undeclared port', () => (container(podSpec('tandem'), 'collector').readinessProbe.httpGet.port = 'healthz'), 'Deployment/tandem container collector: readinessProbe points at port healthz, which the container does not declare'],
  ['a probe off the health port', () => (container(podSpec('tandem'), 'collector').livenessProbe.httpGet.port = 'metrics'), "Deployment/tandem: the collector's livenessProbe is not on the health_check port 13133"],
  ['a port the config does not serve', () => container(podSpec('tandem'), 'collector').ports.push({ name: 'zipkin', containerPort: 9411 }), 'Deployment/tandem: the collector declares port 9411, which its config does not serve'],
  ['a Service target nobody declares', () => (find('Service', 'tandem').object.spec.ports[0].targetPort = 'grpc'), 'Service/tandem: port otlp-grpc targets grpc, which Deployment/tandem does not declare'],
  ['a sizeLimit below the rings', () => (podSpec('tandem').volumes[0].emptyDir.sizeLimit = '16Mi'), 'Deployment/tandem: volume "ring" sizeLimit 16Mi is less than buffer_size x 2 x cores = 33554432 bytes'],
  ['a disk-backed ring volume', () => delete podSpec('tandem').volumes[0].emptyDir.medium, 'Deployment/tandem: volume "ring" is not an emptyDir with medium Memory'],
  ['the engine as a plain init container', () => delete container(podSpec('tandem'), 'engine').restartPolicy, 'Deployment/tandem: the engine is not a native sidecar (restartPolicy: Always)'],
  ['an engine probe on another socket', () => (container(podSpec('tandem'), 'engine').livenessProbe.exec.command[3] = 'unix:///tmp/x.sock'), 'Deployment/tandem: the engine\'s livenessProbe is not "tandem-engine probe --endpoint unix:///run/tandem/control.sock"'],
  ['an engine listening elsewhere', () => (container(podSpec('tandem'), 'engine').args[1] = 'unix:///tmp/control.sock'), 'Deployment/tandem: the engine listens on unix:///tmp/control.sock, the config attaches to unix:///run/tandem/control.sock'],
  ['the config volume shared with the engine', () => container(podSpec('tandem'), 'engine').volumeMounts.push({ name: 'config', mountPath: '/etc/tandem' }), 'Deployment/tandem: the engine and the collector share more than the ring volume: config'],
  ['a writable root filesystem', () => (container(podSpec('tandem'), 'engine').securityContext.readOnlyRootFilesystem = false), 'Deployment/tandem container engine: the root filesystem is not read-only'],
  ['an added capability', () => (container(podSpec('tandem'), 'collector').securityContext.capabilities.add = ['NET_ADMIN']), 'Deployment/tandem container collector: capabilities are not exactly "drop: [ALL]"'],
  ['no memory limit', () => delete container(podSpec('tandem'), 'collector').resources.limits, 'Deployment/tandem container collector: no memory limit or no cpu and memory requests'],
])('the checks catch %s', (_mistake, mutate, problem) => {
  const pristine = JSON.stringify(manifests);
  try {
    mutate();
    expect(problems(manifests)).toContain(problem);
  } finally {
    manifests = JSON.parse(pristine);
  }
});

test("the ConfigMap carries deploy/config.yaml, and `tandem validate` accepts it", () => {
  const config = find('ConfigMap', 'tandem-config').object.data['config.yaml'];
  expect(config).toBe(fs.readFileSync(path.join(ROOT, 'deploy', 'config.yaml'), 'utf8'));
  const dir = tempDir('tandem-k8s-');
  try {
    const file = path.join(dir, 'config.yaml');
    fs.writeFileSync(file, config);
    // In the pod the collector attaches to the engine container; here the engine is spawned, so that the same
    // components are checked against a real engine's factories.
    const run = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'bin', 'tandem.js'), 'validate', '--config', file, '--set', 'runtime.rust.mode=spawn'], { encoding: 'utf8', timeout: 60_000 });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    // And a mistake in it is caught: the check is not vacuous.
    fs.writeFileSync(file, config.replace('rust_batch:\n    timeout', 'rust_batch:\n    timeuot'));
    const bad = spawnSync(process.execPath, [path.join(ROOT, 'scripts', 'bin', 'tandem.js'), 'validate', '--config', file, '--set', 'runtime.rust.mode=spawn'], { encoding: 'utf8', timeout: 60_000 });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('timeuot');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("the example application pod carries the same engine and collector as the tandem Deployment", () => {
  const pick = (c: Json) => ({ image: c.image, args: c.args, volumeMounts: c.volumeMounts, securityContext: c.securityContext, resources: c.resources, ports: c.ports });
  const [tandem, app] = [podSpec('tandem'), podSpec('checkout')];
  for (const name of ['engine', 'collector']) expect(pick(container(app, name))).toEqual(pick(container(tandem, name)));
  expect(app.volumes).toEqual(tandem.volumes);
  expect(app.securityContext).toEqual(tandem.securityContext);
  // The app reaches the collector on localhost: the pod's containers share its network namespace.
  expect(container(app, 'app').args).toContain('--otlp-endpoint=localhost:4317');
  expect(YAML.parse(find('ConfigMap', 'tandem-config').object.data['config.yaml']).receivers.otlp.protocols.grpc.endpoint).toBe('0.0.0.0:4317');
});

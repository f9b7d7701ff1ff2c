// Tandem as a team gets it, without a registry: `npm pack` the host and the engine's platform package, install the
// tarballs into a fresh project, run the team's own main (one custom processor, then rust_batch) with the engine
// that came in the package, send with the OpenTelemetry JS SDK and read it back; and build a distribution from a
// manifest with the installed `tandem build`.
import { spawnSync, SpawnSyncOptions } from 'node:child_process';
import { readlinkSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse as parseYAML } from 'yaml';
import { Collector, freePort, tempDir, WITH_ENGINE } from './collector';
import { attr, send, written } from './sdk';

const ROOT = resolve(__dirname, '..', '..');

/** The environment of a user's machine: nothing pointing into this checkout's builds. */
const USER_ENV: NodeJS.ProcessEnv = Object.fromEntries(
  Object.entries(process.env).filter(([key]) => !['CARGO_TARGET_DIR', 'TANDEM_ENGINE_BINARY', 'TANDEM_IPC_ADDON'].includes(key)),
);

/** Runs a command to completion within `timeoutMs`; fails with its output otherwise. */
function run(command: string, args: string[], options: SpawnSyncOptions & { timeoutMs: number }): string {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: options.timeoutMs, ...options });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status ?? result.signal}):\n${result.stdout}\n${result.stderr}`);
  return String(result.stdout);
}

const STAMP = `'use strict';
// A component package of the team's: stamps every span with the configured value.
const { component, config, processor, processorhelper } = require('@tandem/host');
exports.newFactory = () => processor.newFactory('stamp', () => ({ value: 'stamped' }), [
  processor.withTraces(async (settings, cfg, next) => processorhelper.newTraces(settings, cfg, next, (_ctx, td) => {
    for (const rs of td.resourceSpans()) for (const ss of rs.scopeSpans()) for (const span of ss.spans()) span.attributes().putStr('stamp', cfg.value);
    return td;
  }, { capabilities: { mutatesData: true } }), component.StabilityLevel.Alpha),
], { configSchema: config.field.object({ value: config.field.string() }) });
`;

describe('the npm packages, installed into a fresh project', () => {
  let project: string;
  let tarballs: Record<string, string>;

  beforeAll(() => {
    const dir = tempDir('tandem-package-');
    const packed = JSON.parse(run(process.execPath, [join(ROOT, 'scripts', 'pack.js'), '--out', join(dir, 'tarballs')], { cwd: ROOT, timeoutMs: 600_000 }).trim().split('\n').pop() as string);
    tarballs = Object.fromEntries(packed.packages.map((p: { name: string; tarball: string }) => [p.name, p.tarball]));
    expect(packed.engine.packaged).toBeLessThan(packed.engine.built);
    project = join(dir, 'acme-collector');
    mkdirSync(join(project, 'stamp'), { recursive: true });
    writeFileSync(join(project, 'stamp', 'package.json'), JSON.stringify({ name: '@acme/stamp', version: '1.0.0', main: 'index.js', peerDependencies: { '@tandem/host': '*' } }));
    writeFileSync(join(project, 'stamp', 'index.js'), STAMP);
    writeFileSync(join(project, 'package.json'), JSON.stringify({
      name: 'acme-collector', version: '1.0.0', private: true,
      dependencies: { '@tandem/host': `file:${tarballs['@tandem/host']}`, '@tandem/engine-linux-x64': `file:${tarballs['@tandem/engine-linux-x64']}` },
    }));
    run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: project, timeoutMs: 300_000, env: USER_ENV });
    // The team's main: the built-ins and their processor, on the collector's command line.
    writeFileSync(join(project, 'main.js'), `'use strict';
const { collector } = require('@tandem/host');
collector.run({ factories: [...collector.builtin(), require('./stamp').newFactory()] });
`);
  }, 900_000); // packing builds what is missing; each step above has its own bound

  afterAll(() => {
    if (project) rmSync(resolve(project, '..'), { recursive: true, force: true });
  });

  test('their main runs otlp -> stamp -> rust_batch -> file with the installed engine; SDK spans come back stamped', async () => {
    const grpcPort = await freePort(); // metrics are off: no second port
    const out = join(project, 'out.jsonl');
    const yaml = `${WITH_ENGINE}receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:${grpcPort}
processors:
  stamp:
    value: acme
  rust_batch:
    timeout: 20ms
exporters:
  file:
    path: ${out}
service:
  telemetry:
    metrics:
      level: none
  pipelines:
    traces:
      receivers: [otlp]
      processors: [stamp, rust_batch]
      exporters: [file]
`;
    const collector = await Collector.launch('acme-collector', process.execPath, [join(project, 'main.js')], yaml, [grpcPort], 60_000, USER_ENV);
    try {
      const engine = JSON.parse(collector.output.split('\n').find((line) => line.includes('"Engine ready"')) as string).pid;
      expect(readlinkSync(`/proc/${engine}/exe`)).toBe(join(project, 'node_modules', '@tandem', 'engine-linux-x64', 'bin', 'tandem-engine'));
      const sent = await send('traces', 'grpc', `127.0.0.1:${grpcPort}`, 'packaged');
      const spans = written(out, 'resourceSpans', 'packaged').flatMap((rs) => rs.scopeSpans.flatMap((ss: any) => ss.spans));
      expect(spans.map((s: any) => s.spanId).sort()).toEqual(sent.map((s) => s.spanId).sort());
      expect(spans.map((s: any) => attr(s.attributes, 'stamp'))).toEqual(spans.map(() => ({ stringValue: 'acme' })));
    } finally {
      expect(await collector.stop()).toBe(0);
    }
  });

  test('`tandem build` from the installed package writes a distribution that installs and runs', () => {
    writeFileSync(join(project, 'builder.yaml'), `dist:
  name: acme-otelcol
  description: Acme's collector
  version: 1.2.3
  output_path: ./acme-otelcol
  host: ${tarballs['@tandem/host']}
components:
  - path: ./stamp
builtins:
  receivers: [otlp]
  exporters: [debug]
`);
    run(join(project, 'node_modules', '.bin', 'tandem'), ['build', '--manifest', 'builder.yaml'], { cwd: project, timeoutMs: 300_000, env: USER_ENV });
    const main = join(project, 'acme-otelcol', 'main.js');
    expect(statSync(join(project, 'acme-otelcol', 'node_modules', '@tandem', 'host', 'package.json')).isFile()).toBe(true);
    // The engine package the project installed serves the distribution inside it too (Node resolves upwards).
    const listed = parseYAML(run(process.execPath, [main, 'components'], { cwd: project, timeoutMs: 60_000, env: USER_ENV }));
    expect(listed.buildinfo).toEqual({ command: 'acme-otelcol', description: 'Acme\'s collector', version: '1.2.3' });
    const processors = listed.processors.map((p: any) => `${p.name} ${p.package} ${p.runtime}`);
    expect(processors).toEqual(expect.arrayContaining(['batch @tandem/host typescript', 'rust_batch @tandem/host rust', 'stamp @acme/stamp typescript']));
    // The sections the manifest names keep only what it lists, of the host's and the engine's components alike.
    expect([listed.receivers.map((r: any) => r.name), listed.exporters.map((e: any) => e.name)]).toEqual([['otlp'], ['debug']]);
    const config = join(project, 'dist.yaml');
    writeFileSync(config, `runtime: {rust: {mode: off}}
receivers: {otlp: {protocols: {grpc: {endpoint: "127.0.0.1:0"}}}}
processors: {stamp: {value: x}}
exporters: {debug: {}}
service: {pipelines: {traces: {receivers: [otlp], processors: [stamp], exporters: [debug]}}}
`);
    run(process.execPath, [main, 'validate', '--config', config], { cwd: project, timeoutMs: 60_000, env: USER_ENV });
    const refused = spawnSync(process.execPath, [main, 'validate', '--config', config, '--set', 'exporters.file.path=x'], { encoding: 'utf8', env: USER_ENV });
    expect(refused.stderr).toContain('unknown type: "file" for id: "file" (valid values: [debug])');
  }, 400_000);
});

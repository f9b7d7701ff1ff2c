// `tandem build`: a manifest becomes a distribution package whose main runs the collector with the components named.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse as parseYAML } from 'yaml';
import { build, readManifest } from '../../src/builder';
import { main } from '../../src/cli/main';

const HOST = path.resolve(__dirname, '..', '..');

function project(manifest: string): { dir: string; file: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-builder-'));
  const component = path.join(dir, 'components', 'stamp');
  fs.mkdirSync(component, { recursive: true });
  fs.writeFileSync(path.join(component, 'package.json'), JSON.stringify({ name: '@acme/stamp', version: '1.0.0', main: 'index.js' }));
  // A component package as a user writes it: it requires the host it is installed next to.
  fs.writeFileSync(path.join(component, 'index.js'), `'use strict';
const { component, processor, processorhelper } = require('@tandem/host');
exports.newFactory = () => processor.newFactory('stamp', () => ({}), [
  processor.withLogs(async (settings, config, next) => processorhelper.newLogs(settings, config, next, (_ctx, ld) => ld), component.StabilityLevel.Alpha),
]);
`);
  const file = path.join(dir, 'builder.yaml');
  fs.writeFileSync(file, manifest);
  return { dir, file };
}

const MANIFEST = `dist:
  name: acme-otelcol
  description: Acme's collector
  version: 2.0.0
  output_path: ./out
  host: ${HOST}
components:
  - path: ./components/stamp
  - package: "@acme/redaction"
    version: ^1.2.0
builtins:
  receivers: [otlp]
  exporters: [debug, file]
`;

describe('tandem build', () => {
  test('writes a package that depends on the host and the components, with a main that runs them', () => {
    const { dir, file } = project(MANIFEST);
    const { outputPath } = build(file, { install: false });
    expect(outputPath).toBe(path.join(dir, 'out'));
    const pkg = JSON.parse(fs.readFileSync(path.join(outputPath, 'package.json'), 'utf8'));
    expect(pkg).toMatchObject({
      name: 'acme-otelcol', version: '2.0.0', bin: { 'acme-otelcol': 'main.js' },
      dependencies: { '@tandem/host': `file:${path.relative(outputPath, HOST)}`, '@acme/stamp': 'file:../components/stamp', '@acme/redaction': '^1.2.0' },
    });
    const program = fs.readFileSync(path.join(outputPath, 'main.js'), 'utf8');
    expect(program).toContain('builtins: {"receivers":["otlp"],"exporters":["debug","file"]},');
    expect(program).toContain('collector.loadPackage("@acme/stamp", () => require("@acme/stamp"))');
  });

  test('the written main is the collector\'s command line with the manifest\'s components and built-ins only', () => {
    const { file } = project(MANIFEST.replace(/  - package: "@acme\/redaction"\n    version: \^1.2.0\n/, ''));
    const { outputPath } = build(file, { install: false });
    // What `npm install` would do for the two local dependencies.
    const modules = path.join(outputPath, 'node_modules', '@tandem');
    fs.mkdirSync(modules, { recursive: true });
    fs.symlinkSync(HOST, path.join(modules, 'host'));
    fs.mkdirSync(path.join(outputPath, 'node_modules', '@acme'));
    fs.symlinkSync(path.join(outputPath, '..', 'components', 'stamp'), path.join(outputPath, 'node_modules', '@acme', 'stamp'));
    // The component resolves @tandem/host from its own folder, as it would once installed.
    fs.symlinkSync(path.join(outputPath, 'node_modules'), path.join(outputPath, '..', 'components', 'stamp', 'node_modules'));
    // Run by its shebang, with the host's node flag, as the bin npm links would be.
    const main = path.join(outputPath, 'main.js');
    expect(fs.readFileSync(main, 'utf8').split('\n')[0]).toBe('#!/usr/bin/env -S node --single-threaded-gc');
    fs.chmodSync(main, 0o755);
    const listed = spawnSync(main, ['components'], { encoding: 'utf8', env: { ...process.env, TANDEM_ENGINE_BINARY: '/nonexistent' } });
    expect(listed.status).toBe(0);
    const doc = parseYAML(listed.stdout);
    expect(doc.buildinfo).toEqual({ command: 'acme-otelcol', description: 'Acme\'s collector', version: '2.0.0' });
    expect(doc.receivers.map((r: any) => r.name)).toEqual(['otlp']);
    // A section the manifest leaves out keeps every built-in of its kind.
    expect(doc.processors.map((p: any) => `${p.name} ${p.package}`)).toEqual(['batch @tandem/host', 'memory_limiter @tandem/host', 'stamp @acme/stamp']);
    expect(doc.exporters.map((e: any) => e.name)).toEqual(['debug', 'file']);
    expect(listed.stderr).toContain('listing the host\'s components only');
  });

  test('a manifest with a problem is refused with the manifest and key named', () => {
    const check = (text: string) => () => readManifest(project(text).file);
    expect(check('dist: {name: "Not A Name"}')).toThrow('dist::name must be an npm package name, got "Not A Name"');
    expect(check('dist: {name: acme}\ncomponents: [{package: a, path: ./b}]')).toThrow('components[0] needs exactly one of "package" and "path"');
    expect(check('dist: {name: acme}\nbuiltins: {processors: [nope]}')).toThrow('builtins: unknown built-in processor "nope" (valid values: [batch memory_limiter], or the engine\'s rust_*)');
    expect(check('dist: {name: acme, outputpath: x}')).toThrow("'dist' has invalid keys: outputpath");
    expect(readManifest(project('dist: {name: "@acme/otelcol"}').file).dist.output_path).toBe('./otelcol');
  });

  test('the CLI: build needs a manifest, and reports its problems without a stack trace', async () => {
    const writes: string[] = [];
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => { writes.push(String(chunk)); return true; });
    try {
      await main(['build', '--manifest', '/nonexistent/builder.yaml']);
    } finally {
      spy.mockRestore();
    }
    expect(writes.join('')).toMatch(/^Error: build failed: cannot read the manifest \/nonexistent\/builder.yaml: ENOENT/);
    expect(process.exitCode).toBe(1);
    process.exitCode = undefined;
  });
});

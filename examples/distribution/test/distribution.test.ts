// The distribution's command line: its build info, its components with their packages, a config using them.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse as parseYAML } from 'yaml';

const MAIN = resolve(__dirname, '..', 'dist', 'main.js');
/** Without the engine: these checks are about the host side of the distribution. */
const HOST_ONLY = { ...process.env, TANDEM_ENGINE_BINARY: '/nonexistent/tandem-engine' };

test('components lists the example components with their packages, next to the built-ins', () => {
  const listed = spawnSync(process.execPath, [MAIN, 'components'], { encoding: 'utf8', env: HOST_ONLY });
  expect(listed.status).toBe(0);
  const doc = parseYAML(listed.stdout);
  expect(doc.buildinfo).toEqual({ command: 'acme-otelcol', description: 'Acme OpenTelemetry Collector (Tandem examples)', version: '0.1.0' });
  const named = (section: string) => Object.fromEntries(doc[section].map((c: any) => [c.name, c.package]));
  expect(named('receivers')).toEqual({ otlp: '@tandem/host', webhook: '@tandem-examples/webhook-receiver' });
  expect(named('processors')).toMatchObject({ batch: '@tandem/host', redact: '@tandem-examples/redaction-processor' });
  expect(named('exporters')).toMatchObject({ debug: '@tandem/host', webhook: '@tandem-examples/webhook-exporter' });
});

test('a config with all three validates; one the redactor refuses names its package and pipeline', () => {
  const dir = mkdtempSync(join(tmpdir(), 'acme-otelcol-'));
  const config = join(dir, 'config.yaml');
  writeFileSync(config, `runtime: {rust: {mode: off}}
receivers: {webhook: {endpoint: "127.0.0.1:0"}}
processors: {redact: {key_patterns: [password]}}
exporters: {webhook: {endpoint: "http://127.0.0.1:9/hook"}}
service: {pipelines: {logs: {receivers: [webhook], processors: [redact], exporters: [webhook]}}}
`);
  const valid = spawnSync(process.execPath, [MAIN, 'validate', '--config', config], { encoding: 'utf8', env: HOST_ONLY });
  expect([valid.status, valid.stderr]).toEqual([0, '']);
  const refused = spawnSync(process.execPath, [MAIN, 'validate', '--config', config, '--set', 'processors.redact.key_patterns=[]'], { encoding: 'utf8', env: HOST_ONLY });
  expect(refused.status).toBe(1);
  expect(refused.stderr).toBe('Error: no pipeline can run: processor "redact" (package "@tandem-examples/redaction-processor"): '
    + 'invalid configuration: "key_patterns" must list at least one pattern; pipelines not running: ["logs"]\n');
});

test('builder.yaml describes the same distribution: tandem build writes a main loading the same packages', () => {
  const output = resolve(__dirname, '..', 'build', 'acme-otelcol');
  const tandem = require.resolve('@tandem/host/package.json').replace(/package\.json$/, 'bin/tandem.js');
  try {
    const built = spawnSync(process.execPath, [tandem, 'build', '--manifest', resolve(__dirname, '..', 'builder.yaml'), '--skip-install'], { encoding: 'utf8' });
    expect([built.status, built.stderr]).toEqual([0, '']);
    const loaded = (text: string) => [...text.matchAll(/loadPackage\(['"]([^'"]+)['"]/g)].map((m) => m[1]);
    const generated = readFileSync(join(output, 'main.js'), 'utf8');
    expect(loaded(generated)).toEqual(loaded(readFileSync(resolve(__dirname, '..', 'src', 'main.ts'), 'utf8')));
    expect(JSON.parse(readFileSync(join(output, 'package.json'), 'utf8')).bin).toEqual({ 'acme-otelcol': 'main.js' });
  } finally {
    rmSync(resolve(__dirname, '..', 'build'), { recursive: true, force: true });
  }
});

#!/usr/bin/env node
// Regenerates the host's OTLP code from the .proto files in this folder. The output is committed (never edit it by
// hand) so that building the host needs no code generator:
//   ts-host/generated/otlp.js    static protobufjs encoders/decoders (pbjs -t static-module)
//   ts-host/generated/otlp.d.ts  their TypeScript types (pbts)
//   ts-host/generated/otlp.json  the schema as a protobufjs descriptor, which drives the wire walker in pdata/
// Run from the repository root after `npm install`: node proto/otlp/generate.js
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..', '..');
const outDir = path.join(root, 'ts-host', 'generated');
const bin = (name) => path.join(root, 'node_modules', '.bin', name);

const protos = [
  'opentelemetry/proto/collector/trace/v1/trace_service.proto',
  'opentelemetry/proto/collector/metrics/v1/metrics_service.proto',
  'opentelemetry/proto/collector/logs/v1/logs_service.proto',
  'google/rpc/status.proto',
];
const common = ['--path', __dirname, '--no-delimited', '--no-verify', '--no-service', '--no-typeurl', '--force-long'];

function pbjs(target, out, extra = []) {
  execFileSync(bin('pbjs'), ['-t', target, ...extra, ...common, '-o', out, ...protos], { cwd: __dirname, stdio: 'inherit' });
}

fs.mkdirSync(outDir, { recursive: true });
// pbts reads the types from the JSDoc comments, so it gets a commented copy; the committed module is left uncommented.
const commented = path.join(fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'otlp-')), 'otlp.js');
pbjs('static-module', commented, ['-w', 'commonjs']);
execFileSync(bin('pbts'), ['--no-comments', '-o', path.join(outDir, 'otlp.d.ts'), commented], { stdio: 'inherit' });
fs.rmSync(path.dirname(commented), { recursive: true });
pbjs('static-module', path.join(outDir, 'otlp.js'), ['-w', 'commonjs', '--no-comments']);
pbjs('json', path.join(outDir, 'otlp.json'));

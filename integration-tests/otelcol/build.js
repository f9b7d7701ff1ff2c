#!/usr/bin/env node
// Builds the Go Collector (collector/) and telemetrygen (telemetrygen/) that Tandem's tests and benchmarks use, from
// the Go module proxy at the versions their go.mod/go.sum pin, into $HOME/.cache/tandem/otelcol/. Each binary's
// name carries a hash of its module's files, so a change to them builds a new one; an existing binary is reused.
// Usage: node build.js            builds what is missing, prints both paths
// From code: require('./build.js').otelcol() / .telemetrygen() return a binary's path, building it first if needed.
'use strict';
const { execFileSync } = require('node:child_process');
const { createHash } = require('node:crypto');
const { existsSync, mkdirSync, readFileSync, renameSync, rmSync } = require('node:fs');
const { homedir } = require('node:os');
const { join } = require('node:path');

const CACHE = join(homedir(), '.cache', 'tandem', 'otelcol');

/** The binary of the Go module in `folder`, named `name-<hash of its files>`, built with `go build <target>`. */
function binary(name, folder, files, target) {
  const module = join(__dirname, folder);
  const hash = createHash('sha256');
  for (const file of files) hash.update(file).update('\0').update(readFileSync(join(module, file))).update('\0');
  const path = join(CACHE, `${name}-${hash.digest('hex').slice(0, 12)}`);
  if (existsSync(path)) return path;
  mkdirSync(CACHE, { recursive: true });
  // Built beside its final name and renamed into place, so that two builds at once cannot leave half a binary.
  const partial = `${path}.partial-${process.pid}`;
  const started = Date.now();
  process.stderr.write(`[otelcol] building ${name} into ${path} (a few minutes the first time)\n`);
  try {
    execFileSync('go', ['build', '-trimpath', '-o', partial, target], { cwd: module, stdio: ['ignore', 'inherit', 'inherit'] });
    renameSync(partial, path);
  } finally {
    rmSync(partial, { force: true });
  }
  process.stderr.write(`[otelcol] ${name} built in ${Math.round((Date.now() - started) / 1000)} s\n`);
  return path;
}

const otelcol = () => binary('otelcol', 'collector', ['go.mod', 'go.sum', 'main.go'], '.');
const telemetrygen = () => binary('telemetrygen', 'telemetrygen', ['go.mod', 'go.sum', 'tools.go'],
  'github.com/open-telemetry/opentelemetry-collector-contrib/cmd/telemetrygen');

module.exports = { otelcol, telemetrygen };

if (require.main === module) {
  console.log(otelcol());
  console.log(telemetrygen());
}

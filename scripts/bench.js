#!/usr/bin/env node
// `npm run bench [ipc|host|otap|ui|latency|components|soak|collector|crossing|replay|sparse ...]`: build what is missing, then run each benchmark's driver (bench/<name>/run.js).
// Every driver measures its baseline in the same run, prints the ratios, writes bench/results/<name>.json and its section
// of bench/RESULTS.md. Benchmarks are never part of `npm test`.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const all = ['ipc', 'host', 'otap', 'ui', 'latency', 'components', 'soak', 'collector', 'crossing', 'replay', 'sparse'];

function run(args) {
  const result = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

const wanted = process.argv.slice(2);
for (const name of wanted) {
  if (!all.includes(name)) {
    console.error(`unknown benchmark "${name}" (valid values: [${all.join(', ')}])`);
    process.exit(2);
  }
}
const prepared = run([path.join(__dirname, 'prepare.js')]);
if (prepared !== 0) process.exit(prepared);

let failed = 0;
for (const name of wanted.length > 0 ? wanted : all) {
  const driver = path.join(root, 'bench', name, 'run.js');
  if (!fs.existsSync(driver)) {
    console.error(`[bench] ${name}: no driver at ${path.relative(root, driver)} yet`);
    failed++;
    continue;
  }
  process.stderr.write(`[bench] ${name}\n`);
  if (run([driver]) !== 0) failed++;
}
process.exit(failed === 0 ? 0 : 1);

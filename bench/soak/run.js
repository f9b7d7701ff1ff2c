#!/usr/bin/env node
// `npm run bench:soak`: does the engine's memory settle? Paced OTLP trace requests (SOAK_RATE per second, default 96,
// 10 spans each) through `otlp -> rust_batch -> otlp_grpc` for SOAK_SECONDS (default 300), first into a sink that
// accepts them, then for a third as long into a destination that is down (every export fails and is retried until
// the request's deadline). The Go Collector's `otlp -> batch -> otlp` takes the same load in the same run as the
// baseline. RSS of host, engine and Go is sampled every few seconds; the figure that matters is the engine's growth
// over the second half of the accepted phase (a leak keeps growing; a working set stops).
'use strict';
const fs = require('node:fs');
const grpc = require('@grpc/grpc-js');
const path = require('node:path');
const { freePort, machine, startGoCollector, startTandem, startTraceSink, stopCollector, traceRequest, writeResults } = require('../lib');

const { rawExportService } = require(path.join(__dirname, '..', '..', 'ts-host', 'dist', 'pdata'));
const RATE = Number(process.env.SOAK_RATE ?? 96);
const SECONDS = Number(process.env.SOAK_SECONDS ?? 300);
const SAMPLE_MS = 5_000;
const READING = `How to read it: a process's RSS counts the pages of the rings it has touched (shared memory, mapped by host and
engine alike). Records move through a ring front to back, so its pages are touched for the first time one after another
until the ring has wrapped once: RSS climbs by what crossed, up to \`buffer_size\` per ring and direction, then stays.
The engine's own memory (RssAnon: heap, stacks) is the figure a leak would move.`;

/** RSS in MiB, and the part of it that is the process's own (RssAnon: heap, stacks), not shared memory (the rings). */
function rssMiB(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8').split('\n');
  const kib = (field) => Number(status.find((l) => l.startsWith(`${field}:`)).split(/\s+/)[1]);
  return { rss: kib('VmRSS') / 1024, anon: kib('RssAnon') / 1024 };
}

function childrenOf(pid) {
  return fs.readdirSync(`/proc/${pid}/task`).flatMap((task) => fs.readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').split(' ').filter(Boolean).map(Number));
}

/** Sends one request every 1000/RATE ms (never more than 256 in flight) until `until`; samples RSS on the way. */
async function pace(address, request, until, sample) {
  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  const method = rawExportService('traces').Export;
  const counts = { sent: 0, ok: 0, failed: 0 };
  let inFlight = 0;
  const started = Date.now();
  let nextSample = started;
  while (Date.now() < until) {
    if (Date.now() >= nextSample) {
      sample((Date.now() - started) / 1000);
      nextSample += SAMPLE_MS;
    }
    const due = started + (counts.sent * 1000) / RATE;
    if (Date.now() < due || inFlight >= 256) {
      await new Promise((resolve) => setTimeout(resolve, Math.max(1, due - Date.now())));
      continue;
    }
    counts.sent++;
    inFlight++;
    client.makeUnaryRequest(method.path, method.requestSerialize, method.responseDeserialize, request, { deadline: Date.now() + 2_000 }, (err) => {
      inFlight--;
      if (err) counts.failed++;
      else counts.ok++;
    });
  }
  while (inFlight > 0) await new Promise((resolve) => setTimeout(resolve, 10));
  client.close();
  return counts;
}

/** Linear growth in KiB per request over the samples (least squares of `field` against requests sent). */
function growthKiBPerRequest(samples, field) {
  const n = samples.length;
  if (n < 2) return 0;
  const xs = samples.map((s) => s.t * RATE);
  const ys = samples.map((s) => s[field] * 1024);
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  const num = xs.reduce((sum, x, i) => sum + (x - mx) * (ys[i] - my), 0);
  const den = xs.reduce((sum, x) => sum + (x - mx) ** 2, 0);
  return den === 0 ? 0 : num / den;
}

function config(receiverPort, destination, processor, exporter) {
  return `receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:${receiverPort}
processors:
  ${processor}:
    timeout: 200ms
exporters:
  ${exporter}:
    endpoint: 127.0.0.1:${destination}
    tls:
      insecure: true
    retry_on_failure:
      enabled: false
    sending_queue:
      enabled: false
service:
  telemetry:
    metrics:
      level: none
  pipelines:
    traces:
      receivers: [otlp]
      processors: [${processor}]
      exporters: [${exporter}]
`;
}

/** One collector through both phases: accepted, then the destination down. Resolves with its samples per process. */
async function soak(name, start, processor, exporter) {
  const sink = await startTraceSink();
  const [port, downPort] = [await freePort(), await freePort()];
  const request = traceRequest(10);
  const phases = {};
  for (const [phase, destination, seconds] of [['accepted', sink.port, SECONDS], ['destination down', downPort, Math.round(SECONDS / 3)]]) {
    const child = await start(config(port, destination, processor, exporter), port);
    const processes = { [name]: child.pid, ...Object.fromEntries(childrenOf(child.pid).map((pid) => [`${name} engine`, pid])) };
    const samples = Object.fromEntries(Object.keys(processes).map((p) => [p, []]));
    const counts = await pace(`127.0.0.1:${port}`, request, Date.now() + seconds * 1000, (t) => {
      for (const [p, pid] of Object.entries(processes)) samples[p].push({ t, ...rssMiB(pid) });
    });
    await stopCollector(child);
    phases[phase] = { counts, samples };
    process.stderr.write(`[soak] ${name}, ${phase}: ${JSON.stringify(counts)}\n`);
  }
  sink.stop();
  return phases;
}

function summary(samples) {
  const half = samples.slice(Math.floor(samples.length / 2));
  const mib = (v) => Math.round(v * 10) / 10;
  const last = samples[samples.length - 1];
  const growth = (field) => Math.round(growthKiBPerRequest(half, field) * 1000) / 1000;
  return {
    start_mib: mib(samples[0].rss), end_mib: mib(last.rss), max_mib: mib(Math.max(...samples.map((s) => s.rss))),
    own_start_mib: mib(samples[0].anon), own_end_mib: mib(last.anon),
    second_half_kib_per_request: growth('rss'), own_second_half_kib_per_request: growth('anon'),
  };
}

async function main() {
  const runs = {
    tandem: await soak('tandem', startTandem, 'rust_batch', 'otlp_grpc'),
    go: await soak('go', startGoCollector, 'batch', 'otlp'),
  };
  const rows = [];
  const result = { machine: machine(), date: new Date().toISOString(), rate: RATE, seconds: SECONDS, load_average: require('node:os').loadavg(), processes: {} };
  for (const phases of Object.values(runs)) {
    for (const [phase, { counts, samples }] of Object.entries(phases)) {
      for (const [processName, series] of Object.entries(samples)) {
        const s = summary(series);
        result.processes[`${processName}, ${phase}`] = { ...s, counts };
        rows.push(`| ${processName} | ${phase} | ${counts.ok} ok, ${counts.failed} failed | ${s.start_mib} -> ${s.end_mib} (max ${s.max_mib}) | ${s.own_start_mib} -> ${s.own_end_mib} | ${s.second_half_kib_per_request} | ${s.own_second_half_kib_per_request} |`);
      }
    }
  }
  const table = [
    '| process | phase | requests | RSS, MiB | own memory (RssAnon), MiB | RSS growth, second half (KiB/request) | own memory growth, second half (KiB/request) |',
    '| --- | --- | --- | --- | --- | --- | --- |', ...rows,
  ].join('\n');
  console.log(table);
  writeResults('soak', 'Soak: memory under steady load', result, `${RATE} requests/s of 10 spans for ${SECONDS} s into a sink, then ${Math.round(SECONDS / 3)} s into a destination that is down; Tandem \`otlp -> rust_batch -> otlp_grpc\`, the Go Collector \`otlp -> batch -> otlp\` in the same run. Load average at the end ${result.load_average.map((v) => v.toFixed(1)).join(', ')}.\n\n${table}\n\n${READING}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

#!/usr/bin/env node
// OTAP at the collector's own limit: issue 13's `rust_otap -> rust_attributes -> rust_otap_grpc` row (>= 3x Go's
// `otelarrow -> attributes -> otelarrow` per CPU-second, >= 1M spans/s on one core), with nothing around the
// collector under test but a replaying source and a counting sink (bench/otap/peer, `replay` and `sink`): the source
// encodes generated spans into one OTAP stream once and replays it on fresh Arrow streams, several at once with a window
// of batches in flight each; the sink decodes each batch, counts its spans and acknowledges it. Tandem (engine on one
// core) and Go (the collectors of bench:collector, same attributes action) take turns, round after round, on the same
// source and sink. Reports spans/s, spans per CPU-second of the collector (all its processes and threads), the
// ratio Tandem / Go, and the spans acknowledged that the sink never counted (lost, must be 0).
// Writes bench/results/replay.json and the "OTAP replay" section of bench/RESULTS.md.
'use strict';
const { spawn } = require('node:child_process');
const readline = require('node:readline');
const { machine, writeResults, freePort, stopCollector, processTree, cpuSeconds, median, loadAverage, OTAP_PEER } = require('../lib');
const { COLLECTORS } = require('../collector/run');

const WINDOW_MS = Number(process.env.BENCH_DURATION_MS ?? 10_000);
const WARMUP_MS = Number(process.env.BENCH_WARMUP_MS ?? 2_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SOURCE = { spans: 1000, batches: 32, streams: 4, window: 4 };
const SUBJECT = 'tandem_otap';
const BASELINE = 'go_otap';

const progress = (message) => process.stderr.write(`[replay] ${new Date().toISOString()} ${message}\n`);

/** Runs the peer with `args`; resolves with the child and a function giving its next JSON line on stdout. */
function peer(args) {
  const child = spawn(OTAP_PEER, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = readline.createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async () => {
    const { value, done } = await lines.next();
    if (done) throw new Error(`tandem-otap-bench ${args[0]} ended without a result`);
    return JSON.parse(value);
  };
  return { child, next };
}

/** The source for `ms` against `port`: what the collector acknowledged. */
async function replay(port, ms) {
  const { next } = peer(['replay', '--to', `127.0.0.1:${port}`, '--spans', SOURCE.spans, '--batches', SOURCE.batches, '--streams', SOURCE.streams,
    '--window', SOURCE.window, '--ms', ms].map(String));
  const result = await next();
  if (result.errors.length > 0 || result.batches_refused > 0) throw new Error(`the source failed: ${JSON.stringify(result)}`);
  return result;
}

/** One collector between a fresh sink and the source: a warm-up, then a measured window. */
async function measure(name) {
  const collector = COLLECTORS[name];
  const sink = peer(['sink', '--listen', '127.0.0.1:0']);
  const { listening } = await sink.next();
  const port = await freePort();
  const child = await collector.start(collector.yaml(port, listening), port);
  try {
    const warm = await replay(port, WARMUP_MS);
    const pids = processTree(child.pid);
    const cpu = () => pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
    const before = cpu();
    const measured = await replay(port, WINDOW_MS);
    const seconds = cpu() - before;
    await stopCollector(child);
    sink.child.stdin.end();
    const received = await sink.next();
    return {
      spans_per_second: Math.round(measured.spans_acked / (WINDOW_MS / 1000)),
      spans_per_cpu_second: Math.round(measured.spans_acked / seconds),
      cpu_seconds: Number(seconds.toFixed(2)),
      spans_acked: warm.spans_acked + measured.spans_acked,
      spans_received: received.spans,
      spans_lost: Math.max(0, warm.spans_acked + measured.spans_acked - received.spans),
      undecodable: received.undecodable,
    };
  } finally {
    await stopCollector(child);
    sink.child.kill();
  }
}

function summary(runs) {
  const pick = (field) => median(runs.map((r) => r[field]));
  return { spans_per_second: pick('spans_per_second'), spans_per_cpu_second: pick('spans_per_cpu_second'), spans_lost: runs.reduce((n, r) => n + r.spans_lost, 0), runs };
}

function writeReplayResults(result) {
  const { subject: t, baseline: g } = result;
  const row = (name, r) => `| ${name} | ${r.spans_per_second} (${r.runs.map((x) => x.spans_per_second).join(', ')}) | ${r.spans_per_cpu_second} (${
    r.runs.map((x) => x.spans_per_cpu_second).join(', ')}) | ${r.spans_lost} |`;
  const ratio = (field) => (t[field] / g[field]).toFixed(2);
  writeResults('replay', 'OTAP replay', result, `
The OTAP row of issue 13 at the collector's own limit: a source that replays one pre-encoded OTAP stream
(${SOURCE.batches} batches of ${SOURCE.spans} generated spans, \`bench/otap/peer/src/generate.rs\`) on fresh Arrow streams, ${SOURCE.streams} at once
with ${SOURCE.window} batches in flight each, and a sink that decodes every batch, counts its spans and acknowledges it
(\`tandem-otap-bench replay\` and \`sink\`). The collectors are bench:collector's, the same attributes action on both:
${result.names.subject}, engine on one core, against ${result.names.baseline}. Median of ${ROUNDS} rounds
(each run's figure in brackets), ${WINDOW_MS / 1000} s windows after ${WARMUP_MS / 1000} s of warm-up, the collectors taking turns. The
CPU is the collector's (all its processes and threads); the source and the sink share the machine's ${result.cores} cores with it.
Load average (1, 5, 15 min) at the start: ${result.load_average.start.join(', ')}; at the end: ${result.load_average.end.join(', ')}.

| collector | spans/s | spans per CPU-s | lost |
| --- | ---: | ---: | ---: |
${row(result.names.subject, t)}
${row(result.names.baseline, g)}

Tandem / Go: **${ratio('spans_per_second')}x** spans/s, **${ratio('spans_per_cpu_second')}x** spans per CPU-second (target 3x). Spans per
CPU-second of Tandem against the 1M spans/s on one core wanted: ${t.spans_per_cpu_second >= 1e6 ? 'met' : 'not met'}.`);
}

async function main() {
  const start = loadAverage();
  const runs = { [SUBJECT]: [], [BASELINE]: [] };
  for (let round = 0; round < ROUNDS; round++) {
    for (const name of Object.keys(runs)) {
      progress(`round ${round + 1}: ${name}`);
      runs[name].push(await measure(name));
    }
  }
  const result = {
    date: new Date().toISOString(), machine: machine(), cores: require('node:os').cpus().length, source: SOURCE, window_seconds: WINDOW_MS / 1000,
    names: { subject: COLLECTORS[SUBJECT].name, baseline: COLLECTORS[BASELINE].name },
    subject: summary(runs[SUBJECT]), baseline: summary(runs[BASELINE]), load_average: { start, end: loadAverage() },
  };
  console.log(JSON.stringify(result, null, 2));
  writeReplayResults(result);
  const lost = result.subject.spans_lost + result.baseline.spans_lost;
  if (lost > 0) throw new Error(`${lost} acknowledged spans never reached the sink`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

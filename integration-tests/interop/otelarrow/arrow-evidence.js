#!/usr/bin/env node
// Reads the Go Collector's own metrics (Prometheus text, telemetry level `detailed`) and tells whether one of its
// `otelarrow` exporters delivered over Arrow streams: the exporter's network stats count the bytes it sent and the
// bytes it received back (the receiver's BatchStatus messages) per gRPC method. Arrow is shown when bytes went both
// ways on the Arrow stream methods only, none on OTLP's Export methods, and the exporter counts items as sent.
// Usage: node arrow-evidence.js <metrics.txt> <exporter id>
// Prints one line; exits 0 when Arrow is shown, 1 otherwise.
'use strict';
const { readFileSync } = require('node:fs');

const [path, exporter] = process.argv.slice(2);
const samples = readFileSync(path, 'utf8').split('\n').filter((line) => line && !line.startsWith('#')).map((line) => {
  const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
  if (!match) return undefined;
  const labels = Object.fromEntries([...(match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
  return { name: match[1], labels, value: Number(match[3]) };
}).filter((s) => s && s.labels.exporter === exporter);

/** Sum of a metric's samples per gRPC method, for the metric names matching `pattern`. */
function perMethod(pattern) {
  const out = {};
  for (const s of samples.filter((s) => pattern.test(s.name) && s.labels.method)) {
    const method = s.labels.method.replace(/^\/opentelemetry\.proto\.(experimental\.arrow\.v1|collector\.[a-z]+\.v1)\./, '');
    out[method] = (out[method] ?? 0) + s.value;
  }
  return out;
}
const items = (kind) => samples.filter((s) => new RegExp(`^otelcol_exporter_${kind}_(spans|metric_points|log_records)(_total)?$`).test(s.name)).reduce((n, s) => n + s.value, 0);

const sent = perMethod(/^otelcol_exporter_sent_wire(_bytes)?(_total)?$/);
const received = perMethod(/^otelcol_exporter_recv_wire(_bytes)?(_total)?$/);
const isArrow = (method) => /^Arrow(Traces|Metrics|Logs)Service\//.test(method);
const arrowSent = Object.keys(sent).filter(isArrow);
const otlpSent = Object.keys(sent).filter((m) => !isArrow(m));
const arrowReceived = Object.keys(received).filter(isArrow);
const ok = arrowSent.length > 0 && arrowReceived.length > 0 && otlpSent.length === 0 && items('sent') > 0;
const show = (o) => Object.entries(o).map(([m, b]) => `${m.split('/')[1]} ${b} B`).join(', ') || 'none';
console.log(`${exporter}: items sent ${items('sent')}, failed ${items('send_failed')}; wire bytes sent: ${show(sent)}; received (statuses): ${show(received)}`);
process.exit(ok ? 0 : 1);

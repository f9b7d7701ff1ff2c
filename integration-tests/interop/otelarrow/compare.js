#!/usr/bin/env node
// Compares what two `file` exporters (OTLP/JSON, one request a line) wrote for one test run: the resources of a
// signal whose resource has `test.run = <run>`, or that hold a scope named <run>. Both files are polled until the run
// shows up in them and stops growing, since they are written after the data crossed an Arrow stream.
// Usage: node compare.js <traces|metrics|logs> <run> <reference.jsonl> <candidate.jsonl> [deadline]
// (deadline: epoch milliseconds until which the files are polled; default 20 s from now)
// Prints one summary line on stdout; exits 1, with the differences on stderr, when they do not hold the same data.
//
// The verdict names the first of these levels at which the two sides are equal:
//   identical            the same JSON;
//   same spelling        equal once both are spelled one way: the two files come from different writers (Tandem's
//                        TypeScript host, the Go Collector's pdata) that may write a field holding its default value
//                        or leave it out, and write a 64-bit integer as a number or a string;
//   same data (...)      equal once, in addition, the named liberties are allowed, each of which leaves the OTLP
//                        meaning unchanged:
//                        - attribute order: attributes (and key-value lists) are maps, their order means nothing;
//                        - grouping/order: resources and scopes may be merged or split and records reordered, as
//                          an Arrow encoder's batching and sorting do; compared as a multiset of records, each with
//                          its resource and scope (metrics: one data point with its metric);
//                        - event/link order: a span's events and links are compared as multisets (they carry
//                          their own timestamps and ids);
//                        - zero ids: a trace or span id of all zeros stands for "none" as an absent one does.
// Anything else (a value, a field, a record gained or lost) is a mismatch.
'use strict';
const { existsSync, readFileSync } = require('node:fs');

const [signal, run, referencePath, candidatePath, deadlineArg] = process.argv.slice(2);
const deadline = deadlineArg ? Number(deadlineArg) : Date.now() + 20_000;
const KEYS = { traces: ['resourceSpans', 'scopeSpans', 'spans'], metrics: ['resourceMetrics', 'scopeMetrics', 'metrics'], logs: ['resourceLogs', 'scopeLogs', 'logRecords'] };
if (!KEYS[signal] || !run || !referencePath || !candidatePath) {
  console.error('usage: node compare.js <traces|metrics|logs> <run> <reference.jsonl> <candidate.jsonl> [deadline]');
  process.exit(2);
}
const [resourceKey, scopeKey, itemKey] = KEYS[signal];
const METRIC_TYPES = ['sum', 'gauge', 'histogram', 'exponentialHistogram', 'summary'];

/** The resources of this signal and run in a file (none while the file does not exist). */
function written(path) {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line))
    .flatMap((request) => request[resourceKey] ?? [])
    .filter((resource) => (resource.resource?.attributes ?? []).some((kv) => kv.key === 'test.run' && kv.value?.stringValue === run)
      || (resource[scopeKey] ?? []).some((scope) => scope.scope?.name === run));
}

/** Every record (metrics: every data point, with its metric) with its resource and scope. */
function records(resources) {
  const out = [];
  for (const r of resources) {
    const resource = { resource: r.resource, schemaUrl: r.schemaUrl };
    for (const s of r[scopeKey] ?? []) {
      const scope = { scope: s.scope, schemaUrl: s.schemaUrl };
      for (const item of s[itemKey] ?? []) {
        if (signal !== 'metrics') {
          out.push({ resource, scope, item });
          continue;
        }
        for (const type of METRIC_TYPES) {
          if (!item[type]) continue;
          const { dataPoints = [], ...kind } = item[type];
          for (const point of dataPoints) out.push({ resource, scope, item: { ...item, [type]: { ...kind, dataPoints: [point] } } });
        }
      }
    }
  }
  return out;
}
const count = (resources) => records(resources).length;

/** One JSON spelling for one OTLP value: integers as decimal strings, fields holding their default left out, keys
 * in order. */
function spelled(value, key = '') {
  if (Array.isArray(value)) return value.map((v) => spelled(v));
  if (value !== null && typeof value === 'object') {
    const out = {};
    for (const [k, field] of Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const c = spelled(field, k);
      const isDefault = c === null || c === undefined || c === '' || c === '0' || c === false
        || (Array.isArray(c) && c.length === 0) || (typeof c === 'object' && !Array.isArray(c) && Object.keys(c).length === 0);
      // An AnyValue holding an empty string, 0 or false is a value, not a default: it stays.
      if (isDefault && !/^(stringValue|intValue|boolValue|doubleValue|bytesValue)$/.test(k)) continue;
      out[k] = c;
    }
    return out;
  }
  if (typeof value === 'number' && Number.isInteger(value)) return String(value);
  return value;
}

/** Attribute lists and key-value lists sorted by key. */
function attributesSorted(value, key = '') {
  if (Array.isArray(value)) {
    const items = value.map((v) => attributesSorted(v));
    if (/^(attributes|filteredAttributes|values|metadata)$/.test(key) && items.every((kv) => kv && typeof kv === 'object' && 'key' in kv)) {
      return [...items].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    }
    return items;
  }
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, attributesSorted(v, k)]));
  return value;
}

/** Trace and span ids of all zeros left out. */
function zeroIdsDropped(value) {
  if (Array.isArray(value)) return value.map(zeroIdsDropped);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([k, v]) => !(/^(traceId|spanId|parentSpanId)$/.test(k) && typeof v === 'string' && /^0+$/.test(v))).map(([k, v]) => [k, zeroIdsDropped(v)]));
  }
  return value;
}

/** A span's events and links sorted (by their content). */
function eventsSorted(value) {
  if (Array.isArray(value)) return value.map(eventsSorted);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, /^(events|links)$/.test(k) && Array.isArray(v)
      ? v.map((e) => JSON.stringify(e)).sort().map((e) => JSON.parse(e)) : eventsSorted(v)]));
  }
  return value;
}

const LIBERTIES = ['attribute order', 'grouping/order', 'event/link order', 'zero ids'];
/** The resources as compared under a set of liberties. */
function view(resources, liberties) {
  let v = spelled(resources);
  if (liberties.includes('zero ids')) v = spelled(zeroIdsDropped(v));
  if (liberties.includes('attribute order')) v = attributesSorted(v);
  if (liberties.includes('event/link order')) v = eventsSorted(v);
  if (liberties.includes('grouping/order')) v = records(v).map((r) => JSON.stringify(r)).sort().map((r) => JSON.parse(r));
  return v;
}

/** The paths where two values differ (at most `limit`). */
function differences(a, b, path = '$', out = [], limit = 20) {
  if (out.length >= limit) return out;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) out.push(`${path}: ${a.length} entries in the reference, ${b.length} in the candidate`);
    for (let i = 0; i < Math.min(a.length, b.length); i++) differences(a[i], b[i], `${path}[${i}]`, out, limit);
  } else if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      if (!(key in b)) out.push(`${path}.${key}: only in the reference: ${JSON.stringify(a[key])}`);
      else if (!(key in a)) out.push(`${path}.${key}: only in the candidate: ${JSON.stringify(b[key])}`);
      else differences(a[key], b[key], `${path}.${key}`, out, limit);
      if (out.length >= limit) break;
    }
  } else if (JSON.stringify(a) !== JSON.stringify(b)) {
    out.push(`${path}: reference ${JSON.stringify(a)}, candidate ${JSON.stringify(b)}`);
  }
  return out;
}

/** Records only one side has, by their full content (under every liberty), at most `limit` each way. */
function unmatched(a, b, limit = 5) {
  const left = a.map((r) => JSON.stringify(r));
  const right = b.map((r) => JSON.stringify(r));
  const onlyA = [];
  for (const r of left) {
    const i = right.indexOf(r);
    if (i >= 0) right.splice(i, 1);
    else onlyA.push(r);
  }
  return { onlyReference: onlyA.slice(0, limit), onlyCandidate: right.slice(0, limit), counts: [onlyA.length, right.length] };
}

async function main() {
  let reference = written(referencePath);
  let candidate = written(candidatePath);
  let stableSince = Date.now();
  for (;;) {
    // Wait until both hold the run, the candidate as many records as the reference, and neither grew for 500 ms.
    if (reference.length > 0 && candidate.length > 0 && count(candidate) >= count(reference) && Date.now() - stableSince > 500) break;
    if (Date.now() > deadline) break;
    await new Promise((done) => setTimeout(done, 100));
    const [nextReference, nextCandidate] = [written(referencePath), written(candidatePath)];
    if (JSON.stringify([nextReference, nextCandidate]) !== JSON.stringify([reference, candidate])) stableSince = Date.now();
    [reference, candidate] = [nextReference, nextCandidate];
  }
  const summary = `${reference.length} resource(s) / ${count(reference)} record(s) in the reference, ${candidate.length} / ${count(candidate)} in the candidate`;
  if (reference.length === 0) {
    console.log(`nothing for this run in the reference ${referencePath} (${summary})`);
    process.exit(1);
  }
  if (candidate.length === 0) {
    console.log(`nothing arrived (${summary})`);
    process.exit(1);
  }
  if (JSON.stringify(reference) === JSON.stringify(candidate)) {
    console.log(`${summary}; identical`);
    return;
  }
  // The fewest liberties under which both are equal.
  const sets = [[]];
  for (const liberty of LIBERTIES) for (const set of [...sets]) sets.push([...set, liberty]);
  sets.sort((x, y) => x.length - y.length);
  for (const set of sets) {
    if (JSON.stringify(view(reference, set)) === JSON.stringify(view(candidate, set))) {
      console.log(`${summary}; ${set.length === 0 ? 'same spelling' : `same data (${set.join(', ')})`}`);
      return;
    }
  }
  const [a, b] = [view(reference, LIBERTIES), view(candidate, LIBERTIES)];
  const { onlyReference, onlyCandidate, counts } = unmatched(a, b);
  const diffs = a.length === b.length ? differences(a, b) : [];
  console.error(`--- ${signal} ${run}: ${referencePath} vs ${candidatePath}, under every liberty (records sorted)`);
  for (const d of diffs) console.error(`  ${d}`);
  for (const r of onlyReference) console.error(`  only in the reference: ${r}`);
  for (const r of onlyCandidate) console.error(`  only in the candidate: ${r}`);
  console.error(`  reference as written: ${JSON.stringify(reference)}`);
  console.error(`  candidate as written: ${JSON.stringify(candidate)}`);
  const first = diffs[0] ?? `${counts[0]} record(s) only in the reference, ${counts[1]} only in the candidate`;
  console.log(`${summary}; differ even with every liberty: ${first.length > 300 ? `${first.slice(0, 300)}...` : first}`);
  process.exit(1);
}

main().catch((err) => {
  console.log(`compare.js failed: ${err.message}`);
  process.exit(1);
});

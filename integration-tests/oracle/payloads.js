#!/usr/bin/env node
// Prints one OTLP/JSON export request that uses most of a signal's fields (span links, events and status; every
// metric type with exemplars; log bodies of several kinds, trace context, event names; attribute values of every
// type), for the fields the JS SDK's own telemetry leaves out.
// Usage: node payloads.js <traces|metrics|logs> <run> [mixed|multi]
// The resource carries `test.run = <run>`. With `mixed` a second resource follows that has only `test.run`, no schema
// URL, and one minimal record, so that the optional columns of one Arrow record batch hold values in some rows and
// nulls in others. With `multi` the records come under two resources (other `service.name`s) of two scopes each.
'use strict';

const [signal, run, variant] = process.argv.slice(2);
const now = BigInt(Date.now()) * 1_000_000n;
const t = (offsetMs) => String(now + BigInt(offsetMs) * 1_000_000n);
const hex = (bytes, seed) => Array.from({ length: bytes }, (_, i) => ((seed * 31 + i * 17) % 256).toString(16).padStart(2, '0')).join('');

const attributes = (prefix) => [
  { key: `${prefix}.str`, value: { stringValue: 'text' } },
  { key: `${prefix}.empty`, value: { stringValue: '' } },
  { key: `${prefix}.int`, value: { intValue: '-42' } },
  { key: `${prefix}.big`, value: { intValue: '9007199254740993' } },
  { key: `${prefix}.double`, value: { doubleValue: 3.5 } },
  { key: `${prefix}.bool`, value: { boolValue: false } },
  { key: `${prefix}.bytes`, value: { bytesValue: 'AAEC/w==' } },
  { key: `${prefix}.array`, value: { arrayValue: { values: [{ stringValue: 'a' }, { intValue: '1' }, { boolValue: true }] } } },
  { key: `${prefix}.map`, value: { kvlistValue: { values: [{ key: 'inner', value: { stringValue: 'x' } }, { key: 'n', value: { doubleValue: 0.5 } }] } } },
];
const resource = { attributes: [{ key: 'service.name', value: { stringValue: 'interop-rich' } }, { key: 'test.run', value: { stringValue: run } }, ...attributes('res')], droppedAttributesCount: 1 };
const scope = { name: 'interop-scope', version: '1.0.0', attributes: attributes('scope'), droppedAttributesCount: 2 };
const schemaUrl = 'https://opentelemetry.io/schemas/1.26.0';
const traceId = hex(16, 1);

function traces() {
  const spans = [
    {
      traceId, spanId: hex(8, 2), parentSpanId: hex(8, 3), traceState: 'vendor=value', name: 'rich-span', kind: 2,
      startTimeUnixNano: t(0), endTimeUnixNano: t(25), attributes: attributes('span'), droppedAttributesCount: 3, flags: 257,
      events: [
        { timeUnixNano: t(5), name: 'event-with-attributes', attributes: attributes('event'), droppedAttributesCount: 1 },
        { timeUnixNano: t(6), name: 'bare-event' },
      ],
      droppedEventsCount: 4,
      links: [
        { traceId: hex(16, 4), spanId: hex(8, 5), traceState: 'k=v', attributes: attributes('link'), droppedAttributesCount: 1, flags: 1 },
        { traceId: hex(16, 6), spanId: hex(8, 7) },
      ],
      droppedLinksCount: 5,
      status: { code: 2, message: 'it failed' },
    },
    { traceId, spanId: hex(8, 8), name: 'plain-span', kind: 3, startTimeUnixNano: t(1), endTimeUnixNano: t(2), status: { code: 1 } },
    { traceId, spanId: hex(8, 9), name: 'unset-span', startTimeUnixNano: t(3), endTimeUnixNano: t(3), status: {} },
  ];
  return { resourceSpans: [{ resource, schemaUrl, scopeSpans: [{ scope, schemaUrl, spans }] }] };
}

function metrics() {
  const exemplar = { timeUnixNano: t(1), asDouble: 1.25, spanId: hex(8, 10), traceId, filteredAttributes: [{ key: 'ex', value: { stringValue: 'y' } }] };
  const pointAttributes = [{ key: 'route', value: { stringValue: '/rich' } }, { key: 'code', value: { intValue: '200' } }];
  const list = [
    { name: 'rich.gauge.int', description: 'an int gauge', unit: '1', gauge: { dataPoints: [{ timeUnixNano: t(0), asInt: '-7', attributes: pointAttributes, exemplars: [exemplar] }] } },
    { name: 'rich.gauge.double', unit: 'By', gauge: { dataPoints: [{ startTimeUnixNano: t(-1000), timeUnixNano: t(0), asDouble: 2.5, flags: 1 }] } },
    { name: 'rich.sum.delta', sum: { aggregationTemporality: 1, isMonotonic: true, dataPoints: [{ startTimeUnixNano: t(-1000), timeUnixNano: t(0), asInt: '12', attributes: pointAttributes }] } },
    { name: 'rich.sum.cumulative', sum: { aggregationTemporality: 2, dataPoints: [{ startTimeUnixNano: t(-1000), timeUnixNano: t(0), asDouble: -0.5 }] } },
    {
      name: 'rich.histogram', unit: 'ms',
      histogram: { aggregationTemporality: 2, dataPoints: [{ startTimeUnixNano: t(-1000), timeUnixNano: t(0), count: '6', sum: 123.5, bucketCounts: ['1', '2', '0', '3'], explicitBounds: [0, 10, 100], min: 0.5, max: 90, attributes: pointAttributes, exemplars: [exemplar] }] },
    },
    {
      name: 'rich.exponential_histogram',
      exponentialHistogram: {
        aggregationTemporality: 1,
        dataPoints: [{ startTimeUnixNano: t(-1000), timeUnixNano: t(0), count: '9', sum: 40, scale: 2, zeroCount: '1', zeroThreshold: 0.001, positive: { offset: -1, bucketCounts: ['1', '2', '3'] }, negative: { offset: 2, bucketCounts: ['2'] }, min: -3, max: 11 }],
      },
    },
    { name: 'rich.summary', summary: { dataPoints: [{ startTimeUnixNano: t(-1000), timeUnixNano: t(0), count: '4', sum: 10, quantileValues: [{ quantile: 0, value: 1 }, { quantile: 0.5, value: 2 }, { quantile: 1, value: 4 }], attributes: pointAttributes }] } },
  ];
  return { resourceMetrics: [{ resource, schemaUrl, scopeMetrics: [{ scope, schemaUrl, metrics: list }] }] };
}

function logs() {
  const logRecords = [
    {
      timeUnixNano: t(0), observedTimeUnixNano: t(1), severityNumber: 17, severityText: 'ERROR', eventName: 'rich.event',
      body: { kvlistValue: { values: [{ key: 'msg', value: { stringValue: 'structured' } }, { key: 'list', value: { arrayValue: { values: [{ intValue: '1' }, { doubleValue: 2.5 }] } } }] } },
      attributes: attributes('log'), droppedAttributesCount: 2, flags: 1, traceId, spanId: hex(8, 11),
    },
    { timeUnixNano: t(2), severityNumber: 9, body: { stringValue: 'plain text' } },
    { observedTimeUnixNano: t(3), body: { intValue: '77' } },
    { observedTimeUnixNano: t(4), body: { bytesValue: 'aGVsbG8=' } },
  ];
  return { resourceLogs: [{ resource, schemaUrl, scopeLogs: [{ scope, schemaUrl, logRecords }] }] };
}

/** A second resource with one record that sets as few fields as its signal allows. */
function minimal() {
  const resource = { attributes: [{ key: 'test.run', value: { stringValue: run } }] };
  const scope = { name: 'minimal' };
  if (signal === 'traces') return { resource, scopeSpans: [{ scope, spans: [{ traceId, spanId: hex(8, 12), name: 'minimal-span', startTimeUnixNano: t(7), endTimeUnixNano: t(8) }] }] };
  if (signal === 'metrics') return { resource, scopeMetrics: [{ scope, metrics: [{ name: 'minimal.gauge', gauge: { dataPoints: [{ timeUnixNano: t(7), asInt: '1' }] } }] }] };
  return { resource, scopeLogs: [{ scope, logRecords: [{ timeUnixNano: t(7), body: { stringValue: 'minimal' } }] }] };
}

/** The one resource of `request` as two, with other service names, each holding its scope and a second scope. */
function multi(request) {
  const [resourceKey, resources] = Object.entries(request)[0];
  const [scopeKey, scopes] = Object.entries(resources[0]).find(([key]) => key.startsWith('scope'));
  const named = (service) => ({
    ...resources[0],
    resource: { ...resource, attributes: resource.attributes.map((kv) => (kv.key === 'service.name' ? { key: kv.key, value: { stringValue: service } } : kv)) },
    [scopeKey]: [...scopes, { ...scopes[0], scope: { name: `${service}-second-scope`, version: '2.0.0' }, schemaUrl: undefined }],
  });
  return { [resourceKey]: [named('interop-multi-a'), named('interop-multi-b')] };
}

const make = { traces, metrics, logs }[signal];
if (!make || !run || (variant && !['mixed', 'multi'].includes(variant))) {
  console.error('usage: node payloads.js <traces|metrics|logs> <run> [mixed|multi]');
  process.exit(2);
}
let request = make();
if (variant === 'mixed') Object.values(request)[0].push(minimal());
if (variant === 'multi') request = multi(request);
process.stdout.write(JSON.stringify(request));

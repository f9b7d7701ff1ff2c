// The navigable pdata API (ptrace, pmetric, plog, pcommon): reading, writing, read-only data, laziness.
import { Logs, Metrics, PdataError, pcommon, plog, pmetric, ptrace, Traces } from '../../src/pdata';

const TRACE_ID = '5b8efff798038103d269b633813fc60c';
const SPAN_ID = 'eee19b7ec3c1b174';

function traceJSON(): object {
  return {
    resourceSpans: [{
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'checkout' } }], droppedAttributesCount: 1 },
      schemaUrl: 'https://opentelemetry.io/schemas/1.26.0',
      scopeSpans: [{
        scope: { name: 'lib', version: '1.2.3' },
        spans: [
          {
            traceId: TRACE_ID, spanId: SPAN_ID, parentSpanId: 'aaaaaaaaaaaaaaaa', name: 'GET /cart', kind: 2,
            startTimeUnixNano: '1700000000123456789', endTimeUnixNano: '1700000000223456789',
            attributes: [
              { key: 'count', value: { intValue: '9007199254740993' } },
              { key: 'ratio', value: { doubleValue: 0.5 } },
              { key: 'blob', value: { bytesValue: 'AQID' } },
              { key: 'ok', value: { boolValue: true } },
              { key: 'tags', value: { arrayValue: { values: [{ stringValue: 'a' }, { intValue: '2' }] } } },
              { key: 'http', value: { kvlistValue: { values: [{ key: 'method', value: { stringValue: 'GET' } }] } } },
            ],
            events: [{ timeUnixNano: '1700000000123456790', name: 'retry', attributes: [{ key: 'n', value: { intValue: '1' } }] }],
            links: [{ traceId: TRACE_ID, spanId: 'bbbbbbbbbbbbbbbb', traceState: 'k=v' }],
            status: { code: 2, message: 'boom' },
          },
          { traceId: TRACE_ID, spanId: '0000000000000002', name: 'health' },
        ],
      }],
    }],
  };
}

const firstSpan = (td: Traces): ptrace.Span => td.resourceSpans().at(0).scopeSpans().at(0).spans().at(0);
const wire = (): Traces => Traces.fromProto(Traces.fromJSON(traceJSON()).toProto());

describe('ptrace: reading', () => {
  test('resource -> scope -> span, with typed fields, ids as hex and times as bigint nanoseconds', () => {
    const td = wire();
    const rs = td.resourceSpans().at(0);
    expect(rs.resource().attributes().get('service.name')?.str()).toBe('checkout');
    expect(rs.resource().droppedAttributesCount()).toBe(1);
    expect(rs.schemaUrl()).toBe('https://opentelemetry.io/schemas/1.26.0');
    const ss = rs.scopeSpans().at(0);
    expect([ss.scope().name(), ss.scope().version()]).toEqual(['lib', '1.2.3']);
    const span = ss.spans().at(0);
    expect([span.traceID(), span.spanID(), span.parentSpanID(), span.name(), span.kind()]).toEqual([TRACE_ID, SPAN_ID, 'aaaaaaaaaaaaaaaa', 'GET /cart', ptrace.SpanKind.Server]);
    expect(span.endTimestamp() - span.startTimestamp()).toBe(100_000_000n);
    expect([span.status().code(), span.status().message()]).toEqual([ptrace.StatusCode.Error, 'boom']);
    expect(span.events().at(0).name()).toBe('retry');
    expect(span.events().at(0).attributes().get('n')?.int()).toBe(1n);
    expect([span.links().at(0).spanID(), span.links().at(0).traceState()]).toEqual(['bbbbbbbbbbbbbbbb', 'k=v']);
    expect(ss.spans().len()).toBe(2);
    expect([...ss.spans()].map((s) => s.name())).toEqual(['GET /cart', 'health']);
    expect(td.spanCount()).toBe(2);
  });

  test('attribute values of every type, ints exact beyond 2^53', () => {
    const attributes = firstSpan(wire()).attributes();
    const types = [...attributes].map(([key, value]) => [key, pcommon.ValueType[value.type()]]);
    expect(types).toEqual([['count', 'Int'], ['ratio', 'Double'], ['blob', 'Bytes'], ['ok', 'Bool'], ['tags', 'Slice'], ['http', 'Map']]);
    expect(attributes.get('count')?.int()).toBe(9007199254740993n);
    expect(attributes.get('ratio')?.double()).toBe(0.5);
    expect([...(attributes.get('blob')?.bytes() ?? [])]).toEqual([1, 2, 3]);
    expect(attributes.get('http')?.map().get('method')?.str()).toBe('GET');
    expect(attributes.get('tags')?.slice().asRaw()).toEqual(['a', 2n]);
    expect(attributes.get('missing')).toBeUndefined();
    expect(attributes.get('count')?.asString()).toBe('9007199254740993');
    expect(attributes.get('http')?.asString()).toBe('{"method":"GET"}');
    expect(attributes.asRaw()).toEqual({ count: 9007199254740993n, ratio: 0.5, blob: Uint8Array.from([1, 2, 3]), ok: true, tags: ['a', 2n], http: { method: 'GET' } });
  });

  test('range visits in order and stops when the callback returns false', () => {
    const seen: string[] = [];
    firstSpan(wire()).attributes().range((key) => {
      seen.push(key);
      return key !== 'ratio';
    });
    expect(seen).toEqual(['count', 'ratio']);
  });

  test('reading everything leaves the original bytes, which cross as they came', () => {
    const bytes = Traces.fromJSON(traceJSON()).toProto();
    const td = Traces.fromProto(bytes);
    for (const rs of td.resourceSpans()) {
      rs.resource().attributes().asRaw();
      for (const ss of rs.scopeSpans()) for (const span of ss.spans()) {
        span.name();
        span.attributes().asRaw();
        span.status().code();
      }
    }
    expect(td.toProto()).toBe(bytes);
  });

  test('reading an absent message does not create it', () => {
    const td = wire();
    const health = td.resourceSpans().at(0).scopeSpans().at(0).spans().at(1);
    expect([health.status().code(), health.events().len(), health.attributes().len()]).toEqual([ptrace.StatusCode.Unset, 0, 0]);
    health.setName('health check'); // a write elsewhere re-encodes: the absent status must still be absent
    const out = (Traces.fromProto(td.toProto()).toJSON() as any).resourceSpans[0].scopeSpans[0].spans[1];
    expect(out).toEqual({ traceId: TRACE_ID, spanId: '0000000000000002', name: 'health check' });
  });

  test('at() out of range is a RangeError', () => {
    const spans = wire().resourceSpans().at(0).scopeSpans().at(0).spans();
    expect(() => spans.at(2)).toThrow(RangeError);
    expect(() => spans.at(-1)).toThrow(RangeError);
  });
});

describe('ptrace: writing', () => {
  test('setters and attribute puts are encoded; put replaces an existing key in place', () => {
    const bytes = Traces.fromJSON(traceJSON()).toProto();
    const td = Traces.fromProto(bytes);
    const span = firstSpan(td);
    span.setName('GET /basket');
    span.setKind(ptrace.SpanKind.Client);
    span.status().setCode(ptrace.StatusCode.Ok);
    span.setEndTimestamp(span.startTimestamp() + 5n);
    span.attributes().putStr('ratio', 'half');
    span.attributes().putInt('big', 2n ** 62n);
    span.setTraceID('0102030405060708090a0b0c0d0e0f10');
    expect(td.toProto()).not.toBe(bytes);
    const reread = firstSpan(Traces.fromProto(td.toProto()));
    expect([reread.name(), reread.kind(), reread.status().code(), reread.traceID()]).toEqual(['GET /basket', ptrace.SpanKind.Client, ptrace.StatusCode.Ok, '0102030405060708090a0b0c0d0e0f10']);
    expect(reread.endTimestamp()).toBe(1700000000123456794n);
    expect([...reread.attributes()].map(([key]) => key)).toEqual(['count', 'ratio', 'blob', 'ok', 'tags', 'http', 'big']);
    expect(reread.attributes().get('ratio')?.str()).toBe('half');
    expect(reread.attributes().get('big')?.int()).toBe(2n ** 62n);
  });

  test('setting a value of another type replaces it (one member of the oneof only)', () => {
    const td = wire();
    const count = firstSpan(td).attributes().get('count') as pcommon.Value;
    count.setStr('many');
    const out = (Traces.fromProto(td.toProto()).toJSON() as any).resourceSpans[0].scopeSpans[0].spans[0].attributes[0];
    expect(out).toEqual({ key: 'count', value: { stringValue: 'many' } });
  });

  test('remove, removeIf and nested maps and slices', () => {
    const td = wire();
    const attributes = firstSpan(td).attributes();
    expect(attributes.remove('blob')).toBe(true);
    expect(attributes.remove('blob')).toBe(false);
    attributes.removeIf((key, value) => value.type() === pcommon.ValueType.Bool || key === 'tags');
    attributes.get('http')?.map().putStr('route', '/cart');
    attributes.putEmptySlice('ids').fromRaw([1, 'two', 3.5, null]);
    const raw = firstSpan(Traces.fromProto(td.toProto())).attributes().asRaw();
    expect(raw).toEqual({ count: 9007199254740993n, ratio: 0.5, http: { method: 'GET', route: '/cart' }, ids: [1n, 'two', 3.5, null] });
  });

  test('an empty Traces is built by appending', () => {
    const td = Traces.empty();
    const rs = td.resourceSpans().appendEmpty();
    rs.resource().attributes().putStr('service.name', 'built');
    const span = rs.scopeSpans().appendEmpty().spans().appendEmpty();
    span.setName('made');
    span.setSpanID(SPAN_ID);
    span.events().appendEmpty().setName('started');
    expect(td.toJSON()).toEqual({
      resourceSpans: [{
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'built' } }] },
        scopeSpans: [{ spans: [{ spanId: SPAN_ID, name: 'made', events: [{ name: 'started' }] }] }],
      }],
    });
    expect(Traces.fromProto(td.toProto()).spanCount()).toBe(1);
  });

  test('removeIf drops spans; a slice that keeps everything is not written', () => {
    const bytes = Traces.fromJSON(traceJSON()).toProto();
    const td = Traces.fromProto(bytes);
    const spans = td.resourceSpans().at(0).scopeSpans().at(0).spans();
    spans.removeIf((span) => span.name() === 'nothing matches');
    expect(td.toProto()).toBe(bytes);
    spans.removeIf((span) => span.name() === 'health');
    expect(Traces.fromProto(td.toProto()).spanCount()).toBe(1);
  });

  test('moveAndAppendTo moves between instances; copyTo copies deeply', () => {
    const source = wire();
    const dest = Traces.empty();
    source.resourceSpans().moveAndAppendTo(dest.resourceSpans());
    expect([source.spanCount(), dest.spanCount()]).toEqual([0, 2]);

    const copy = Traces.empty();
    dest.resourceSpans().copyTo(copy.resourceSpans());
    firstSpan(copy).setName('changed in the copy');
    firstSpan(copy).attributes().putStr('count', 'x');
    expect(firstSpan(dest).name()).toBe('GET /cart');
    expect(firstSpan(dest).attributes().get('count')?.int()).toBe(9007199254740993n);
  });

  test('span copyTo and moveTo; sort', () => {
    const td = wire();
    const spans = td.resourceSpans().at(0).scopeSpans().at(0).spans();
    const extra = spans.appendEmpty();
    spans.at(0).copyTo(extra);
    extra.setName('copy');
    expect([spans.at(0).name(), extra.attributes().len()]).toEqual(['GET /cart', 6]);
    const target = spans.appendEmpty();
    extra.moveTo(target);
    expect([extra.name(), extra.attributes().len(), target.name()]).toEqual(['', 0, 'copy']);
    spans.sort((a, b) => (a.name() < b.name() ? -1 : a.name() > b.name() ? 1 : 0));
    expect([...spans].map((s) => s.name())).toEqual(['', 'GET /cart', 'copy', 'health']);
  });

  test('Traces copyTo and moveTo', () => {
    const source = wire();
    const copy = Traces.empty();
    source.copyTo(copy);
    firstSpan(copy).setName('x');
    expect(firstSpan(source).name()).toBe('GET /cart');
    const moved = Traces.empty();
    source.moveTo(moved);
    expect([source.spanCount(), moved.spanCount()]).toEqual([0, 2]);
  });

  test('ids must be hex of the right length', () => {
    const span = firstSpan(wire());
    expect(() => span.setTraceID('abc')).toThrow(/invalid trace id "abc": want 32 hex digits/);
    expect(() => span.setSpanID('zzzzzzzzzzzzzzzz')).toThrow(PdataError);
    span.setParentSpanID('');
    expect(span.parentSpanID()).toBe('');
  });
});

describe('read-only data', () => {
  test('reads work; every kind of write refuses with an error that says what to declare', () => {
    const td = wire();
    td.markReadOnly();
    const span = firstSpan(td);
    expect(span.name()).toBe('GET /cart');
    const writes: Array<() => void> = [
      () => span.setName('x'),
      () => span.attributes().putStr('k', 'v'),
      () => span.attributes().get('count')?.setInt(1),
      () => span.status().setCode(ptrace.StatusCode.Ok),
      () => td.resourceSpans().appendEmpty(),
      () => td.resourceSpans().at(0).scopeSpans().at(0).spans().removeIf(() => true),
      () => td.resourceSpans().at(0).resource().attributes().remove('service.name'),
    ];
    for (const write of writes) expect(write).toThrow(/cannot modify read-only traces: .*mutatesData: true/);
    expect(td.toJSON()).toEqual(Traces.fromJSON(traceJSON()).toJSON());
  });
});

describe('pmetric', () => {
  const json = {
    resourceMetrics: [{
      scopeMetrics: [{
        metrics: [
          { name: 'g', unit: 'By', gauge: { dataPoints: [{ timeUnixNano: '5', asInt: '7', attributes: [{ key: 'k', value: { stringValue: 'v' } }] }] } },
          { name: 's', sum: { dataPoints: [{ asDouble: 1.5 }], aggregationTemporality: 2, isMonotonic: true } },
          { name: 'h', histogram: { aggregationTemporality: 1, dataPoints: [{ count: '3', bucketCounts: ['1', '2'], explicitBounds: [10], min: 1 }] } },
          { name: 'e', exponentialHistogram: { dataPoints: [{ count: '1', scale: -2, positive: { offset: -1, bucketCounts: ['1'] } }] } },
          { name: 'q', summary: { dataPoints: [{ count: '1', sum: 2, quantileValues: [{ quantile: 0.5, value: 1 }] }] } },
          { name: 'empty' },
        ],
      }],
    }],
  };
  const metricsOf = (md: Metrics) => md.resourceMetrics().at(0).scopeMetrics().at(0).metrics();

  test('every metric type and its points', () => {
    const md = Metrics.fromProto(Metrics.fromJSON(json).toProto());
    const list = metricsOf(md);
    expect([...list].map((m) => pmetric.MetricType[m.type()])).toEqual(['Gauge', 'Sum', 'Histogram', 'ExponentialHistogram', 'Summary', 'Empty']);
    const gauge = list.at(0).gauge().dataPoints().at(0);
    expect([gauge.valueType(), gauge.intValue(), gauge.timestamp(), gauge.attributes().get('k')?.str(), list.at(0).unit()]).toEqual([pmetric.NumberDataPointValueType.Int, 7n, 5n, 'v', 'By']);
    const sum = list.at(1).sum();
    expect([sum.aggregationTemporality(), sum.isMonotonic(), sum.dataPoints().at(0).doubleValue()]).toEqual([pmetric.AggregationTemporality.Cumulative, true, 1.5]);
    const histogram = list.at(2).histogram().dataPoints().at(0);
    expect([histogram.count(), histogram.bucketCounts(), histogram.explicitBounds(), histogram.hasSum(), histogram.hasMin(), histogram.min()]).toEqual([3, [1, 2], [10], false, true, 1]);
    const exponential = list.at(3).exponentialHistogram().dataPoints().at(0);
    expect([exponential.scale(), exponential.positive().offset(), exponential.positive().bucketCounts(), exponential.negative().bucketCounts()]).toEqual([-2, -1, [1], []]);
    const quantile = list.at(4).summary().dataPoints().at(0).quantileValues().at(0);
    expect([quantile.quantile(), quantile.value()]).toEqual([0.5, 1]);
    expect(list.at(5).gauge().dataPoints().len()).toBe(0);
    expect([md.dataPointCount(), md.metricCount()]).toEqual([5, 6]);
  });

  test('writing points and switching a metric to another type', () => {
    const md = Metrics.fromJSON(json);
    const list = metricsOf(md);
    list.at(0).gauge().dataPoints().at(0).setDoubleValue(2.5);
    const point = list.at(2).histogram().dataPoints().at(0);
    point.setSum(9);
    point.removeMin();
    point.setBucketCounts([0, 3]);
    const converted = list.at(5).setEmptySum();
    converted.setIsMonotonic(true);
    converted.dataPoints().appendEmpty().setIntValue(4);
    list.at(1).setEmptyGauge().dataPoints().appendEmpty().setIntValue(1);
    const reread = metricsOf(Metrics.fromProto(md.toProto()));
    expect(reread.at(0).gauge().dataPoints().at(0).valueType()).toBe(pmetric.NumberDataPointValueType.Double);
    const h = reread.at(2).histogram().dataPoints().at(0);
    expect([h.hasSum(), h.sum(), h.hasMin(), h.bucketCounts()]).toEqual([true, 9, false, [0, 3]]);
    expect([reread.at(5).type(), reread.at(5).sum().dataPoints().at(0).intValue()]).toEqual([pmetric.MetricType.Sum, 4n]);
    expect(reread.at(1).type()).toBe(pmetric.MetricType.Gauge);
    expect((Metrics.fromProto(md.toProto()).toJSON() as any).resourceMetrics[0].scopeMetrics[0].metrics[1].sum).toBeUndefined();
  });
});

describe('plog', () => {
  test('log records: body of any type, severity, times, ids', () => {
    const ld = Logs.fromProto(Logs.fromJSON({
      resourceLogs: [{
        scopeLogs: [{
          logRecords: [
            { timeUnixNano: '10', observedTimeUnixNano: '11', severityNumber: 9, severityText: 'INFO', body: { stringValue: 'hi' }, traceId: TRACE_ID, spanId: SPAN_ID, eventName: 'e' },
            { body: { kvlistValue: { values: [{ key: 'user', value: { stringValue: 'ann' } }] } } },
          ],
        }],
      }],
    }).toProto());
    const records = ld.resourceLogs().at(0).scopeLogs().at(0).logRecords();
    const first = records.at(0);
    expect([first.timestamp(), first.observedTimestamp(), first.severityNumber(), first.severityText(), first.body().str(), first.traceID(), first.spanID(), first.eventName()])
      .toEqual([10n, 11n, plog.SeverityNumber.Info, 'INFO', 'hi', TRACE_ID, SPAN_ID, 'e']);
    expect(records.at(1).body().map().get('user')?.str()).toBe('ann');
    records.at(1).body().map().putStr('user', '***');
    records.at(0).body().setStr('bye');
    records.at(0).setSeverityNumber(plog.SeverityNumber.Warn);
    const reread = Logs.fromProto(ld.toProto()).resourceLogs().at(0).scopeLogs().at(0).logRecords();
    expect([reread.at(0).body().str(), reread.at(0).severityNumber(), reread.at(1).body().asRaw()]).toEqual(['bye', plog.SeverityNumber.Warn, { user: '***' }]);
    expect(ld.logRecordCount()).toBe(2);
  });
});

describe('pcommon detached values', () => {
  test('newMap and newValue build values outside any pdata instance', () => {
    const map = pcommon.newMap({ a: 1, b: { c: [true] } });
    expect(map.asRaw()).toEqual({ a: 1n, b: { c: [true] } });
    const value = pcommon.newValue('x');
    const target = map.putEmpty('d');
    value.copyTo(target);
    expect(map.get('d')?.str()).toBe('x');
    expect(pcommon.timestampFromDate(new Date(1700000000123))).toBe(1700000000123000000n);
  });
});

import { Logs, Metrics, PdataError, Traces, emptyFor, fromProtoFor, otlp } from '../../src/pdata';

const TRACE_ID = '5b8efff798038103d269b633813fc60c';
const SPAN_ID = 'eee19b7ec3c1b174';

/** An OTLP/JSON trace request the way the JS SDK's JSON exporter writes it. */
function traceJSON(spanCount = 2): object {
  return {
    resourceSpans: [{
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'checkout' } }], droppedAttributesCount: 0 },
      scopeSpans: [{
        scope: { name: 'lib', version: '1.2.3' },
        spans: Array.from({ length: spanCount }, (_, i) => ({
          traceId: TRACE_ID,
          spanId: SPAN_ID,
          parentSpanId: i === 0 ? undefined : 'aaaaaaaaaaaaaaaa',
          name: `span-${i}`,
          kind: 2,
          startTimeUnixNano: '1700000000123456789',
          endTimeUnixNano: { low: 1, high: 395812864 },
          attributes: [
            { key: 'count', value: { intValue: '9007199254740993' } },
            { key: 'ratio', value: { doubleValue: 0.5 } },
            { key: 'blob', value: { bytesValue: 'AQID' } },
          ],
          events: [{ timeUnixNano: '1700000000123456790', name: 'ev' }],
          status: { code: 2, message: 'boom' },
        })),
      }],
    }],
  };
}

function metricsJSON(): object {
  const point = { timeUnixNano: '1', asInt: '5' };
  return {
    resourceMetrics: [{
      scopeMetrics: [{
        metrics: [
          { name: 'g', gauge: { dataPoints: [point, point] } },
          { name: 's', sum: { dataPoints: [point], aggregationTemporality: 2, isMonotonic: true } },
          { name: 'h', histogram: { dataPoints: [{ count: '3', bucketCounts: ['1', '2'], explicitBounds: [1] }] } },
          { name: 'e', exponentialHistogram: { dataPoints: [{ count: '1', scale: -2, positive: { offset: -1, bucketCounts: ['1'] } }] } },
          { name: 'q', summary: { dataPoints: [{ count: '1', sum: 2, quantileValues: [{ quantile: 0.5, value: 1 }] }] } },
          { name: 'empty' },
        ],
      }],
    }],
  };
}

function logsJSON(): object {
  return {
    resourceLogs: [{
      scopeLogs: [
        { logRecords: [{ timeUnixNano: '10', severityNumber: 9, severityText: 'INFO', body: { stringValue: 'hi' }, eventName: 'e', traceId: TRACE_ID, spanId: SPAN_ID }] },
        { logRecords: [{ body: { kvlistValue: { values: [{ key: 'k', value: { arrayValue: { values: [{ boolValue: true }] } } }] } } }] },
      ],
    }],
  };
}

function varint(n: number): number[] {
  const out = [];
  for (; n >= 0x80; n = Math.floor(n / 128)) out.push((n & 0x7f) | 0x80);
  out.push(n);
  return out;
}

describe('pdata', () => {
  test('OTLP/JSON round trips through protobuf for every signal', () => {
    for (const [cls, json] of [[Traces, traceJSON()], [Metrics, metricsJSON()], [Logs, logsJSON()]] as const) {
      const fromJSON = cls.fromJSON(json);
      const fromProto = cls.fromProto(fromJSON.toProto());
      expect(fromProto.toJSON()).toEqual(fromJSON.toJSON());
    }
  });

  test('OTLP/JSON output uses hex ids, string int64s and integer enums', () => {
    const out = Traces.fromJSON(JSON.stringify(traceJSON(1))).toJSON() as any;
    const span = out.resourceSpans[0].scopeSpans[0].spans[0];
    expect(span.traceId).toBe(TRACE_ID);
    expect(span.spanId).toBe(SPAN_ID);
    expect(span.kind).toBe(2);
    expect(span.startTimeUnixNano).toBe('1700000000123456789');
    expect(span.endTimeUnixNano).toBe(String((395812864n << 32n) + 1n));
    expect(span.attributes[0].value.intValue).toBe('9007199254740993');
    expect(span.attributes[2].value.bytesValue).toBe('AQID');
    expect(span.status).toEqual({ code: 2, message: 'boom' });
    expect(out.resourceSpans[0].resource.attributes[0]).toEqual({ key: 'service.name', value: { stringValue: 'checkout' } });
  });

  test('untouched bytes come back identical, even when read', () => {
    const original = Traces.fromJSON(traceJSON()).toProto();
    // Unknown fields must survive too: append field 99 (varint) to the request.
    const bytes = Uint8Array.from([...original, 0x98, 0x06, 0x01]);
    const td = Traces.fromProto(bytes);
    expect(td.itemCount()).toBe(2);
    td.validate();
    expect(td.request().resourceSpans[0].scopeSpans![0].spans![1].name).toBe('span-1');
    expect(td.toProto()).toBe(bytes);
  });

  test('writes through mutable() are re-encoded', () => {
    const td = Traces.fromProto(Traces.fromJSON(traceJSON()).toProto());
    td.mutable().resourceSpans[0].scopeSpans![0].spans!.pop();
    expect(td.itemCount()).toBe(1);
    const reread = Traces.fromProto(td.toProto());
    expect(reread.itemCount()).toBe(1);
    expect(reread.byteSize()).toBe(td.byteSize());
  });

  test('counts items without decoding, matching the decoded count', () => {
    const cases = [[Traces.fromJSON(traceJSON(3)), 3], [Metrics.fromJSON(metricsJSON()), 6], [Logs.fromJSON(logsJSON()), 2]] as const;
    for (const [data, expected] of cases) {
      expect(data.itemCount()).toBe(expected);
      const wire = fromProtoFor(data.signal, data.toProto());
      expect(wire.itemCount()).toBe(expected);
      expect(wire.byteSize()).toBe(data.toProto().length);
      const validated = fromProtoFor(data.signal, data.toProto());
      validated.validate(); // counts on the way
      expect(validated.itemCount()).toBe(expected);
    }
  });

  // scenario: a request validated (and so counted) on receipt is then changed, or replaced by moveTo / guarantee: the
  // count follows the data, never the bytes it was validated with
  test('the count taken by validate() does not outlive the bytes it counted', () => {
    const td = Traces.fromProto(Traces.fromJSON(traceJSON(3)).toProto());
    td.validate();
    td.mutable().resourceSpans[0].scopeSpans![0].spans!.pop();
    expect(td.itemCount()).toBe(2);
    const dest = Traces.fromProto(Traces.fromJSON(traceJSON(5)).toProto());
    dest.validate();
    td.moveTo(dest);
    expect(dest.itemCount()).toBe(2);
    expect(td.itemCount()).toBe(0);
  });

  test('empty data is valid and counts zero', () => {
    for (const signal of ['traces', 'metrics', 'logs'] as const) {
      const data = emptyFor(signal);
      expect(data.signal).toBe(signal);
      data.validate();
      expect(data.itemCount()).toBe(0);
      expect(data.toProto().length).toBe(0);
      expect(data.toJSON()).toEqual({});
    }
  });

  test('clone is deep and writable even when the source is read-only', () => {
    const td = Traces.fromProto(Traces.fromJSON(traceJSON()).toProto());
    td.markReadOnly();
    expect(td.isReadOnly()).toBe(true);
    expect(() => td.mutable()).toThrow(PdataError);
    const copy = td.clone();
    expect(copy.isReadOnly()).toBe(false);
    copy.mutable().resourceSpans[0].scopeSpans![0].spans![0].name = 'renamed';
    copy.mutable().resourceSpans[0].scopeSpans![0].spans![0].traceId![0] = 0;
    expect((td.toJSON() as any).resourceSpans[0].scopeSpans[0].spans[0]).toMatchObject({ name: 'span-0', traceId: TRACE_ID });
  });

  const good = Traces.fromJSON(traceJSON()).toProto();
  test.each<[string, Uint8Array]>([
    ['truncated', good.subarray(0, good.length - 3)],
    ['length past the end', Uint8Array.from([0x0a, 0x05, 0x01])],
    ['wire type 7', Uint8Array.from([0x0f])],
    ['field number 0', Uint8Array.from([0x02, 0x00])],
    ['resource_spans as varint', Uint8Array.from([0x08, 0x01])],
    // resource_spans { scope_spans { spans { trace_id: 3 bytes } } }
    ['short trace id', Uint8Array.from([0x0a, 0x09, 0x12, 0x07, 0x12, 0x05, 0x0a, 0x03, 1, 2, 3])],
    ['unterminated varint', Uint8Array.from([0x08, 0xff, 0xff])],
    // Found by the wire fuzz target: both passed the wire check, then failed to decode.
    // resource_spans { scope_spans { spans { a tag of field number 2^32 } } }
    ['field number over 2^29 - 1', Uint8Array.from([0x0a, 0x09, 0x12, 0x07, 0x12, 0x05, 0x80, 0x80, 0x80, 0x80, 0x10])],
  ])('validate() rejects malformed protobuf: %s', (_why, bytes) => {
    expect(() => Traces.fromProto(bytes).validate()).toThrow(PdataError);
  });

  // scenario: a span with an unknown field whose tag takes two bytes (field 100, the walk reads one-byte tags on a
  // faster path) / guarantee: proto3 allows unknown fields, so validate() accepts it and the span is counted
  test('validate() skips an unknown field with a two-byte tag', () => {
    // resource_spans { scope_spans { spans { field 100 (varint): 1 } } }
    const request = Uint8Array.from([0x0a, 0x07, 0x12, 0x05, 0x12, 0x03, 0xa0, 0x06, 0x01]);
    const td = Traces.fromProto(request);
    expect(() => td.validate()).not.toThrow();
    expect(td.itemCount()).toBe(1);
  });

  // scenario: string fields (span name, attribute key, string AnyValue, resource attribute, metric name, log body)
  // hold invalid UTF-8 such as C3 28 / guarantee: validate() refuses the request, naming the field; bytes fields and
  // valid multi-byte UTF-8 pass
  describe('UTF-8 in string fields', () => {
    const field = (tag: number, body: Uint8Array) => Uint8Array.from([tag, ...varint(body.length), ...body]);
    const bad = Uint8Array.from([0xc3, 0x28]);
    const valid = Buffer.from('caf\u00e9 \u{1F680}');
    // KeyValue { key; value { string_value } }
    const keyValue = (key: Uint8Array, value: Uint8Array) => Uint8Array.from([...field(0x0a, key), ...field(0x12, field(0x0a, value))]);
    test.each<[string, (s: Uint8Array) => Uint8Array, typeof Traces | typeof Metrics | typeof Logs, string]>([
      // resource_spans { scope_spans { spans { name } } }
      ['span name', (s) => field(0x0a, field(0x12, field(0x12, field(0x2a, s)))), Traces, 'Span.name'],
      // resource_spans { resource { attributes { key } } }
      ['resource attribute key', (s) => field(0x0a, field(0x0a, field(0x0a, keyValue(s, Buffer.from('v'))))), Traces, 'KeyValue.key'],
      // resource_spans { scope_spans { spans { attributes { value { string_value } } } } }
      ['span attribute value', (s) => field(0x0a, field(0x12, field(0x12, field(0x4a, keyValue(Buffer.from('k'), s))))), Traces, 'AnyValue.stringValue'],
      // resource_spans { scope_spans { scope { name } } }
      ['scope name', (s) => field(0x0a, field(0x12, field(0x0a, field(0x0a, s)))), Traces, 'InstrumentationScope.name'],
      // resource_metrics { scope_metrics { metrics { name } } }
      ['metric name', (s) => field(0x0a, field(0x12, field(0x12, field(0x0a, s)))), Metrics, 'Metric.name'],
      // resource_logs { scope_logs { log_records { body { string_value } } } }
      ['log body', (s) => field(0x0a, field(0x12, field(0x12, field(0x2a, field(0x0a, s))))), Logs, 'AnyValue.stringValue'],
    ])('%s', (_what, build, kind, name) => {
      expect(() => kind.fromProto(build(valid)).validate()).not.toThrow();
      expect(() => kind.fromProto(build(bad)).validate()).toThrow(new RegExp(`^invalid protobuf: ${name.replace('.', '\\.')}: string field contains invalid UTF-8 at byte \\d+$`));
    });

    // scenario: a span name of ASCII and then C3 28 / guarantee: refused (the ASCII check looks at the whole string)
    test('invalid UTF-8 after an ASCII prefix', () => {
      const name = Uint8Array.from([...Buffer.from('checkout '), ...bad]);
      expect(() => Traces.fromProto(field(0x0a, field(0x12, field(0x12, field(0x2a, name))))).validate()).toThrow(/Span\.name: string field contains invalid UTF-8/);
    });

    test('bytes fields may hold any bytes', () => {
      // resource_logs { scope_logs { log_records { body { bytes_value: C3 28 } } } }
      expect(() => Logs.fromProto(field(0x0a, field(0x12, field(0x12, field(0x2a, field(0x3a, bad)))))).validate()).not.toThrow();
    });
  });

  // scenario: packed repeated numbers with a truncated varint (exponential histogram bucket counts) or a length that
  // is not a multiple of the width (histogram bucket counts, fixed64) / guarantee: refused by the wire check, which
  // decoding would otherwise fail after the request was accepted (found by the wire fuzz target)
  test('validate() checks the contents of packed repeated fields', () => {
    const field = (tag: number, body: Uint8Array) => Uint8Array.from([tag, ...varint(body.length), ...body]);
    // resource_metrics { scope_metrics { metrics { <data>: { data_points: <point> } } } }
    const metric = (dataTag: number, point: Uint8Array) => field(0x0a, field(0x12, field(0x12, field(dataTag, field(0x0a, point)))));
    // exponential_histogram point { positive { bucket_counts: packed varints } }
    const exponential = (counts: number[]) => metric(0x52, field(0x42, field(0x12, Uint8Array.from(counts))));
    expect(() => Metrics.fromProto(exponential([0x01, 0x02])).validate()).not.toThrow();
    expect(() => Metrics.fromProto(exponential([0x01, 0x8a])).validate()).toThrow(/truncated varint/);
    // histogram point { bucket_counts (6): packed fixed64 }
    const histogram = (bytes: number) => metric(0x4a, field(0x32, new Uint8Array(bytes)));
    expect(() => Metrics.fromProto(histogram(16)).validate()).not.toThrow();
    expect(() => Metrics.fromProto(histogram(12)).validate()).toThrow(/bucketCounts packs 12 bytes, not a multiple of 8/);
  });

  test('validate() bounds nesting depth instead of overflowing the stack', () => {
    // resource_logs { scope_logs { log_records { body: AnyValue.array_value nested 200 levels deep } } }
    const field = (tag: number, body: Uint8Array) => Uint8Array.from([tag, ...varint(body.length), ...body]);
    let value = Uint8Array.from([0x0a, 0x01, 0x78]); // AnyValue { string_value: "x" }
    for (let i = 0; i < 200; i++) value = field(0x2a, field(0x0a, value)); // AnyValue { array_value { values } }
    const bytes = field(0x0a, field(0x12, field(0x12, field(0x2a, value))));
    expect(() => Logs.fromProto(bytes).validate()).toThrow(/nesting deeper than 100/);
  });

  test('fromJSON rejects malformed OTLP/JSON', () => {
    expect(() => Traces.fromJSON('{not json')).toThrow(PdataError);
    expect(() => Traces.fromJSON('[]')).toThrow(PdataError);
    expect(() => Traces.fromJSON({ resourceSpans: {} })).toThrow(PdataError);
    expect(() => Traces.fromJSON({ resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: 'xyz' }] }] }] })).toThrow(/hex/);
    expect(() => Traces.fromJSON({ resourceSpans: [{ scopeSpans: [{ spans: [{ spanId: 'abcd' }] }] }] })).toThrow(/8 hex-encoded/);
  });

  test('the generated messages are exposed under short names', () => {
    const span = otlp.trace.Span.create({ name: 'x' });
    expect(otlp.trace.Span.decode(otlp.trace.Span.encode(span).finish()).name).toBe('x');
  });
});

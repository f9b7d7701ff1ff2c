// Requests cut to a byte limit at the wire level: what crosses into the engine when a request is larger than the ring
// takes in one message.
import { Logs, Metrics, Traces, UnsplittableError } from '../../src/pdata';

const attrs = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => ({ key: `${prefix}.${i}`, value: { stringValue: `${prefix}-value-${i}` } }));

/** Several resources, each with several scopes of several spans; names say where each span came from. */
function traces(resources: number, scopes: number, spans: number): Traces {
  return Traces.fromRequest({
    resourceSpans: Array.from({ length: resources }, (_, r) => ({
      resource: { attributes: [{ key: 'service.name', value: { stringValue: `svc-${r}` } }, ...attrs('res', 5)] },
      schemaUrl: `https://schema/${r}`,
      scopeSpans: Array.from({ length: scopes }, (_, s) => ({
        scope: { name: `scope-${r}-${s}` },
        spans: Array.from({ length: spans }, (_, i) => ({
          traceId: Buffer.alloc(16, 1), spanId: Buffer.alloc(8, i + 1), name: `span-${r}-${s}-${i}`, attributes: attrs('span', 3),
        })),
      })),
    })),
  });
}

/** Every span as "resource service / scope / span name", in order. */
function flatten(parts: Traces[]): string[] {
  return parts.flatMap((td) => td.request().resourceSpans.flatMap((rs) => rs.scopeSpans!.flatMap((ss) => ss.spans!.map((span) =>
    `${rs.resource!.attributes![0].value!.stringValue} ${rs.schemaUrl} / ${ss.scope!.name} / ${span.name}`))));
}

// scenario: requests of many resources, scopes and spans cut at limits from "a few spans" to "most of it" /
// guarantee: every part fits, every span arrives exactly once, in order, under its own resource and scope
test.each([600, 2_000, 9_000, 20_000])('traces cut at %i bytes keep every span once under its resource and scope', (limit) => {
  const td = traces(3, 3, 20);
  const parts = td.splitBySize(limit);
  expect(parts.length).toBeGreaterThan(1);
  for (const part of parts) {
    expect(part.toProto().length).toBeLessThanOrEqual(limit);
    expect(() => part.validate()).not.toThrow();
  }
  expect(flatten(parts)).toEqual(flatten([td]));
  expect(parts.reduce((n, p) => n + p.itemCount(), 0)).toBe(td.itemCount());
});

// scenario: one metric with thousands of data points, over the limit on its own / guarantee: cut between data points,
// each part keeping the metric's name, type and temporality; every point once
test('a metric larger than the limit is cut between its data points', () => {
  const points = Array.from({ length: 3000 }, (_, i) => ({ timeUnixNano: String(i + 1), asInt: String(i) }));
  const md = Metrics.fromRequest({
    resourceMetrics: [{ resource: { attributes: attrs('res', 2) }, scopeMetrics: [{ scope: { name: 'm' }, metrics: [
      { name: 'requests', unit: '1', sum: { dataPoints: points, aggregationTemporality: 2, isMonotonic: true } },
    ] }] }],
  });
  const limit = 8_000;
  const parts = md.splitBySize(limit);
  expect(parts.length).toBeGreaterThan(3);
  const seen: number[] = [];
  for (const part of parts) {
    expect(part.toProto().length).toBeLessThanOrEqual(limit);
    const metric = part.request().resourceMetrics[0].scopeMetrics![0].metrics![0];
    expect(metric).toMatchObject({ name: 'requests', unit: '1', sum: { aggregationTemporality: 2, isMonotonic: true } });
    seen.push(...metric.sum!.dataPoints!.map((p) => Number(p.asInt)));
  }
  expect(seen).toEqual(points.map((_, i) => i));
});

// scenario: a request that fits, and one log record alone larger than the limit / guarantee: the first passes as the
// same object (no copy), the second is refused as unsplittable, naming its size and the limit
test('a request that fits is itself; an item larger than the limit cannot be cut', () => {
  const small = traces(1, 1, 2);
  expect(small.splitBySize(1 << 20)[0]).toBe(small);
  const big = Logs.fromRequest({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: { stringValue: 'x'.repeat(5000) } }, { body: { stringValue: 'y' } }] }] }] });
  expect(() => big.splitBySize(4096)).toThrow(UnsplittableError);
  expect(() => big.splitBySize(4096)).toThrow(/^one item with its resource and scope takes \d+ bytes, more than the limit of \d+$/);
});

// Data builders for tests, as the Go Collector's testdata generators: requests of a given size with a recognisable
// shape (one resource with `resource-attr`, one scope, items named by index), built with the navigable API.
import { Logs, Metrics, Traces } from '../pdata';

const START = 1_700_000_000_000_000_000n;

/** `count` spans under one resource and scope; span i is named `span-<i>` and has the attribute `index: i`. */
export function generateTraces(count: number): Traces {
  const td = Traces.empty();
  const rs = td.resourceSpans().appendEmpty();
  rs.resource().attributes().putStr('resource-attr', 'resource-attr-val-1');
  const spans = rs.scopeSpans().appendEmpty().spans();
  for (let i = 0; i < count; i++) {
    const span = spans.appendEmpty();
    span.setTraceID('0102030405060708090a0b0c0d0e0f10');
    span.setSpanID((BigInt(i) + 1n).toString(16).padStart(16, '0'));
    span.setName(`span-${i}`);
    span.setStartTimestamp(START + BigInt(i));
    span.setEndTimestamp(START + BigInt(i) + 1_000n);
    span.attributes().putInt('index', i);
  }
  return Traces.fromProto(td.toProto());
}

/** One gauge `gauge` with `count` int points valued by index. */
export function generateMetrics(count: number): Metrics {
  const md = Metrics.empty();
  const rm = md.resourceMetrics().appendEmpty();
  rm.resource().attributes().putStr('resource-attr', 'resource-attr-val-1');
  const metric = rm.scopeMetrics().appendEmpty().metrics().appendEmpty();
  metric.setName('gauge');
  const points = metric.setEmptyGauge().dataPoints();
  for (let i = 0; i < count; i++) {
    const point = points.appendEmpty();
    point.setTimestamp(START + BigInt(i));
    point.setIntValue(i);
  }
  return Metrics.fromProto(md.toProto());
}

/** `count` log records whose bodies are `log-<i>`. */
export function generateLogs(count: number): Logs {
  const ld = Logs.empty();
  const rl = ld.resourceLogs().appendEmpty();
  rl.resource().attributes().putStr('resource-attr', 'resource-attr-val-1');
  const records = rl.scopeLogs().appendEmpty().logRecords();
  for (let i = 0; i < count; i++) {
    const record = records.appendEmpty();
    record.setTimestamp(START + BigInt(i));
    record.body().setStr(`log-${i}`);
  }
  return Logs.fromProto(ld.toProto());
}

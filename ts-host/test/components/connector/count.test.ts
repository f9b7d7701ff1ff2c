import { createDefaultConfig } from '../../../src/components/connector/count/config';
import { countMetrics, SCOPE_NAME } from '../../../src/components/connector/count/counter';
import { Logs, Traces } from '../../../src/pdata';
import { gaugePoints, spans } from '../helpers';

function sums(json: any) {
  return json.resourceMetrics.map((rm: any) => ({
    resource: rm.resource,
    scope: rm.scopeMetrics[0].scope.name,
    metrics: Object.fromEntries(rm.scopeMetrics[0].metrics.map((m: any) => [m.name, m.sum.dataPoints[0].asInt])),
  }));
}

describe('count connector', () => {
  test('counts spans and span events per resource under the default names', () => {
    const two = Traces.fromRequest({ resourceSpans: [...spans(2).request().resourceSpans, ...spans(3).request().resourceSpans] });
    const out = countMetrics(createDefaultConfig(), two, 1_700_000_000_000).toJSON() as any;
    expect(sums(out)).toEqual([
      { resource: { attributes: [{ key: 'service.name', value: { stringValue: 'test' } }] }, scope: SCOPE_NAME, metrics: { 'trace.span.count': '2', 'trace.span.event.count': '2' } },
      { resource: { attributes: [{ key: 'service.name', value: { stringValue: 'test' } }] }, scope: SCOPE_NAME, metrics: { 'trace.span.count': '3', 'trace.span.event.count': '3' } },
    ]);
    const metric = out.resourceMetrics[0].scopeMetrics[0].metrics[0];
    expect(metric.description).toBe('The number of spans observed.');
    expect(metric.sum).toMatchObject({ aggregationTemporality: 1, isMonotonic: true, dataPoints: [{ timeUnixNano: '1700000000000000000' }] });
  });

  test('counts metrics and data points, and log records', () => {
    expect(sums(countMetrics(createDefaultConfig(), gaugePoints(4)).toJSON())[0].metrics).toEqual({ 'metric.count': '1', 'metric.datapoint.count': '4' });
    const logs = Logs.fromJSON({ resourceLogs: [{ scopeLogs: [{ logRecords: [{}, {}] }, { logRecords: [{}] }] }] });
    expect(sums(countMetrics(createDefaultConfig(), logs).toJSON())[0].metrics).toEqual({ 'log.record.count': '3' });
  });

  test('configured names replace the default', () => {
    const config = { ...createDefaultConfig(), spans: { 'my.spans': { description: 'mine' } } };
    expect(sums(countMetrics(config, spans(1)).toJSON())[0].metrics).toEqual({ 'my.spans': '1', 'trace.span.event.count': '1' });
  });
});

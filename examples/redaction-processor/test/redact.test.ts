// The redaction processor, tested as a component author tests theirs: built from YAML by componenttest, fed data,
// its output read from a sink.
import { componenttest, consumer, consumertest, pdata } from '@tandem/host';
import { newFactory } from '../src';

const CONFIG = 'key_patterns: ["password", "^card\\\\.", "token$"]\n';

function spans(): pdata.Traces {
  return pdata.Traces.fromProto(pdata.Traces.fromJSON({
    resourceSpans: [{
      resource: { attributes: [{ key: 'deploy.token', value: { stringValue: 'r-secret' } }] },
      scopeSpans: [{
        spans: [{
          traceId: '0102030405060708090a0b0c0d0e0f10', spanId: '0102030405060708', name: 'login',
          attributes: [
            { key: 'user.password', value: { stringValue: 'hunter2' } },
            { key: 'card.number', value: { intValue: '4111111111111111' } },
            { key: 'http.route', value: { stringValue: '/login' } },
            { key: 'request', value: { kvlistValue: { values: [{ key: 'Auth-Token', value: { stringValue: 'abc' } }] } } },
          ],
          events: [{ name: 'retry', attributes: [{ key: 'password', value: { stringValue: 'x' } }] }],
        }],
      }],
    }],
  }).toProto());
}

describe('redact', () => {
  test('matching keys are redacted, in nested maps and events too; others and the resource are left', async () => {
    const sink = consumertest.newTracesSink();
    const settings = componenttest.nopSettings('processor', 'redact');
    const redact = await componenttest.startProcessor(newFactory(), 'traces', CONFIG, sink, { settings });
    await redact.consumeTraces(consumer.background, spans());
    const span = sink.all()[0].resourceSpans().at(0).scopeSpans().at(0).spans().at(0);
    expect(span.attributes().asRaw()).toEqual({ 'user.password': '****', 'card.number': '****', 'http.route': '/login', request: { 'Auth-Token': '****' } });
    expect(span.events().at(0).attributes().get('password')?.str()).toBe('****');
    expect(sink.all()[0].resourceSpans().at(0).resource().attributes().get('deploy.token')?.str()).toBe('r-secret');
    expect(await settings.telemetry.metrics.metrics()).toMatch(/^otelcol_redaction_redacted_values_total\{otelcol_component_id="redact",otelcol_component_kind="Processor"\} 4$/m);
    await redact.shutdown();
  });

  test('include_resource redacts the resource; replacement is configurable', async () => {
    const sink = consumertest.newTracesSink();
    const redact = await componenttest.startProcessor(newFactory(), 'traces', `${CONFIG}include_resource: true\nreplacement: "[redacted]"\n`, sink);
    await redact.consumeTraces(consumer.background, spans());
    expect(sink.all()[0].resourceSpans().at(0).resource().attributes().get('deploy.token')?.str()).toBe('[redacted]');
  });

  test('metrics and logs: point and record attributes', async () => {
    const metricsSink = consumertest.newMetricsSink();
    const logsSink = consumertest.newLogsSink();
    const forMetrics = await componenttest.startProcessor(newFactory(), 'metrics', CONFIG, metricsSink);
    const forLogs = await componenttest.startProcessor(newFactory(), 'logs', CONFIG, logsSink);
    await forMetrics.consumeMetrics(consumer.background, pdata.Metrics.fromJSON({
      resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'm', sum: { dataPoints: [{ asInt: '1', attributes: [{ key: 'api.token', value: { stringValue: 't' } }] }] } }] }] }],
    }));
    await forLogs.consumeLogs(consumer.background, pdata.Logs.fromJSON({
      resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: { stringValue: 'hi' }, attributes: [{ key: 'Password', value: { stringValue: 'p' } }] }] }] }],
    }));
    const point = metricsSink.all()[0].resourceMetrics().at(0).scopeMetrics().at(0).metrics().at(0).sum().dataPoints().at(0);
    expect(point.attributes().get('api.token')?.str()).toBe('****');
    expect(logsSink.all()[0].resourceLogs().at(0).scopeLogs().at(0).logRecords().at(0).attributes().get('Password')?.str()).toBe('****');
  });

  test('data with nothing to redact is passed on as the same bytes', async () => {
    const sink = consumertest.newLogsSink();
    const redact = await componenttest.startProcessor(newFactory(), 'logs', CONFIG, sink);
    const clean = pdata.Logs.fromProto(pdata.Logs.fromJSON({
      resourceLogs: [{ scopeLogs: [{ logRecords: [{ body: { stringValue: 'hi' }, attributes: [{ key: 'user', value: { stringValue: 'ann' } }] }] }] }],
    }).toProto());
    const bytes = clean.toProto();
    await redact.consumeLogs(consumer.background, clean);
    expect(sink.all()[0].toProto()).toBe(bytes);
  });

  test('a config it refuses, in the collector\'s wording', () => {
    expect(() => componenttest.decodeConfig(newFactory(), {})).toThrow('processors::redact: "key_patterns" must list at least one pattern');
    expect(() => componenttest.decodeConfig(newFactory(), { key_patterns: ['ok', '('] })).toThrow(/processors::redact: key_patterns\[1\]: Invalid regular expression/);
    expect(() => componenttest.decodeConfig(newFactory(), { key_pattern: ['x'] })).toThrow("'' has invalid keys: key_pattern");
  });
});

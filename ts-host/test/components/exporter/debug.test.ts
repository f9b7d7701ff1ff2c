import { createDebugExporter } from '../../../src/components/exporter/debug/create';
import { gaugePoints, logRecords, recordingLogger, spans, testSettings } from '../helpers';

describe('debug exporter', () => {
  test('basic verbosity logs one line with the counts per request', async () => {
    const { logger, lines } = recordingLogger();
    await createDebugExporter('traces', testSettings('debug', '', logger), { verbosity: 'basic' }).consumeTraces({}, spans(2));
    await createDebugExporter('metrics', testSettings('debug', '', logger), { verbosity: 'basic' }).consumeMetrics({}, gaugePoints(3));
    await createDebugExporter('logs', testSettings('debug', '', logger), { verbosity: 'basic' }).consumeLogs({}, logRecords(4));
    expect(lines).toEqual([
      { level: 'info', msg: 'Traces', obj: { 'resource spans': 1, spans: 2 } },
      { level: 'info', msg: 'Metrics', obj: { 'resource metrics': 1, metrics: 1, 'data points': 3 } },
      { level: 'info', msg: 'Logs', obj: { 'resource logs': 1, 'log records': 4 } },
    ]);
  });

  test('normal verbosity adds one line per item; detailed adds the whole request', async () => {
    const { logger, lines } = recordingLogger();
    await createDebugExporter('traces', testSettings('debug', '', logger), { verbosity: 'normal' }).consumeTraces({}, spans(2, 'op'));
    expect(lines[1].msg).toBe('op-0 0102030405060708090a0b0c0d0e0f10 0000000000000000\nop-1 0102030405060708090a0b0c0d0e0f10 0000000000000001');
    await createDebugExporter('logs', testSettings('debug', '', logger), { verbosity: 'detailed' }).consumeLogs({}, logRecords(1));
    expect(JSON.parse(lines[3].msg!)).toEqual(logRecords(1).toJSON());
  });
});

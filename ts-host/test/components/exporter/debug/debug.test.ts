// The debug exporter prints what the Go Collector's prints: counts at every verbosity, and for `normal` and
// `detailed` the text the Go Collector's own debug exporter (v0.145.0) logged for the same requests (go/*.txt, made by
// golang/regenerate.sh from requests/*.json).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Signal } from '../../../../src/component';
import { createDebugExporter } from '../../../../src/components/exporter/debug/create';
import { fromProtoFor, Logs, Metrics, Traces, type PData } from '../../../../src/pdata';
import { recordingLogger, testSettings } from '../../helpers';

const SIGNALS: Record<Signal, (json: string) => PData> = { traces: Traces.fromJSON, metrics: Metrics.fromJSON, logs: Logs.fromJSON };
const request = (signal: Signal) => SIGNALS[signal](readFileSync(join(__dirname, 'requests', `${signal}.json`), 'utf8'));
const goText = (signal: Signal, verbosity: string) => readFileSync(join(__dirname, 'go', `${signal}.${verbosity}.txt`), 'utf8');

async function logged(signal: Signal, verbosity: 'basic' | 'normal' | 'detailed', data: PData) {
  const { logger, lines } = recordingLogger();
  const exporter = createDebugExporter(signal, testSettings('debug', '', logger), { verbosity }) as unknown as Record<string, (ctx: object, d: PData) => Promise<void>>;
  await exporter[{ traces: 'consumeTraces', metrics: 'consumeMetrics', logs: 'consumeLogs' }[signal]]({}, data);
  return lines;
}

describe('debug exporter', () => {
  test('basic verbosity logs one line per request with the counts, as Go names them', async () => {
    expect(await logged('traces', 'basic', request('traces'))).toEqual([{ level: 'info', msg: 'Traces', obj: { 'resource spans': 2, spans: 4 } }]);
    expect(await logged('metrics', 'basic', request('metrics'))).toEqual([{ level: 'info', msg: 'Metrics', obj: { 'resource metrics': 1, metrics: 6, 'data points': 7 } }]);
    expect(await logged('logs', 'basic', request('logs'))).toEqual([{ level: 'info', msg: 'Logs', obj: { 'resource logs': 1, 'log records': 4 } }]);
  });

  describe.each(['traces', 'metrics', 'logs'] as const)('%s', (signal) => {
    test.each(['normal', 'detailed'] as const)('%s verbosity logs the counts, then the text the Go Collector prints', async (verbosity) => {
      const lines = await logged(signal, verbosity, request(signal));
      expect(lines).toHaveLength(2);
      expect(lines[1].msg).toBe(goText(signal, verbosity));
    });

    test('decoded from protobuf (as data arrives from a receiver or the ring), the text is the same', async () => {
      const fromWire = fromProtoFor(signal, request(signal).toProto());
      expect((await logged(signal, 'detailed', fromWire))[1].msg).toBe(goText(signal, 'detailed'));
      expect((await logged(signal, 'normal', fromWire))[1].msg).toBe(goText(signal, 'normal'));
    });
  });
});

// Shared fixtures for component tests.
import * as net from 'node:net';
import type { Settings } from '../../src/component';
import { nopSettings } from '../../src/componenttest';
import { Logs, Metrics, PData, Traces } from '../../src/pdata';

/** A TCP port that was free a moment ago. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Captures log calls so tests can assert on them. */
export function recordingLogger(): { logger: any; lines: Array<{ level: string; obj: unknown; msg?: string }> } {
  const lines: Array<{ level: string; obj: unknown; msg?: string }> = [];
  const at = (level: string) => (obj: unknown, msg?: string) => {
    lines.push(typeof obj === 'string' ? { level, obj: {}, msg: obj } : { level, obj, msg });
  };
  const logger: any = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  logger.child = () => logger;
  return { logger, lines };
}

export function testSettings(type: string, name = '', logger = recordingLogger().logger): Settings {
  return nopSettings('processor', type, { name, logger });
}

export function spans(count: number, name = 'span'): Traces {
  return Traces.fromJSON({
    resourceSpans: [{
      resource: { attributes: [{ key: 'service.name', value: { stringValue: 'test' } }] },
      scopeSpans: [{
        scope: { name: 'scope' },
        spans: Array.from({ length: count }, (_, i) => ({
          traceId: '0102030405060708090a0b0c0d0e0f10',
          spanId: `00000000000000${(i % 256).toString(16).padStart(2, '0')}`,
          name: `${name}-${i}`,
          startTimeUnixNano: '1700000000000000000',
          endTimeUnixNano: '1700000000000001000',
          events: [{ name: 'e', timeUnixNano: '1700000000000000500' }],
        })),
      }],
    }],
  });
}

export function gaugePoints(count: number): Metrics {
  return Metrics.fromJSON({
    resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'g', gauge: { dataPoints: Array.from({ length: count }, (_, i) => ({ asInt: String(i), timeUnixNano: '1' })) } }] }] }],
  });
}

export function logRecords(count: number): Logs {
  return Logs.fromJSON({
    resourceLogs: [{ scopeLogs: [{ logRecords: Array.from({ length: count }, (_, i) => ({ body: { stringValue: `log-${i}` } })) }] }],
  });
}

export const sample: Record<PData['signal'], (count: number) => PData> = { traces: spans, metrics: gaugePoints, logs: logRecords };

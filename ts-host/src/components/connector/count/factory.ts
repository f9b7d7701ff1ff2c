import { type EngineTwin, Signal, StabilityLevel } from '../../../component';
import { field } from '../../../config';
import * as connector from '../../../connector';
import { CountConfig, createDefaultConfig } from './config';
import { createCountConnector } from './create';

const metricInfos = field.map(field.object({ description: field.string() }));

export const configSchema = field.object({
  spans: metricInfos,
  spanevents: metricInfos,
  metrics: metricInfos,
  datapoints: metricInfos,
  logs: metricInfos,
});

const createFrom = <S extends Signal>(signal: S): connector.CreateFunc<S, 'metrics'> =>
  async (settings, config: CountConfig, next) => createCountConnector(signal, settings, config, next);

/** `rust_count` counts into the default metrics only. */
export const engineTwin: EngineTwin<CountConfig> = {
  type: 'rust_count',
  config: (c) => (Object.values(c).every((metrics) => Object.keys(metrics).length === 0) ? { config: {} } : { hostOnly: 'metrics of its own' }),
};

export function newFactory(): connector.Factory {
  return connector.newFactory('count', createDefaultConfig, [
    connector.withPair('traces', 'metrics', createFrom('traces'), StabilityLevel.Alpha),
    connector.withPair('metrics', 'metrics', createFrom('metrics'), StabilityLevel.Alpha),
    connector.withPair('logs', 'metrics', createFrom('logs'), StabilityLevel.Alpha),
  ], { configSchema, engineTwin });
}

import { Signal, StabilityLevel } from '../../../component';
import { field } from '../../../config';
import * as processor from '../../../processor';
import { createDefaultConfig, MemoryLimiterConfig, validateConfig } from './config';
import { createMemoryLimiterProcessor } from './processor';

export const configSchema = field.object({
  check_interval: field.duration(),
  limit_mib: field.integer(),
  spike_limit_mib: field.integer(),
  limit_percentage: field.integer(),
  spike_limit_percentage: field.integer(),
});

const createFor = <S extends Signal>(signal: S): processor.CreateFunc<S> =>
  async (settings, config: MemoryLimiterConfig, next) => createMemoryLimiterProcessor(signal, settings, config, next);

export function newFactory(): processor.Factory {
  return processor.newFactory('memory_limiter', createDefaultConfig, [
    processor.withTraces(createFor('traces'), StabilityLevel.Beta),
    processor.withMetrics(createFor('metrics'), StabilityLevel.Beta),
    processor.withLogs(createFor('logs'), StabilityLevel.Beta),
  ], { configSchema, validateConfig });
}

import { Signal, StabilityLevel } from '../../../component';
import { field } from '../../../config';
import * as processor from '../../../processor';
import { BatchConfig, createDefaultConfig, validateConfig } from './config';
import { createBatchProcessor } from './processor';

export const configSchema = field.object({
  send_batch_size: field.integer(),
  timeout: field.duration(),
  linger: field.duration(),
  send_batch_max_size: field.integer(),
});

const createFor = <S extends Signal>(signal: S): processor.CreateFunc<S> =>
  async (settings, config: BatchConfig, next) => createBatchProcessor(signal, settings, config, next);

export function newFactory(): processor.Factory {
  return processor.newFactory('batch', createDefaultConfig, [
    processor.withTraces(createFor('traces'), StabilityLevel.Beta),
    processor.withMetrics(createFor('metrics'), StabilityLevel.Beta),
    processor.withLogs(createFor('logs'), StabilityLevel.Beta),
  ], { configSchema, validateConfig });
}

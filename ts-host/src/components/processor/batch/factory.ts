import { type EngineTwin, Signal, StabilityLevel } from '../../../component';
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

/** `rust_batch` batches on the same settings (durations in Go's notation there). */
export const engineTwin: EngineTwin<BatchConfig> = {
  type: 'rust_batch',
  config: (c) => ({
    config: { send_batch_size: c.send_batch_size, send_batch_max_size: c.send_batch_max_size, timeout: `${c.timeout}ms`, linger: `${c.linger}ms` },
  }),
};

export function newFactory(): processor.Factory {
  return processor.newFactory('batch', createDefaultConfig, [
    processor.withTraces(createFor('traces'), StabilityLevel.Beta),
    processor.withMetrics(createFor('metrics'), StabilityLevel.Beta),
    processor.withLogs(createFor('logs'), StabilityLevel.Beta),
  ], { configSchema, validateConfig, engineTwin });
}

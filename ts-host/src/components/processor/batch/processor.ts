import type { Buffered, Settings, Signal } from '../../../component';
import * as consumer from '../../../consumer';
import { Processor, withLifecycle } from '../../../processorhelper';
import { Batcher } from './batcher';
import type { BatchConfig } from './config';

export function createBatchProcessor<S extends Signal>(signal: S, settings: Settings, config: BatchConfig, next: consumer.ConsumerFor<S>): Processor<S> & Buffered {
  const batcher = new Batcher(signal, config, next, settings);
  // Declared mutating, as in Go: split batches share structure with their inputs, so the inputs must be ours.
  const processor = consumer.newConsumer(signal, (ctx, data) => batcher.consume(ctx, data), { capabilities: { mutatesData: true } });
  const buffered: Buffered = { bufferFill: () => batcher.fill() };
  return Object.assign(withLifecycle(processor, undefined, () => batcher.shutdown()), buffered);
}

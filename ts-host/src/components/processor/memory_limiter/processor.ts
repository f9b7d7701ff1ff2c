import type { Settings, Signal } from '../../../component';
import type * as consumer from '../../../consumer';
import { newProcessor, Processor } from '../../../processorhelper';
import type { MemoryLimiterConfig } from './config';
import { MemoryLimiter } from './limiter';

export function createMemoryLimiterProcessor<S extends Signal>(
  signal: S,
  settings: Settings,
  config: MemoryLimiterConfig,
  next: consumer.ConsumerFor<S>,
): Processor<S> {
  const limiter = new MemoryLimiter(config, settings.telemetry.logger);
  return newProcessor(signal, settings, config, next, async (_ctx, data) => {
    limiter.admit();
    return data;
  }, {
    start: async () => limiter.start(),
    shutdown: async () => limiter.stop(),
  });
}

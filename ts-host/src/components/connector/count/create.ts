import type { Settings, Signal } from '../../../component';
import * as consumer from '../../../consumer';
import { withLifecycle } from '../../../processorhelper';
import type { CountConfig } from './config';
import { countMetrics } from './counter';

/** A consumer of `signal` that emits count metrics to `next`. */
export function createCountConnector<S extends Signal>(signal: S, _settings: Settings, config: CountConfig, next: consumer.Metrics) {
  const connector = consumer.newConsumer(signal, async (ctx, data) => {
    if (data.itemCount() === 0) return;
    await next.consumeMetrics(ctx, countMetrics(config, data));
  });
  return withLifecycle(connector);
}

// Builds exporters the way Go's exporterhelper does: the component supplies a push function and the helper wraps it
// in timeout -> retry -> bounded queue (in memory, or persistent with `sending_queue.storage`), configured by the
// exporter's `timeout`, `retry_on_failure` and `sending_queue` settings.
import { type Buffered, type Component, type Host, type Settings, type Signal, withLifecycle } from '../component';
import { type Event, newEvent, newRecoverableErrorEvent, reportStatus } from '../componentstatus';
import * as consumer from '../consumer';
import type { PDataFor } from '../pdata';
import { defaultQueueConfig, ExporterHelperConfig } from './config';
import { PersistentQueue } from './persistent_queue';
import { MemoryQueue, Queue } from './queue';
import { PushFunc, retrySender, Send, timeoutSender } from './senders';

export * from './config';
export * from './schema';
export { ERR_QUEUE_IS_FULL, ThrottleRetryError } from './errors';
export type { PushFunc } from './senders';

export interface Options {
  capabilities?: consumer.Capabilities;
  start?: (host: Host) => Promise<void>;
  /** Runs after the queue has drained. */
  shutdown?: () => Promise<void>;
}

export type Exporter<S extends Signal> = Component & consumer.ConsumerFor<S>;

export function newExporter<S extends Signal>(
  signal: S,
  settings: Settings,
  config: Partial<ExporterHelperConfig>,
  push: PushFunc<PDataFor<S>>,
  options: Options = {},
): Exporter<S> {
  const logger = settings.telemetry.logger;
  const stopping = new AbortController();
  let host: Host | undefined;
  let send: Send<PDataFor<S>> = statusSender(timeoutSender(push, config.timeout ?? 0), (event) => reportStatus(host, event));
  if (config.retry_on_failure) send = retrySender(send, config.retry_on_failure, stopping.signal, logger);
  const queueConfig = config.sending_queue && { ...defaultQueueConfig(), ...config.sending_queue };
  let queue: Queue<PDataFor<S>> | undefined;
  if (queueConfig?.enabled && queueConfig.storage !== undefined) {
    queue = new PersistentQueue(signal, send, { ...queueConfig, storage: queueConfig.storage }, settings, stopping.signal);
  } else if (queueConfig?.enabled) {
    queue = new MemoryQueue(send, queueConfig, logger, (data: PDataFor<S>) => ({ items: data.itemCount(), bytes: data.byteSize() }));
  }
  const consume = queue ? (ctx: consumer.Context, data: PDataFor<S>) => (queue as Queue<PDataFor<S>>).offer(ctx, data) : send;

  const exporter: consumer.ConsumerFor<S> & Partial<Buffered> = consumer.newConsumer(signal, consume, { capabilities: options.capabilities });
  if (queue) exporter.bufferFill = () => (queue as Queue<PDataFor<S>>).fill();
  const start = async (startedWith: Host) => {
    host = startedWith;
    await options.start?.(startedWith);
    await queue?.start(startedWith);
  };
  return withLifecycle(exporter, start, async () => {
    // As in Go: stop retrying first, so the queue drains with one attempt per request (or, persistent, keeps what
    // it holds for the next start), then stop the exporter.
    stopping.abort(new Error('exporter is shutting down'));
    await queue?.shutdown();
    await options.shutdown?.();
  });
}

/**
 * Reports each attempt's outcome as the exporter's status: RecoverableError with the error of every failed attempt
 * (a destination that refuses or cannot be reached), OK after the next one that succeeds.
 */
function statusSender<D>(send: Send<D>, report: (event: Event) => void): Send<D> {
  let failing = false;
  return async (ctx, data) => {
    try {
      await send(ctx, data);
    } catch (err) {
      report(newRecoverableErrorEvent(err));
      failing = true;
      throw err;
    }
    if (failing) report(newEvent('StatusOK'));
    failing = false;
  };
}

export const newTraces = (settings: Settings, config: Partial<ExporterHelperConfig>, push: PushFunc<PDataFor<'traces'>>, options?: Options) =>
  newExporter('traces', settings, config, push, options);
export const newMetrics = (settings: Settings, config: Partial<ExporterHelperConfig>, push: PushFunc<PDataFor<'metrics'>>, options?: Options) =>
  newExporter('metrics', settings, config, push, options);
export const newLogs = (settings: Settings, config: Partial<ExporterHelperConfig>, push: PushFunc<PDataFor<'logs'>>, options?: Options) =>
  newExporter('logs', settings, config, push, options);

// The settings every exporter built with the helper shares, with the Go exporterhelper's defaults (but for
// `wait_for_result`, see QueueConfig). Durations are milliseconds, sizes bytes.
import { ID } from '../component';

export interface TimeoutConfig {
  /** How long one push may take; 0 means no limit. */
  timeout: number;
}

export interface RetryConfig {
  enabled: boolean;
  initial_interval: number;
  /** Each wait is the interval times a random factor in [1 - randomization_factor, 1 + randomization_factor]. */
  randomization_factor: number;
  multiplier: number;
  max_interval: number;
  /** Gives up after this long; 0 means retry forever. */
  max_elapsed_time: number;
}

/** What `queue_size` counts: requests (Go's default), items (spans, data points, log records) or payload bytes. */
export type Sizer = 'requests' | 'items' | 'bytes';

export interface QueueConfig {
  enabled: boolean;
  /** Pushes running at the same time. */
  num_consumers: number;
  /** How much the queue holds, counted by `sizer`; a request that does not fit is refused with a retryable error. */
  queue_size: number;
  sizer: Sizer;
  /** Tandem's: the most payload bytes the queue holds, whatever `sizer` counts. */
  queue_size_bytes: number;
  /**
   * Whether a caller waits for its request's export. Unset means yes without `storage` (a request is acknowledged
   * once exported, never while it is only in memory) and once written and synced with it. `false` without storage is
   * Go's default: acknowledged once queued in memory, lost on a crash.
   */
  wait_for_result?: boolean;
  /** A storage extension's ID (`file_storage[/name]`): the queue is kept there and survives a crash. */
  storage?: string;
}

export interface ExporterHelperConfig extends TimeoutConfig {
  retry_on_failure: RetryConfig;
  sending_queue: QueueConfig;
}

export const defaultTimeoutConfig = (): TimeoutConfig => ({ timeout: 5000 });

export const defaultRetryConfig = (): RetryConfig => ({
  enabled: true,
  initial_interval: 5000,
  randomization_factor: 0.5,
  multiplier: 1.5,
  max_interval: 30000,
  max_elapsed_time: 300000,
});

export const defaultQueueConfig = (): QueueConfig => ({ enabled: true, num_consumers: 10, queue_size: 1000, sizer: 'requests', queue_size_bytes: 256 * 2 ** 20 });

export function defaultExporterHelperConfig(): ExporterHelperConfig {
  return { ...defaultTimeoutConfig(), retry_on_failure: defaultRetryConfig(), sending_queue: defaultQueueConfig() };
}

export function validateExporterHelperConfig(config: Partial<ExporterHelperConfig>): void {
  if (config.timeout !== undefined && config.timeout < 0) throw new Error('"timeout" must be positive');
  const queue = config.sending_queue;
  if (queue?.enabled) {
    // Go's checks, in its words.
    if (queue.num_consumers <= 0) throw new Error('`num_consumers` must be positive');
    if (queue.queue_size <= 0) throw new Error('`queue_size` must be positive');
    if (queue.queue_size_bytes <= 0) throw new Error('`queue_size_bytes` must be positive');
    if (queue.storage !== undefined) {
      if (queue.wait_for_result) throw new Error('`wait_for_result` is not supported with a persistent queue configured with `storage`');
      ID.parse(queue.storage);
    }
  }
  const retry = config.retry_on_failure;
  if (retry?.enabled) {
    if (retry.initial_interval < 0) throw new Error("'initial_interval' must be non-negative");
    if (retry.randomization_factor < 0 || retry.randomization_factor > 1) throw new Error("'randomization_factor' must be within [0, 1]");
    if (retry.multiplier <= 0) throw new Error("'multiplier' must be positive");
    if (retry.max_interval < 0) throw new Error("'max_interval' must be non-negative");
    if (retry.max_elapsed_time < 0) throw new Error("'max_elapsed_time' must be non-negative");
  }
}

// The settings every exporter built with the helper shares, with the Go exporterhelper's defaults. Durations are
// milliseconds.

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

export interface QueueConfig {
  enabled: boolean;
  /** Pushes running at the same time. */
  num_consumers: number;
  /** Requests held; a request arriving when it is full is refused with a retryable error. */
  queue_size: number;
  /** When false (the default) a request is acknowledged once queued; when true, once exported. */
  wait_for_result: boolean;
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

export const defaultQueueConfig = (): QueueConfig => ({ enabled: true, num_consumers: 10, queue_size: 1000, wait_for_result: false });

export function defaultExporterHelperConfig(): ExporterHelperConfig {
  return { ...defaultTimeoutConfig(), retry_on_failure: defaultRetryConfig(), sending_queue: defaultQueueConfig() };
}

export function validateExporterHelperConfig(config: Partial<ExporterHelperConfig>): void {
  if (config.timeout !== undefined && config.timeout < 0) throw new Error('"timeout" must be positive');
  const queue = config.sending_queue;
  if (queue?.enabled) {
    if (queue.num_consumers <= 0) throw new Error('"num_consumers" must be positive');
    if (queue.queue_size <= 0) throw new Error('"queue_size" must be positive');
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

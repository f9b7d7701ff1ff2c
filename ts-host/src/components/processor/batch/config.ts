export interface BatchConfig {
  /** Items (spans, data points, log records) that trigger a send. */
  send_batch_size: number;
  /** Milliseconds after the first pending item at which a batch is sent regardless of its size; 0 sends at once. */
  timeout: number;
  /** Milliseconds a batch waits for more data while none of this processor's exports is in flight; 0 sends at once. */
  linger: number;
  /** The most items in one batch; larger batches are split. 0 means no limit. */
  send_batch_max_size: number;
}

export function createDefaultConfig(): BatchConfig {
  return { send_batch_size: 8192, timeout: 200, linger: 0, send_batch_max_size: 0 };
}

export function validateConfig(config: BatchConfig): void {
  if (config.send_batch_max_size > 0 && config.send_batch_max_size < config.send_batch_size) {
    throw new Error('send_batch_max_size must be greater or equal to send_batch_size');
  }
  if (config.linger < 0) throw new Error('linger must be non-negative');
}

/**
 * When a pending batch is due (in the clock of `first` and `latest`, the arrival times of its first and latest
 * data): `linger` after the latest arrival, and `timeout` after the first at the latest.
 */
export function dueAt(config: Pick<BatchConfig, 'timeout' | 'linger'>, first: number, latest: number): number {
  return Math.min(latest + config.linger, first + config.timeout);
}

export interface BatchConfig {
  /** Items (spans, data points, log records) that trigger a send. */
  send_batch_size: number;
  /** Milliseconds after the first pending item at which a batch is sent regardless of its size; 0 sends at once. */
  timeout: number;
  /** The most items in one batch; larger batches are split. 0 means no limit. */
  send_batch_max_size: number;
}

export function createDefaultConfig(): BatchConfig {
  return { send_batch_size: 8192, timeout: 200, send_batch_max_size: 0 };
}

export function validateConfig(config: BatchConfig): void {
  if (config.send_batch_max_size > 0 && config.send_batch_max_size < config.send_batch_size) {
    throw new Error('send_batch_max_size must be greater or equal to send_batch_size');
  }
}

// The config schema of the settings every exporterhelper-based exporter shares, for exporters to spread into theirs.
import { field, Schema } from '../config';

export const timeoutSchema: Readonly<Record<string, Schema>> = { timeout: field.duration() };

export const retrySchema = field.object({
  enabled: field.boolean(),
  initial_interval: field.duration(),
  randomization_factor: field.number(),
  multiplier: field.number(),
  max_interval: field.duration(),
  max_elapsed_time: field.duration(),
});

export const queueSchema = field.object({
  enabled: field.boolean(),
  num_consumers: field.integer(),
  queue_size: field.integer(),
  sizer: field.enum('requests', 'items', 'bytes'),
  queue_size_bytes: field.bytes(),
  wait_for_result: field.boolean(),
  storage: field.string(),
});

/** `timeout`, `retry_on_failure` and `sending_queue`. */
export const exporterHelperSchema: Readonly<Record<string, Schema>> = {
  ...timeoutSchema,
  retry_on_failure: retrySchema,
  sending_queue: queueSchema,
};

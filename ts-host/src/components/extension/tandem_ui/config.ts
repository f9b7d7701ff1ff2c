// The tandem_ui extension's settings.
import { field } from '../../../config';

export interface TandemUIConfig {
  /** `host:port`; loopback by default, since the page shows the running config. */
  endpoint: string;
  /** Milliseconds between the live updates the page receives. */
  interval: number;
  /** Whether the page may reload the collector's config (a button, and POST /api/v1/reload). */
  reload: boolean;
}

export const createDefaultConfig = (): TandemUIConfig => ({ endpoint: '127.0.0.1:13180', interval: 1000, reload: false });

export const configSchema = field.object({ endpoint: field.string(), interval: field.duration(), reload: field.boolean() });

export function validateConfig(config: TandemUIConfig): void {
  if (config.interval < 100) throw new Error('interval must be at least 100ms');
}

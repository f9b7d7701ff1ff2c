// The health_check extension's settings: the original endpoint (`endpoint`, `path`, `response_body`) and, with
// `use_v2: true`, health check v2's (`http.status`, `component_health`), as the contrib extension names them.
import { field } from '../../../config';

export interface PathConfig {
  enabled: boolean;
  path: string;
  include_attributes: boolean;
}

export interface ComponentHealthConfig {
  include_permanent_errors: boolean;
  include_recoverable_errors: boolean;
  /** Milliseconds a recoverable error counts as healthy before it makes the collector unhealthy. */
  recovery_duration: number;
}

export interface HealthCheckConfig {
  endpoint: string;
  path: string;
  response_body: { healthy: string; unhealthy: string } | null;
  /** Accepted for compatibility and ignored, as in the Go Collector. */
  check_collector_pipeline: unknown;
  use_v2: boolean;
  http: { endpoint: string; status: PathConfig; config: PathConfig };
  /** Unset: component errors show in the body but never make the answer unhealthy. */
  component_health: ComponentHealthConfig | null;
}

export const createDefaultConfig = (): HealthCheckConfig => ({
  endpoint: 'localhost:13133',
  path: '/',
  response_body: null,
  check_collector_pipeline: null,
  use_v2: false,
  http: {
    endpoint: 'localhost:13133',
    status: { enabled: true, path: '/status', include_attributes: false },
    config: { enabled: false, path: '/config', include_attributes: false },
  },
  component_health: null,
});

const pathConfig = field.object({ enabled: field.boolean(), path: field.string(), include_attributes: field.boolean() });

export const configSchema = field.object({
  endpoint: field.string(),
  path: field.string(),
  response_body: field.object({ healthy: field.string(), unhealthy: field.string() }),
  check_collector_pipeline: field.any(),
  use_v2: field.boolean(),
  http: field.object({ endpoint: field.string(), status: pathConfig, config: pathConfig }),
  component_health: field.optional(
    field.object({ include_permanent_errors: field.boolean(), include_recoverable_errors: field.boolean(), recovery_duration: field.duration() }),
    () => ({ include_permanent_errors: false, include_recoverable_errors: false, recovery_duration: 0 }),
  ),
});

/** The Go extension's checks, with its wording. */
export function validateConfig(config: HealthCheckConfig): void {
  const paths = config.use_v2 ? [config.http.status, config.http.config].filter((p) => p.enabled).map((p) => p.path) : [config.path];
  if (!(config.use_v2 ? config.http.endpoint : config.endpoint)) throw new Error('http endpoint required');
  if (paths.some((p) => !p.startsWith('/'))) throw new Error('path must start with /');
  if (config.use_v2 && config.http.config.enabled) throw new Error('http::config (serving the collector\'s config) is not supported by this health_check');
}

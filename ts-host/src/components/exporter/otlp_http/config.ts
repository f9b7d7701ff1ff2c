import { defaultExporterHelperConfig, ExporterHelperConfig } from '../../../exporterhelper';

export interface OTLPHTTPExporterConfig extends ExporterHelperConfig {
  /** The base URL; `/v1/traces`, `/v1/metrics` or `/v1/logs` is appended. */
  endpoint: string;
  /** Full URLs that override `endpoint` for one signal. */
  traces_endpoint: string;
  metrics_endpoint: string;
  logs_endpoint: string;
  /** proto (default) or json. */
  encoding: 'proto' | 'json';
  /** gzip (default) or none. */
  compression: string;
  headers: Record<string, string>;
}

export function createDefaultConfig(): OTLPHTTPExporterConfig {
  return {
    ...defaultExporterHelperConfig(),
    timeout: 30_000,
    endpoint: '',
    traces_endpoint: '',
    metrics_endpoint: '',
    logs_endpoint: '',
    encoding: 'proto',
    compression: 'gzip',
    headers: {},
  };
}

export function validateConfig(config: OTLPHTTPExporterConfig): void {
  if (!config.endpoint && !config.traces_endpoint && !config.metrics_endpoint && !config.logs_endpoint) {
    throw new Error('at least one endpoint must be specified');
  }
  if (!['gzip', 'none', ''].includes(config.compression)) throw new Error(`unsupported compression type "${config.compression}"`);
}

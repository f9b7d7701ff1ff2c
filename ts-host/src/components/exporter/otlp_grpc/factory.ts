import { type EngineTwin, Signal, StabilityLevel } from '../../../component';
import { field } from '../../../config';
import * as exporter from '../../../exporter';
import { exporterHelperSchema, validateExporterHelperConfig } from '../../../exporterhelper';
import { createDefaultConfig, OTLPGRPCExporterConfig, validateConfig } from './config';
import { createOTLPGRPCExporter } from './create';
import { parseEndpoint } from './exporter';

export const configSchema = field.object({
  ...exporterHelperSchema,
  endpoint: field.string(),
  tls: field.object({ insecure: field.boolean(), ca_file: field.string(), cert_file: field.string(), key_file: field.string() }),
  compression: field.enum('gzip', 'deflate', 'none', ''),
  headers: field.map(field.string()),
});

const createFor = <S extends Signal>(signal: S): exporter.CreateFunc<S> =>
  async (settings, config: OTLPGRPCExporterConfig) => createOTLPGRPCExporter(signal, settings, config);

/**
 * `rust_otlp_grpc` sends plain text, waits for each export and leaves retrying to the sender: a config that asks for
 * TLS, headers, a persistent queue or acknowledgement on enqueue stays in the host.
 */
export const engineTwin: EngineTwin<OTLPGRPCExporterConfig> = {
  type: 'rust_otlp_grpc',
  config: (c) => {
    const { target, secure } = parseEndpoint(c.endpoint, c.tls.insecure);
    if (secure) return { hostOnly: 'TLS (the engine\'s exporter sends plain text: set tls::insecure to true for it)' };
    if (Object.keys(c.headers).length > 0) return { hostOnly: 'headers' };
    if (c.sending_queue.enabled && c.sending_queue.storage !== undefined) return { hostOnly: 'sending_queue::storage' };
    if (c.sending_queue.enabled && c.sending_queue.wait_for_result === false) return { hostOnly: 'sending_queue::wait_for_result: false' };
    return { config: { endpoint: target, timeout: `${c.timeout}ms`, compression: c.compression === '' ? 'none' : c.compression } };
  },
};

export function newFactory(): exporter.Factory {
  return exporter.newFactory('otlp_grpc', createDefaultConfig, [
    exporter.withTraces(createFor('traces'), StabilityLevel.Stable),
    exporter.withMetrics(createFor('metrics'), StabilityLevel.Stable),
    exporter.withLogs(createFor('logs'), StabilityLevel.Stable),
  ], {
    configSchema,
    validateConfig: (config: OTLPGRPCExporterConfig) => {
      validateExporterHelperConfig(config);
      validateConfig(config);
    },
    deprecatedTypes: ['otlp'],
    engineTwin,
  });
}

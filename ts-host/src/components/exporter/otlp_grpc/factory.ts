import { Signal, StabilityLevel } from '../../../component';
import { field } from '../../../config';
import * as exporter from '../../../exporter';
import { exporterHelperSchema, validateExporterHelperConfig } from '../../../exporterhelper';
import { createDefaultConfig, OTLPGRPCExporterConfig, validateConfig } from './config';
import { createOTLPGRPCExporter } from './create';

export const configSchema = field.object({
  ...exporterHelperSchema,
  endpoint: field.string(),
  tls: field.object({ insecure: field.boolean(), ca_file: field.string(), cert_file: field.string(), key_file: field.string() }),
  compression: field.enum('gzip', 'deflate', 'none', ''),
  headers: field.map(field.string()),
});

const createFor = <S extends Signal>(signal: S): exporter.CreateFunc<S> =>
  async (settings, config: OTLPGRPCExporterConfig) => createOTLPGRPCExporter(signal, settings, config);

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
  });
}

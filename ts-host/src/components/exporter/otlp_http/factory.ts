import { Signal, StabilityLevel } from '../../../component';
import { field } from '../../../config';
import * as exporter from '../../../exporter';
import { exporterHelperSchema, validateExporterHelperConfig } from '../../../exporterhelper';
import { createDefaultConfig, OTLPHTTPExporterConfig, validateConfig } from './config';
import { createOTLPHTTPExporter } from './create';

export const configSchema = field.object({
  ...exporterHelperSchema,
  endpoint: field.string(),
  traces_endpoint: field.string(),
  metrics_endpoint: field.string(),
  logs_endpoint: field.string(),
  encoding: field.enum('proto', 'json'),
  compression: field.enum('gzip', 'none', ''),
  headers: field.map(field.string()),
});

const createFor = <S extends Signal>(signal: S): exporter.CreateFunc<S> =>
  async (settings, config: OTLPHTTPExporterConfig) => createOTLPHTTPExporter(signal, settings, config);

export function newFactory(): exporter.Factory {
  return exporter.newFactory('otlp_http', createDefaultConfig, [
    exporter.withTraces(createFor('traces'), StabilityLevel.Stable),
    exporter.withMetrics(createFor('metrics'), StabilityLevel.Stable),
    exporter.withLogs(createFor('logs'), StabilityLevel.Stable),
  ], {
    configSchema,
    validateConfig: (config: OTLPHTTPExporterConfig) => {
      validateExporterHelperConfig(config);
      validateConfig(config);
    },
    deprecatedTypes: ['otlphttp'],
  });
}

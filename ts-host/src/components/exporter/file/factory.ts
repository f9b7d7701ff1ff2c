import { Signal, StabilityLevel } from '../../../component';
import { field } from '../../../config';
import * as exporter from '../../../exporter';
import { createDefaultConfig, FileExporterConfig, validateConfig } from './config';
import { createFileExporter } from './create';

export const configSchema = field.object({ path: field.string() });

const createFor = <S extends Signal>(signal: S): exporter.CreateFunc<S> =>
  async (settings, config: FileExporterConfig) => createFileExporter(signal, settings, config);

export function newFactory(): exporter.Factory {
  return exporter.newFactory('file', createDefaultConfig, [
    exporter.withTraces(createFor('traces'), StabilityLevel.Alpha),
    exporter.withMetrics(createFor('metrics'), StabilityLevel.Alpha),
    exporter.withLogs(createFor('logs'), StabilityLevel.Alpha),
  ], { configSchema, validateConfig });
}

import { Signal, StabilityLevel } from '../../../component';
import { field } from '../../../config';
import * as exporter from '../../../exporter';
import { createDefaultConfig, DebugExporterConfig } from './config';
import { createDebugExporter } from './create';

export const configSchema = field.object({ verbosity: field.enum('basic', 'normal', 'detailed') });

const createFor = <S extends Signal>(signal: S): exporter.CreateFunc<S> =>
  async (settings, config: DebugExporterConfig) => createDebugExporter(signal, settings, config);

export function newFactory(): exporter.Factory {
  return exporter.newFactory('debug', createDefaultConfig, [
    exporter.withTraces(createFor('traces'), StabilityLevel.Alpha),
    exporter.withMetrics(createFor('metrics'), StabilityLevel.Alpha),
    exporter.withLogs(createFor('logs'), StabilityLevel.Alpha),
  ], { configSchema });
}

import type { Settings, Signal } from '../../../component';
import { Exporter, newExporter } from '../../../exporterhelper';
import type { PData } from '../../../pdata';
import type { DebugExporterConfig } from './config';
import { itemLines, summary } from './render';

const TITLES: Record<Signal, string> = { traces: 'Traces', metrics: 'Metrics', logs: 'Logs' };

export function createDebugExporter<S extends Signal>(signal: S, settings: Settings, config: DebugExporterConfig): Exporter<S> {
  const logger = settings.telemetry.logger;
  const log = async (_ctx: unknown, data: PData) => {
    logger.info(summary(data), TITLES[signal]);
    if (config.verbosity === 'normal') logger.info(itemLines(data).join('\n'));
    if (config.verbosity === 'detailed') logger.info(JSON.stringify(data.toJSON(), null, 2));
  };
  return newExporter(signal, settings, {}, log);
}

import type { Settings, Signal } from '../../../component';
import { Exporter, newExporter } from '../../../exporterhelper';
import type { PData } from '../../../pdata';
import type { DebugExporterConfig } from './config';
import { normalText } from './normal';
import { summary } from './summary';
import { detailedText } from './text';

const TITLES: Record<Signal, string> = { traces: 'Traces', metrics: 'Metrics', logs: 'Logs' };

/** As Go's: the counts, then (normal, detailed) the request's text as one more message. */
export function createDebugExporter<S extends Signal>(signal: S, settings: Settings, config: DebugExporterConfig): Exporter<S> {
  const logger = settings.telemetry.logger;
  const log = async (_ctx: unknown, data: PData) => {
    logger.info(summary(data), TITLES[signal]);
    if (config.verbosity === 'normal') logger.info(normalText(data));
    if (config.verbosity === 'detailed') logger.info(detailedText(data));
  };
  return newExporter(signal, settings, {}, log);
}

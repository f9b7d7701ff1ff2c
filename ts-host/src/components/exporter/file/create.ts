import type { Settings, Signal } from '../../../component';
import { Exporter, newExporter } from '../../../exporterhelper';
import type { FileExporterConfig } from './config';
import { JSONLinesWriter } from './writer';

/** Without timeout, retry or queue (as in Go): a request is acknowledged once its line is written. */
export function createFileExporter<S extends Signal>(signal: S, settings: Settings, config: FileExporterConfig): Exporter<S> {
  const writer = new JSONLinesWriter(config.path);
  return newExporter(signal, settings, {}, async (_ctx, data) => writer.write(data), {
    start: () => writer.open(),
    shutdown: () => writer.close(),
  });
}

import type { Settings, Signal } from '../../../component';
import { Exporter, newExporter } from '../../../exporterhelper';
import type { OTLPHTTPExporterConfig } from './config';
import { OTLPHTTPClient } from './exporter';

export function createOTLPHTTPExporter<S extends Signal>(signal: S, settings: Settings, config: OTLPHTTPExporterConfig): Exporter<S> {
  const client = new OTLPHTTPClient(settings, config);
  return newExporter(signal, settings, config, (ctx, data, abort) => client.push(ctx, data, abort));
}

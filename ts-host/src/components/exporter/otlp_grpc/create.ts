import type { Settings, Signal } from '../../../component';
import { Exporter, newExporter } from '../../../exporterhelper';
import type { OTLPGRPCExporterConfig } from './config';
import { OTLPGRPCClient } from './exporter';

export function createOTLPGRPCExporter<S extends Signal>(signal: S, settings: Settings, config: OTLPGRPCExporterConfig): Exporter<S> {
  let client: OTLPGRPCClient | undefined;
  return newExporter(signal, settings, config, (ctx, data, abort) => {
    client ??= new OTLPGRPCClient(settings, config);
    return client.push(ctx, data, abort);
  }, {
    shutdown: async () => client?.close(),
  });
}

// The telemetry each component gets: a child of the service's logger and a meter, both naming the component.
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Kind, Signal, TelemetrySettings } from '../component';
import { newMeter } from './meter';

const KIND_TITLE: Readonly<Record<Kind, string>> = {
  receiver: 'Receiver', processor: 'Processor', exporter: 'Exporter', connector: 'Connector', extension: 'Extension',
};

export interface ComponentIdentity {
  readonly id: string;
  readonly kind: Kind;
  readonly signal?: Signal;
}

/** The logger fields and meter labels are the Go Collector's component attributes (otelcol.component.id, ...). */
export function componentTelemetry(logger: Logger, registry: Registry, identity: ComponentIdentity): TelemetrySettings {
  const attributes: Record<string, string> = { 'otelcol.component.id': identity.id, 'otelcol.component.kind': KIND_TITLE[identity.kind] };
  if (identity.signal) attributes['otelcol.signal'] = identity.signal;
  const labels = Object.fromEntries(Object.entries(attributes).map(([key, value]) => [key.replaceAll('.', '_'), value]));
  return { logger: logger.child(attributes), meter: newMeter(registry, labels), metrics: registry };
}

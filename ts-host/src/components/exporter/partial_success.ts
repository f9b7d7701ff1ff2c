import type { Settings, Signal } from '../../component';
import { ExportResponse, otlpServices } from '../../pdata';

/** A server that accepted only part of a request says so in the response; Go's exporters log it at WARN. */
export function logPartialSuccess(settings: Settings, signal: Signal, response: ExportResponse): void {
  const partial = response.partialSuccess;
  if (!partial || (partial.rejected === 0 && partial.errorMessage === '')) return;
  const dropped = `dropped_${otlpServices[signal].itemName.replace(/ /g, '_')}`;
  settings.telemetry.logger.warn({ message: partial.errorMessage, [dropped]: partial.rejected }, 'Partial success response');
}

// The `webhook` exporter: POSTs each request, as OTLP/JSON, to `endpoint`, with the exporterhelper's timeout, retry
// and queue. A 2xx answer is success; 429, 502, 503 and 504 are retried (after Retry-After when the server sends
// one); any other answer is permanent, so the same data is not sent again.
import { component, config, consumererror, exporter, exporterhelper, pdata } from '@tandem/host';

export interface Config extends exporterhelper.ExporterHelperConfig {
  /** The URL requests are POSTed to. */
  endpoint: string;
  /** Extra request headers, such as an authorization token. */
  headers: Record<string, string>;
}

export const TYPE = 'webhook';

export const createDefaultConfig = (): Config => ({ ...exporterhelper.defaultExporterHelperConfig(), endpoint: '', headers: {} });

const configSchema = config.field.object({
  ...exporterhelper.exporterHelperSchema,
  endpoint: config.field.string(),
  headers: config.field.map(config.field.string()),
});

function validateConfig(cfg: Config): void {
  if (cfg.endpoint === '') throw new Error('"endpoint" is required');
  let url: URL;
  try {
    url = new URL(cfg.endpoint);
  } catch {
    throw new Error(`"endpoint" must be a URL, got "${cfg.endpoint}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`"endpoint" must be http or https, got "${url.protocol}"`);
  exporterhelper.validateExporterHelperConfig(cfg);
}

const RETRYABLE = new Set([429, 502, 503, 504]);

/** Retry-After in seconds (the only form this example reads), as milliseconds. */
const retryAfter = (header: string | null): number | undefined => (header && /^\d+$/.test(header) ? Number(header) * 1000 : undefined);

function createWebhook<S extends component.Signal>(signal: S) {
  return async (settings: component.Settings, cfg: Config): Promise<exporter.Exporter<S>> =>
    exporterhelper.newExporter(signal, settings, cfg, async (_ctx, data: pdata.PDataFor<S>, abort) => {
      let response: Response;
      try {
        response = await fetch(cfg.endpoint, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...cfg.headers },
          body: JSON.stringify(data.toJSON()),
          signal: abort,
        });
      } catch (err) {
        throw new consumererror.RetryableError(`webhook ${cfg.endpoint} unreachable: ${(err as Error).message}`, err);
      }
      await response.arrayBuffer(); // drain the body, so the connection can be reused
      if (response.ok) return;
      const failure = new consumererror.StatusError(`webhook ${cfg.endpoint} answered ${response.status}`, { http: response.status });
      if (!RETRYABLE.has(response.status)) throw new consumererror.PermanentError(failure);
      const delay = retryAfter(response.headers.get('retry-after'));
      throw delay !== undefined ? new exporterhelper.ThrottleRetryError(failure, delay) : failure;
    });
}

export function newFactory(): exporter.Factory {
  return exporter.newFactory(TYPE, createDefaultConfig, [
    exporter.withTraces(createWebhook('traces'), component.StabilityLevel.Alpha),
    exporter.withMetrics(createWebhook('metrics'), component.StabilityLevel.Alpha),
    exporter.withLogs(createWebhook('logs'), component.StabilityLevel.Alpha),
  ], { configSchema, validateConfig });
}

// The health_check extension: the Go Collector's (contrib healthcheckextension / healthcheckv2extension) over the
// components' status. The original endpoint answers 200 while the collector runs and 503 otherwise; with `use_v2`
// the status endpoint serves the aggregate and per-pipeline status as health check v2's JSON.
import * as http from 'node:http';
import { Component, Settings, StabilityLevel } from '../../../component';
import { Aggregator, type AggregateStatus, type Event, type InstanceID, reportStatus, newPermanentErrorEvent, type Status, type Watcher } from '../../../componentstatus';
import * as extension from '../../../extension';
import { listenOn } from '../../../service/listen';
import { configSchema, createDefaultConfig, type HealthCheckConfig, validateConfig } from './config';

/** Implemented by extensions that follow the pipelines' readiness (Go's extensioncapabilities.PipelineWatcher). */
export interface PipelineWatcher {
  ready(): void;
  notReady(): void;
}

/** health check v2's HTTP codes per aggregate status. */
const RESPONSE_CODES: Readonly<Record<Status, number>> = {
  StatusNone: 503, StatusStarting: 503, StatusOK: 200, StatusRecoverableError: 200, StatusPermanentError: 200,
  StatusFatalError: 500, StatusStopping: 503, StatusStopped: 503,
};

function formatUptime(ms: number): string {
  const seconds = ms / 1000;
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return `${h > 0 ? `${h}h` : ''}${h > 0 || m > 0 ? `${m}m` : ''}${s.toFixed(3).replace(/\.?0+$/, '')}s`;
}

/** A Go ServeMux pattern: a path ending in `/` matches its subtree, any other only itself. */
const matches = (pattern: string, pathname: string) => (pattern.endsWith('/') ? pathname.startsWith(pattern) : pathname === pattern);

class HealthCheck implements Component, PipelineWatcher, Watcher {
  private server: http.Server | undefined;
  private readonly started = new Date();
  private readonly aggregator: Aggregator;
  /** Until the pipelines are ready, only Starting events count (so the status does not flap while they start). */
  private queued: Array<[InstanceID, Event]> | undefined = [];

  constructor(private readonly settings: Settings, private readonly config: HealthCheckConfig) {
    const health = config.component_health;
    this.aggregator = new Aggregator(health?.include_recoverable_errors && !health.include_permanent_errors ? 'recoverable' : 'permanent');
  }

  componentStatusChanged(source: InstanceID, event: Event): void {
    if (this.queued && event.status !== 'StatusStarting') this.queued.push([source, event]);
    else this.aggregator.record(source, event);
  }

  componentRemoved(source: InstanceID): void {
    this.queued = this.queued?.filter(([queued]) => queued !== source);
    this.aggregator.remove(source);
  }

  ready(): void {
    for (const [source, event] of this.queued ?? []) this.aggregator.record(source, event);
    this.queued = undefined;
  }

  notReady(): void {}

  async start(host: Parameters<Component['start']>[0]): Promise<void> {
    if (this.server) return;
    this.server = http.createServer((req, res) => this.answer(req, res));
    const endpoint = this.config.use_v2 ? this.config.http.endpoint : this.config.endpoint;
    await listenOn(this.server, endpoint);
    this.server.on('error', (err) => reportStatus(host, newPermanentErrorEvent(err)));
    this.settings.telemetry.logger.info({ endpoint }, 'Health Check is starting.');
  }

  private answer(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://host');
    if (!this.config.use_v2) {
      if (!matches(this.config.path, url.pathname)) return void res.writeHead(404).end();
      return this.answerLegacy(res);
    }
    if (!this.config.http.status.enabled || !matches(this.config.http.status.path, url.pathname)) return void res.writeHead(404).end();
    const verbose = url.searchParams.has('verbose') && url.searchParams.get('verbose') !== 'false';
    const pipeline = url.searchParams.get('pipeline') ?? undefined;
    const status = this.aggregator.status(pipeline || undefined, verbose);
    if (!status) return void res.writeHead(404).end();
    const now = Date.now();
    const body = { start_time: this.started.toISOString(), ...this.serialize(status, now) };
    const code = this.config.component_health && !body.healthy ? 500 : RESPONSE_CODES[status.event.status];
    res.writeHead(code, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
  }

  /** The original extension's answer: 200 while the collector runs (errors included), 503 otherwise. */
  private answerLegacy(res: http.ServerResponse): void {
    const status = (this.aggregator.status(undefined, false) as AggregateStatus).event.status;
    const code = status === 'StatusFatalError' ? 503 : RESPONSE_CODES[status];
    const custom = this.config.response_body;
    if (custom) return void res.writeHead(code).end(code === 200 ? custom.healthy : custom.unhealthy);
    const body = code === 200
      ? { status: 'Server available', upSince: this.started.toISOString(), uptime: formatUptime(Date.now() - this.started.getTime()) }
      : { status: 'Server not available', upSince: '0001-01-01T00:00:00Z', uptime: '' };
    res.writeHead(code, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
  }

  /** One aggregate as health check v2 writes it: healthy, status, error, status_time, attributes, components. */
  private serialize(status: AggregateStatus, now: number): { healthy: boolean } & Record<string, unknown> {
    const { event } = status;
    const out: { healthy: boolean } & Record<string, unknown> = { healthy: this.healthy(event, now), status: event.status };
    if (event.error) out.error = event.error.message;
    out.status_time = event.timestamp.toISOString();
    out.attributes = {};
    if (status.components) {
      out.components = Object.fromEntries([...status.components].sort(([a], [b]) => a.localeCompare(b)).map(([key, child]) => [key, this.serialize(child, now)]));
    }
    return out;
  }

  /** Without `component_health`, errors never make it unhealthy; with it, as its options say. */
  private healthy(event: Event, now: number): boolean {
    const health = this.config.component_health;
    if (!health) return true;
    if (event.status === 'StatusPermanentError') return !health.include_permanent_errors;
    if (event.status === 'StatusRecoverableError' && health.include_recoverable_errors) return now < event.timestamp.getTime() + health.recovery_duration;
    return event.status !== 'StatusFatalError';
  }

  async shutdown(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

export function newFactory(): extension.Factory {
  return extension.newFactory('health_check', createDefaultConfig, async (settings, config: HealthCheckConfig) => new HealthCheck(settings, config), StabilityLevel.Beta, {
    configSchema,
    validateConfig,
  });
}

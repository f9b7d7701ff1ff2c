// The health_check extension: an HTTP endpoint that answers 200 while the pipelines run and 503 otherwise.
import * as http from 'node:http';
import { Component, Settings, StabilityLevel } from '../../../component';
import { field } from '../../../config';
import * as extension from '../../../extension';
import { listenOn } from '../../../service/listen';

export interface HealthCheckConfig {
  endpoint: string;
  path: string;
  response_body: { healthy: string; unhealthy: string } | null;
}

const createDefaultConfig = (): HealthCheckConfig => ({ endpoint: 'localhost:13133', path: '/', response_body: null });

/** Implemented by extensions that follow the pipelines' readiness (Go's extensioncapabilities.PipelineWatcher). */
export interface PipelineWatcher {
  ready(): void;
  notReady(): void;
}

function formatUptime(ms: number): string {
  const seconds = ms / 1000;
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return `${h > 0 ? `${h}h` : ''}${h > 0 || m > 0 ? `${m}m` : ''}${s.toFixed(3).replace(/\.?0+$/, '')}s`;
}

class HealthCheck implements Component, PipelineWatcher {
  private server: http.Server | undefined;
  private readySince: Date | undefined;

  constructor(private readonly settings: Settings, private readonly config: HealthCheckConfig) {}

  ready(): void {
    this.readySince = new Date();
  }

  notReady(): void {
    this.readySince = undefined;
  }

  async start(): Promise<void> {
    if (this.server) return;
    this.server = http.createServer((req, res) => this.answer(req, res));
    await listenOn(this.server, this.config.endpoint);
    this.settings.telemetry.logger.info({ endpoint: this.config.endpoint }, 'Health Check is starting.');
  }

  private answer(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (new URL(req.url ?? '/', 'http://host').pathname !== this.config.path) {
      res.writeHead(404).end();
      return;
    }
    const since = this.readySince;
    const custom = this.config.response_body;
    if (since) {
      const body = custom?.healthy ?? JSON.stringify({ status: 'Server available', upSince: since.toISOString(), uptime: formatUptime(Date.now() - since.getTime()) });
      res.writeHead(200, { 'Content-Type': custom ? 'text/plain' : 'application/json' }).end(body);
    } else {
      const body = custom?.unhealthy ?? JSON.stringify({ status: 'Server not available', upSince: '0001-01-01T00:00:00Z', uptime: '' });
      res.writeHead(503, { 'Content-Type': custom ? 'text/plain' : 'application/json' }).end(body);
    }
  }

  async shutdown(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

export function newFactory(): extension.Factory {
  return extension.newFactory(
    'health_check',
    createDefaultConfig,
    async (settings, config: HealthCheckConfig) => new HealthCheck(settings, config),
    StabilityLevel.Beta,
    {
      configSchema: field.object({
        endpoint: field.string(),
        path: field.string(),
        response_body: field.object({ healthy: field.string(), unhealthy: field.string() }),
      }),
    },
  );
}

// The running collector: internal telemetry, extensions, and the pipeline graph, started and stopped in the Go
// Collector's order (service/service.go).
import type * as http from 'node:http';
import type { Logger } from 'pino';
import type { BuildInfo, Component, Host } from '../component';
import type { Engine } from '../engine';
import { Graph } from '../graph';
import type { ComponentConfig, Config } from '../otelcol';
import { registerEngineMetrics, servePrometheus, ServiceMetrics } from '../telemetry';

interface Extension {
  readonly id: string;
  readonly component: Component & Partial<{ ready(): void; notReady(): void }>;
}

export interface ServiceSettings {
  readonly logger: Logger;
  readonly buildInfo: BuildInfo;
  /** The running engine, when `runtime.rust.mode` is not off: its ring metrics join the service's. */
  readonly engine?: Engine;
}

export class Service implements Host {
  private readonly metrics = new ServiceMetrics();
  private readonly extensions: Extension[] = [];
  private graph: Graph | undefined;
  private metricsServer: http.Server | undefined;
  private shutdownStarted = false;

  constructor(private readonly config: Config, private readonly settings: ServiceSettings) {
    if (settings.engine) registerEngineMetrics(this.metrics.registry, settings.engine);
  }

  getExtensions(): ReadonlyMap<string, Component> {
    return new Map(this.extensions.map((extension) => [extension.id, extension.component]));
  }

  /** Builds every component without starting anything: what `validate` runs to catch graph errors. */
  async build(): Promise<void> {
    for (const { alias, type } of this.config.deprecatedAliases) {
      this.settings.logger.warn(`"${alias}" alias is deprecated; use "${type}" instead`);
    }
    for (const id of this.config.service.extensions) {
      const { factory, config } = this.config.components.extensions.get(id.toString()) as ComponentConfig;
      if (factory.kind !== 'extension') continue;
      const component = await factory.create(
        {
          id,
          telemetry: { logger: this.settings.logger.child({ 'otelcol.component.id': id.toString(), 'otelcol.component.kind': 'Extension' }), metrics: this.metrics.registry },
          buildInfo: this.settings.buildInfo,
        },
        config,
      );
      this.extensions.push({ id: id.toString(), component });
    }
    this.graph = await Graph.build(this.config, { logger: this.settings.logger, metrics: this.metrics, buildInfo: this.settings.buildInfo });
  }

  async start(): Promise<void> {
    if (!this.graph) await this.build();
    const logger = this.settings.logger;
    logger.info('Starting extensions...');
    for (const extension of this.extensions) {
      try {
        await extension.component.start(this);
      } catch (err) {
        throw new Error(`failed to start extensions: failed to start "${extension.id}" extension: ${(err as Error).message}`);
      }
    }
    const prometheus = this.config.service.telemetry.metrics.prometheus;
    if (prometheus) {
      this.metricsServer = await servePrometheus(this.metrics.registry, prometheus.host, prometheus.port);
      logger.info({ endpoint: `${prometheus.host}:${prometheus.port}` }, 'Serving the collector\'s metrics');
    }
    logger.info('Starting pipelines...');
    const engine = this.settings.engine;
    await (this.graph as Graph).startAll(this, engine && (() => engine.startDeployed()));
    for (const extension of this.extensions) extension.component.ready?.();
    logger.info('Everything is ready. Begin running and processing data.');
  }

  /** Receivers first, then processors and exporters, then extensions in reverse; idempotent. */
  async shutdown(): Promise<Error[]> {
    if (this.shutdownStarted) return [];
    this.shutdownStarted = true;
    const logger = this.settings.logger;
    for (const extension of this.extensions) extension.component.notReady?.();
    logger.info('Stopping pipelines...');
    const engine = this.settings.engine;
    const errors = (await this.graph?.shutdownAll(engine && (() => engine.undeploy()))) ?? [];
    logger.info('Stopping extensions...');
    for (const extension of [...this.extensions].reverse()) {
      try {
        await extension.component.shutdown();
      } catch (err) {
        errors.push(new Error(`failed to shutdown "${extension.id}" extension: ${(err as Error).message}`));
      }
    }
    const server = this.metricsServer;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    logger.info('Shutdown complete.');
    return errors;
  }
}

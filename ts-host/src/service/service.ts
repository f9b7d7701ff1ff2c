// The running collector: internal telemetry, extensions, and the pipeline graph, started and stopped in the Go
// Collector's order (service/service.go).
import type * as http from 'node:http';
import type { Logger } from 'pino';
import type { BuildInfo, Component, Host } from '../component';
import { type Event, InstanceID, isWatcher, newEvent, newPermanentErrorEvent } from '../componentstatus';
import type { Engine } from '../engine';
import { Graph } from '../graph';
import type { ComponentConfig, Config } from '../otelcol';
import { registerEngineMetrics, servePrometheus, ServiceMetrics } from '../telemetry';
import { EngineComponentStatus } from './engine_status';
import { inspect, type Inspectable, type ServiceView } from './inspect';
import { StatusReporter } from './status';

interface Extension {
  readonly id: string;
  readonly instanceID: InstanceID;
  readonly component: Component & Partial<{ ready(): void; notReady(): void }>;
}

export interface ServiceSettings {
  readonly logger: Logger;
  readonly buildInfo: BuildInfo;
  /** The running engine, when `runtime.rust.mode` is not off: its ring metrics join the service's. */
  readonly engine?: Engine;
}

export class Service implements Host, Inspectable {
  private readonly metrics = new ServiceMetrics();
  private readonly extensions: Extension[] = [];
  private readonly startTime = new Date();
  private graph: Graph | undefined;
  private metricsServer: http.Server | undefined;
  private shutdownStarted = false;
  private readonly status = new StatusReporter(
    (source, event) => this.statusChanged(source, event),
    (message) => this.settings.logger.debug({ error: message }, 'Invalid transition'),
  );
  private engineStatus: EngineComponentStatus | undefined;
  private onFatal: (err: Error) => void = () => {};
  /** Settles with the error of the first component that reports StatusFatalError: the collector must stop. */
  readonly fatalError = new Promise<Error>((resolve) => (this.onFatal = resolve));

  constructor(private readonly config: Config, private readonly settings: ServiceSettings) {
    if (settings.engine) registerEngineMetrics(this.metrics.registry, settings.engine);
  }

  /** Tells every extension that watches component status (Go's NotifyComponentStatusChange). */
  private statusChanged(source: InstanceID, event: Event): void {
    for (const { component } of this.extensions) if (isWatcher(component)) component.componentStatusChanged(source, event);
    if (event.status === 'StatusFatalError') {
      this.settings.logger.error({ error: event.error?.message }, 'Asynchronous error received, terminating process');
      this.onFatal(event.error ?? new Error('fatal error'));
    }
  }

  getExtensions(): ReadonlyMap<string, Component> {
    return new Map(this.extensions.map((extension) => [extension.id, extension.component]));
  }

  /** The running service as the live page shows it. */
  inspect(): Promise<ServiceView> {
    return inspect({
      config: this.config,
      version: this.settings.buildInfo.version,
      startTime: this.startTime,
      metrics: this.metrics,
      status: this.status,
      instances: this.graph?.componentInstances() ?? [],
      engine: this.settings.engine,
    });
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
      this.extensions.push({ id: id.toString(), instanceID: new InstanceID(id.toString(), 'extension'), component });
    }
    this.graph = await Graph.build(this.config, { logger: this.settings.logger, metrics: this.metrics, buildInfo: this.settings.buildInfo });
  }

  async start(): Promise<void> {
    if (!this.graph) await this.build();
    const logger = this.settings.logger;
    logger.info('Starting extensions...');
    for (const extension of this.extensions) {
      this.status.report(extension.instanceID, newEvent('StatusStarting'));
      try {
        await extension.component.start(this.status.hostFor(this, extension.instanceID));
      } catch (err) {
        this.status.report(extension.instanceID, newPermanentErrorEvent(err));
        throw new Error(`failed to start extensions: failed to start "${extension.id}" extension: ${(err as Error).message}`);
      }
      this.status.reportOKIfStarting(extension.instanceID);
    }
    const prometheus = this.config.service.telemetry.metrics.prometheus;
    if (prometheus) {
      this.metricsServer = await servePrometheus(this.metrics.registry, prometheus.host, prometheus.port);
      logger.info({ endpoint: `${prometheus.host}:${prometheus.port}` }, 'Serving the collector\'s metrics');
    }
    logger.info('Starting pipelines...');
    const engine = this.settings.engine;
    const graph = this.graph as Graph;
    await graph.startAll(this, this.status, engine && (() => engine.startDeployed()));
    if (engine) {
      const inEngine = graph.componentInstances().filter((c) => c.runtime === 'rust').map((c) => c.instanceID);
      this.engineStatus = new EngineComponentStatus(engine, inEngine, this.status);
      this.engineStatus.start();
    }
    for (const extension of this.extensions) extension.component.ready?.();
    logger.info('Everything is ready. Begin running and processing data.');
  }

  /** Receivers first, then processors and exporters, then extensions in reverse; idempotent. */
  async shutdown(): Promise<Error[]> {
    if (this.shutdownStarted) return [];
    this.shutdownStarted = true;
    const logger = this.settings.logger;
    for (const extension of this.extensions) extension.component.notReady?.();
    this.engineStatus?.stop();
    logger.info('Stopping pipelines...');
    const errors = (await this.graph?.shutdownAll(this.status)) ?? [];
    logger.info('Stopping extensions...');
    for (const extension of [...this.extensions].reverse()) {
      this.status.report(extension.instanceID, newEvent('StatusStopping'));
      try {
        await extension.component.shutdown();
      } catch (err) {
        this.status.report(extension.instanceID, newPermanentErrorEvent(err));
        errors.push(new Error(`failed to shutdown "${extension.id}" extension: ${(err as Error).message}`));
        continue;
      }
      this.status.report(extension.instanceID, newEvent('StatusStopped'));
    }
    const server = this.metricsServer;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    logger.info('Shutdown complete.');
    return errors;
  }
}

// The running collector: internal telemetry, extensions, and the pipeline graph, started and stopped in the Go
// Collector's order (service/service.go).
import type * as http from 'node:http';
import type { Logger } from 'pino';
import type { BuildInfo, Component, Host } from '../component';
import { type Event, InstanceID, isWatcher, newEvent, newPermanentErrorEvent } from '../componentstatus';
import type { Engine } from '../engine';
import { Graph } from '../graph';
import type { ComponentConfig, Config } from '../otelcol';
import { componentTelemetry, registerEngineMetrics, servePrometheus, ServiceMetrics } from '../telemetry';
import { EngineComponentStatus } from './engine_status';
import { inspect, type Inspectable, type ServiceView } from './inspect';
import { ReloadRefused, type Reloadable, type ReloadResult } from './reload';
import { StatusReporter } from './status';

interface Extension {
  readonly id: string;
  readonly instanceID: InstanceID;
  readonly component: Component & Partial<{ ready(): void; notReady(): void }>;
  /** What it was created from: a reload keeps an extension whose type and config did not change. */
  readonly fingerprint: string;
}

export interface ServiceSettings {
  readonly logger: Logger;
  readonly buildInfo: BuildInfo;
  /** The running engine, when `runtime.rust.mode` is not off: its ring metrics join the service's. */
  readonly engine?: Engine;
}

export class Service implements Host, Inspectable, Reloadable {
  private readonly metrics = new ServiceMetrics();
  private extensions: Extension[] = [];
  private readonly startTime = new Date();
  private graph: Graph | undefined;
  private metricsServer: http.Server | undefined;
  private shutdownStarted = false;
  /** Set once every pipeline has started: from then on a reload can swap them. */
  private running = false;
  private readonly status = new StatusReporter(
    (source, event) => this.statusChanged(source, event),
    (message) => this.settings.logger.debug({ error: message }, 'Invalid transition'),
    (source) => {
      for (const { component } of this.extensions) if (isWatcher(component)) component.componentRemoved?.(source);
    },
  );
  /** One reload at a time: a second SIGHUP waits for the first. */
  private reloading: Promise<unknown> = Promise.resolve();
  /** Where a reload gets the new config (set by the command line, which knows the config sources). */
  private reloadSource: (() => Promise<Config>) | undefined;
  private engineStatus: EngineComponentStatus | undefined;
  private onFatal: (err: Error) => void = () => {};
  /** Settles with the error of the first component that reports StatusFatalError: the collector must stop. */
  readonly fatalError = new Promise<Error>((resolve) => (this.onFatal = resolve));

  constructor(private config: Config, private readonly settings: ServiceSettings) {
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
    this.extensions = await this.createExtensions(this.config);
    this.graph = await Graph.build(this.config, this.graphSettings());
  }

  private graphSettings() {
    return { logger: this.settings.logger, metrics: this.metrics, buildInfo: this.settings.buildInfo };
  }

  /** The extensions `config` lists, in its order; those in `keep` (same type and config) are taken over, running. */
  private async createExtensions(config: Config, keep: readonly Extension[] = []): Promise<Extension[]> {
    const extensions: Extension[] = [];
    for (const id of config.service.extensions) {
      const { factory, config: extensionConfig } = config.components.extensions.get(id.toString()) as ComponentConfig;
      if (factory.kind !== 'extension') continue;
      const fingerprint = `${factory.type}|${JSON.stringify(extensionConfig)}`;
      const running = keep.find((e) => e.id === id.toString() && e.fingerprint === fingerprint);
      if (running) {
        extensions.push(running);
        continue;
      }
      const component = await factory.create(
        {
          id,
          telemetry: componentTelemetry(this.settings.logger, this.metrics.registry, { id: id.toString(), kind: 'extension' }),
          buildInfo: this.settings.buildInfo,
        },
        extensionConfig,
      );
      extensions.push({ id: id.toString(), instanceID: new InstanceID(id.toString(), 'extension'), component, fingerprint });
    }
    return extensions;
  }

  private async startExtension(extension: Extension): Promise<void> {
    this.status.report(extension.instanceID, newEvent('StatusStarting'));
    try {
      await extension.component.start(this.status.hostFor(this, extension.instanceID));
    } catch (err) {
      this.status.report(extension.instanceID, newPermanentErrorEvent(err));
      throw new Error(`failed to start extensions: failed to start "${extension.id}" extension: ${(err as Error).message}`);
    }
    this.status.reportOKIfStarting(extension.instanceID);
  }

  private async shutdownExtension(extension: Extension, errors: Error[]): Promise<void> {
    this.status.report(extension.instanceID, newEvent('StatusStopping'));
    try {
      await extension.component.shutdown();
    } catch (err) {
      this.status.report(extension.instanceID, newPermanentErrorEvent(err));
      errors.push(new Error(`failed to shutdown "${extension.id}" extension: ${(err as Error).message}`));
      return;
    }
    this.status.report(extension.instanceID, newEvent('StatusStopped'));
  }

  private watchEngine(graph: Graph): void {
    const engine = this.settings.engine;
    if (!engine) return;
    this.engineStatus?.stop();
    const inEngine = graph.componentInstances().filter((c) => c.runtime === 'rust').map((c) => c.instanceID);
    this.engineStatus = new EngineComponentStatus(engine, inEngine, this.status);
    this.engineStatus.start();
  }

  async start(): Promise<void> {
    if (!this.graph) await this.build();
    const logger = this.settings.logger;
    logger.info('Starting extensions...');
    for (const extension of this.extensions) await this.startExtension(extension);
    const prometheus = this.config.service.telemetry.metrics.prometheus;
    if (prometheus) {
      this.metricsServer = await servePrometheus(this.metrics.registry, prometheus.host, prometheus.port);
      logger.info({ endpoint: `${prometheus.host}:${prometheus.port}` }, 'Serving the collector\'s metrics');
    }
    logger.info('Starting pipelines...');
    const engine = this.settings.engine;
    const graph = this.graph as Graph;
    await graph.startAll(this, this.status, engine && (() => engine.startDeployed()));
    this.watchEngine(graph);
    for (const extension of this.extensions) extension.component.ready?.();
    this.running = true;
    logger.info('Everything is ready. Begin running and processing data.');
  }

  /** Where reloads get the new config; without one, `requestReload` refuses. */
  setReloadSource(source: () => Promise<Config>): void {
    this.reloadSource = source;
  }

  /** Reloads from the reload source (SIGHUP, the live page); never throws: a refusal is the result. */
  async requestReload(): Promise<ReloadResult> {
    const source = this.reloadSource;
    if (!source) return { ok: false, error: 'this collector cannot reload its config' };
    try {
      return { ok: true, ...(await this.reload(await source())) };
    } catch (err) {
      this.settings.logger.error({ error: (err as Error).message }, 'Config reload refused; the running config is kept');
      return { ok: false, error: (err as Error).message };
    }
  }

  /**
   * Runs `next` in place of the running config, changing only what changed. Everything that can fail is done first
   * (building the components that are new or changed): a config that does not build is refused (ReloadRefused) and
   * the running one is kept. Then, while the host receivers that stay hold new requests back, what is replaced shuts
   * down in the Collector's order, draining what it holds into its consumers, the new components start, and the
   * receivers are pointed at them. A failure to start the new components is fatal, as in the Go Collector.
   */
  reload(next: Config): Promise<{ kept: string[]; built: string[] }> {
    const run = this.reloading.then(() => this.swap(next));
    this.reloading = run.catch(() => undefined);
    return run;
  }

  private async swap(next: Config): Promise<{ kept: string[]; built: string[] }> {
    const logger = this.settings.logger;
    if (this.shutdownStarted) throw new ReloadRefused('the collector is shutting down');
    if (!this.running) throw new ReloadRefused('the collector is still starting');
    const unchangeable = this.unchangeable(next);
    if (unchangeable) throw new ReloadRefused(`${unchangeable} cannot change on a reload: restart the collector`);
    let graph: Graph;
    let extensions: Extension[];
    try {
      extensions = await this.createExtensions(next, this.extensions);
      this.settings.engine?.newDeployment();
      graph = await Graph.build(next, this.graphSettings(), this.graph);
    } catch (err) {
      throw new ReloadRefused(`failed to build pipelines: ${(err as Error).message}`);
    }
    const old = this.graph as Graph;
    const changes = graph.changes();
    logger.info({ kept: changes.kept, replaced: changes.built }, 'Reloading the config...');
    graph.holdReceivers();
    this.engineStatus?.stop();
    // The engine's part is taken over whole (nothing new collected) or replaced whole, once the old receivers stopped.
    const engine = this.settings.engine;
    const engineKept = engine !== undefined && engine.deployment.empty && graph.componentInstances().some((i) => i.runtime === 'rust');
    const errors = await old.shutdownAll(this.status, graph, engine && !engineKept ? () => engine.undeploy() : undefined);
    const leaving = this.extensions.filter((e) => !extensions.includes(e));
    for (const extension of [...leaving].reverse()) {
      await this.shutdownExtension(extension, errors);
      this.status.forget(extension.instanceID);
    }
    for (const error of errors) logger.warn({ error: error.message }, 'Reload: a replaced component did not shut down cleanly');
    const arriving = extensions.filter((e) => !this.extensions.includes(e));
    this.extensions = extensions;
    this.config = next;
    this.graph = graph;
    this.settings.logger.level = next.service.telemetry.logs.level;
    try {
      for (const extension of arriving) {
        // A new watcher hears where every component stands before it hears what changes.
        if (isWatcher(extension.component)) for (const [source, event] of this.status.latest()) extension.component.componentStatusChanged(source, event);
        await this.startExtension(extension);
      }
      await graph.startAll(this, this.status, engine && (() => engine.startDeployed()));
    } catch (err) {
      const error = new Error(`cannot start pipelines after a reload: ${(err as Error).message}`);
      logger.error({ error: error.message }, 'Reload failed after the running pipelines stopped');
      this.onFatal(error);
      throw error;
    }
    graph.retargetReceivers();
    this.watchEngine(graph);
    for (const extension of arriving) extension.component.ready?.();
    logger.info({ kept: changes.kept, replaced: changes.built }, 'Config reloaded.');
    return changes;
  }

  /** The first part of `next` a reload cannot apply (it would need another process or endpoint), if any. */
  private unchangeable(next: Config): string | undefined {
    const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
    if (!same(next.runtime, this.config.runtime)) return 'runtime';
    if (!same(next.service.telemetry.metrics, this.config.service.telemetry.metrics)) return 'service::telemetry::metrics';
    if (next.service.telemetry.logs.encoding !== this.config.service.telemetry.logs.encoding) return 'service::telemetry::logs::encoding';
    return undefined;
  }

  /** Receivers first, then processors and exporters, then extensions in reverse; idempotent. */
  async shutdown(): Promise<Error[]> {
    if (this.shutdownStarted) return [];
    this.shutdownStarted = true;
    const logger = this.settings.logger;
    await this.reloading;
    for (const extension of this.extensions) extension.component.notReady?.();
    this.engineStatus?.stop();
    logger.info('Stopping pipelines...');
    const engine = this.settings.engine;
    const errors = (await this.graph?.shutdownAll(this.status, undefined, engine && (() => engine.undeploy()))) ?? [];
    logger.info('Stopping extensions...');
    for (const extension of [...this.extensions].reverse()) await this.shutdownExtension(extension, errors);
    const server = this.metricsServer;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    logger.info('Shutdown complete.');
    return errors;
  }
}

// The engine as the host runs it: spawned as a child with its rings inherited (mode spawn), or reached at a control
// endpoint with its rings attached by path (mode attach). The host checks versions at handshake, forwards the
// engine's logs into its own, restarts a spawned engine that dies (with backoff, on fresh regions), and stops it on
// exit. While the engine is gone, every request on its rings fails retryable (the ring session does that).
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import type { Logger } from 'pino';
import { inheritedStdio, listenForPeer, Region, RingError, Session, symmetricOptions, type SessionStats } from '@tandem/ipc';
import type { Signal } from '../component';
import { consume, type ConsumerFor } from '../consumer';
import { isPermanent, PermanentError } from '../consumererror';
import type { RustRuntimeConfig } from '../otelcol/runtime';
import { fromProtoFor } from '../pdata';
import { engineBinaryPath } from './binary';
import { ControlClient, type ComponentCounters, type EngineFactory, type HandshakeResponse } from './control';
import { Deployment } from './deployment';

const HANDSHAKE_WAIT_MS = 10_000;
const STOP_WAIT_MS = 5_000;
const MAX_BACKOFF_MS = 5_000;

export interface EngineOptions {
  readonly config: RustRuntimeConfig;
  readonly logger: Logger;
  readonly hostVersion: string;
}

/** One engine core's ring: the region and the session over it. */
interface Ring {
  region: Region;
  session: Session;
}

export class Engine {
  private child: ChildProcess | undefined;
  private control: ControlClient | undefined;
  private rings: Ring[] = [];
  private nextRing = 0;
  /** False from the engine's death until its replacement has everything deployed again. */
  private serving = false;
  private stopping = false;
  private failures = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  private readonly logger: Logger;
  /** How many times a dead engine was started again. */
  restarts = 0;
  /** The ring counters of sessions that have ended, so that totals survive engine restarts. */
  private readonly endedTotals: SessionStats = zeroStats();
  /** Host consumers the engine sends to, by route (ipc/SPEC.md: REQUEST `route`). */
  private readonly routes = new Map<number, { signal: Signal; consumer: ConsumerFor<Signal> }>();
  /** The engine's part of the pipelines, collected as the host's graph builds it; a restarted engine gets it again. */
  readonly deployment = new Deployment((signal, consumer) => this.addRoute(signal, consumer));
  /** Whether the deployment runs (between `startDeployed` and `undeploy`). */
  private deployed = false;
  /** The engine's factory catalogue, read at the first handshake. */
  factories: EngineFactory[] = [];
  /** What the engine reported at the last handshake. */
  handshake: HandshakeResponse | undefined;

  constructor(private readonly options: EngineOptions) {
    this.logger = options.logger.child({ 'otelcol.component.kind': 'engine' });
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async start(): Promise<HandshakeResponse> {
    this.handshake = this.options.config.mode === 'attach' ? await this.attach() : await this.spawnEngine();
    this.factories = await this.control!.listFactories();
    this.serving = true;
    const { runtime, engineVersion } = this.handshake;
    this.logger.info({ engine_version: engineVersion, executor: runtime.executorType, cores: runtime.cores, pid: runtime.pid, ring_setup: runtime.ringSetup }, 'Engine ready');
    return this.handshake;
  }

  private regionOptions() {
    const { buffer_size, max_message_size, queue_size } = this.options.config.ipc;
    return symmetricOptions(buffer_size, max_message_size, queue_size);
  }

  private async spawnEngine(): Promise<HandshakeResponse> {
    const { executor } = this.options.config;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-engine-')); // mode 0700: the control socket stays private
    const endpoint = `unix://${path.join(dir, 'control.sock')}`;
    const regions = Array.from({ length: executor.cores }, () => Region.createAnonymous(this.regionOptions()));
    // Core i gets its region at fd 3 + 2i and its doorbell at fd 4 + 2i.
    const stdio = regions.flatMap((r, i) => (i === 0 ? inheritedStdio(r) : (inheritedStdio(r) as unknown[]).slice(3)));
    const ringArgs = regions.flatMap((_, i) => ['--region-fd', String(3 + 2 * i), '--bell-fd', String(4 + 2 * i)]);
    const args = ['--listen', endpoint, '--executor', executor.type, '--cores', String(executor.cores), '--exit-with-parent', ...ringArgs];
    const child = spawn(engineBinaryPath(), args, { stdio: stdio as never });
    this.child = child;
    this.rings = regions.map((region, i) => ({ region, session: new Session(region, child.stdio[4 + 2 * i] as never, this.sessionOptions()) }));
    this.forwardLogs(child);
    child.once('exit', (code, signal) => {
      fs.rmSync(dir, { recursive: true, force: true });
      this.serving = false;
      this.closeRings(`the engine exited (${signal ?? `code ${code}`})`);
      if (this.child === child && !this.stopping) {
        this.logger.error({ code, signal }, 'Engine exited unexpectedly; requests in flight failed as retryable');
        this.scheduleRestart();
      }
    });
    this.control?.close();
    this.control = new ControlClient(endpoint);
    return this.control.handshake(this.options.hostVersion, HANDSHAKE_WAIT_MS);
  }

  private async attach(): Promise<HandshakeResponse> {
    const { endpoint, executor, ipc } = this.options.config;
    this.control = new ControlClient(endpoint, process.env.TANDEM_ENGINE_TOKEN);
    const handshake = await this.control.handshake(this.options.hostVersion, HANDSHAKE_WAIT_MS);
    const regions = Array.from({ length: executor.cores }, (_, i) => Region.createNamed(ipc.shm_dir, `tandem-${process.pid}-${i}`, this.regionOptions()));
    const listeners = regions.map((r) => listenForPeer(r));
    await Promise.all(listeners.map((l) => l.listening));
    await this.control.attachRings(regions.map((r) => r.path!));
    const bells = await Promise.all(listeners.map((l) => l.connection));
    this.rings = regions.map((region, i) => ({ region, session: new Session(region, bells[i], this.sessionOptions()) }));
    return handshake;
  }

  /** The engine's stderr carries one JSON object per line; each becomes a host log record at the same level. */
  private forwardLogs(child: ChildProcess): void {
    for (const stream of [child.stdout!, child.stderr!]) {
      readline.createInterface({ input: stream }).on('line', (line) => {
        let record: { level?: string; msg?: string; time?: number } & Record<string, unknown>;
        try {
          record = JSON.parse(line);
        } catch {
          this.logger.info({ engine_pid: child.pid }, line);
          return;
        }
        const { level = 'info', msg = '', time: _time, ...fields } = record;
        const log = (this.logger as unknown as Record<string, (o: object, m: string) => void>)[level] ?? this.logger.info;
        log.call(this.logger, { ...fields, engine_pid: child.pid }, msg);
      });
    }
  }

  private scheduleRestart(): void {
    const delay = Math.min(MAX_BACKOFF_MS, 100 * 2 ** this.failures);
    this.restartTimer = setTimeout(async () => {
      this.restartTimer = undefined;
      if (this.stopping) return;
      try {
        this.handshake = await this.spawnEngine();
        if (this.deployed) await this.runDeployment();
        this.serving = true;
        this.failures = 0;
        this.restarts++;
        this.logger.info({ pid: this.child?.pid, restarts: this.restarts }, 'Engine restarted');
      } catch (err) {
        this.failures++;
        this.logger.error({ error: (err as Error).message, retry_in_ms: Math.min(MAX_BACKOFF_MS, 100 * 2 ** this.failures) }, 'Engine restart failed');
        if (!this.stopping) {
          this.child?.kill('SIGKILL');
        }
      }
    }, delay);
  }

  /** The engine's requests on a route go to that route's host consumer; its outcome is the answer. */
  private sessionOptions() {
    return {
      onRequest: async (request: { route: number; payload: Buffer }) => {
        const target = this.routes.get(request.route);
        if (!target) throw new PermanentError(new Error(`route ${request.route} has no consumer in the host`));
        const data = fromProtoFor(target.signal, request.payload);
        try {
          data.validate();
        } catch (err) {
          throw new PermanentError(err); // malformed OTLP will never succeed
        }
        await consume(target.signal, target.consumer, { transport: 'engine' }, data);
      },
      isPermanent,
    };
  }

  private entryRoutes = 0;

  /** A new route on which the host feeds an engine component. */
  addEntryRoute(): number {
    return ++this.entryRoutes;
  }

  /** Registers a host consumer the engine can send to; returns its route. */
  addRoute<S extends Signal>(signal: S, consumer: ConsumerFor<S>): number {
    const route = this.routes.size + 1;
    this.routes.set(route, { signal, consumer: consumer as ConsumerFor<Signal> });
    return route;
  }

  /** Checks a component config against the engine's factory: the Collector-style error, or '' when valid. */
  validateConfig(kind: EngineFactory['kind'], id: string, config: unknown): Promise<string> {
    return this.control!.validateConfig(kind, id, JSON.stringify(config ?? null));
  }

  private async runDeployment(): Promise<void> {
    await this.control!.deploy(this.deployment.request());
    await this.control!.start();
  }

  /**
   * Deploys and starts the engine's whole part of the pipelines, its receivers included. The service calls it when
   * every host component but the receivers has started, so everything the engine sends to is running.
   */
  async startDeployed(): Promise<void> {
    if (this.deployment.empty) return;
    await this.runDeployment();
    this.deployed = true;
  }

  /**
   * Stops the deployment (idempotent). The service calls it once every receiver has stopped, so nothing new arrives
   * from the host: what is in flight into the engine (batches included) is given time to come out at the host's still
   * running consumers.
   */
  async undeploy(): Promise<void> {
    if (!this.deployed) return;
    this.deployed = false;
    const deadline = Date.now() + STOP_WAIT_MS;
    while (this.ringStats().inFlight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    await this.control?.shutdown(STOP_WAIT_MS);
  }

  /**
   * Sends one request to the engine on `route`, over the engine's cores in turn. While the engine is down (dead or
   * restarting) the request fails at once as retryable.
   */
  send(code: number, route: number, payload: Uint8Array, deadline: number): Promise<void> {
    const live = this.serving ? this.rings.filter((r) => r.session.closedWith === undefined) : [];
    if (live.length === 0) return Promise.reject(new RingError('the engine is not running (it is being restarted)', true));
    return live[this.nextRing++ % live.length].session.request(code, route, payload, deadline);
  }

  /** The counters of the components deployed on the engine now (they restart from zero with the engine). */
  async componentCounters(): Promise<ComponentCounters[]> {
    return this.serving && this.control ? this.control.counters() : [];
  }

  /** Ring counters over every session since the host started, summed over cores. */
  ringStats(): SessionStats & { inFlight: number } {
    const totals = { ...this.endedTotals, inFlight: 0 };
    for (const { session } of this.rings) {
      addStats(totals, session.stats);
      totals.inFlight += session.inFlight;
    }
    return totals;
  }

  private closeRings(reason: string): void {
    for (const { session, region } of this.rings) {
      addStats(this.endedTotals, session.stats);
      session.close(reason);
      region.close();
    }
    this.rings = [];
  }

  /** Stops the engine: drains its deployment, ends the ring sessions, and waits for a spawned engine to exit. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    await this.control?.shutdown(STOP_WAIT_MS).catch((err) => this.logger.warn({ error: (err as Error).message }, 'Engine shutdown call failed'));
    this.control?.close();
    this.closeRings('the host is stopping');
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_WAIT_MS);
      await exited;
      clearTimeout(timer);
    }
  }
}

function zeroStats(): SessionStats {
  return { requestsSent: 0, bytesSent: 0, bytesReceived: 0, waits: 0, requestsReceived: 0, responsesSent: 0, responsesReceived: 0, responsesUnmatched: 0 };
}

function addStats(into: SessionStats, from: SessionStats): void {
  for (const key of Object.keys(from) as Array<keyof SessionStats>) into[key] += from[key];
}

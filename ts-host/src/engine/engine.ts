// The engine as the host runs it: spawned as a child with its rings inherited (mode spawn), or reached at a control
// endpoint with its rings attached by path (mode attach). The host checks versions at handshake, forwards the
// engine's logs into its own and stops it on exit. An engine session ends for any reason (the engine exited, its
// doorbell closed, its heartbeat stood still, a ring was corrupt): every request in flight fails retryable, and the
// host builds a new session by itself, with backoff: a new engine on fresh regions (spawn mode; a hung one is killed
// first) or new ring files at the same endpoint once an engine answers there again (attach mode); then everything
// is deployed again. Nothing is routed to the engine until it is ready.
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import type { Logger } from 'pino';
import { inheritedStdio, layout, listenForPeer, reclaimStaleRegions, Region, RingError, Session, symmetricOptions, type SessionStats } from '@tandem/ipc';
import type { Signal } from '../component';
import { consume, type ConsumerFor } from '../consumer';
import { isPermanent, PermanentError } from '../consumererror';
import type { RustRuntimeConfig } from '../otelcol/runtime';
import { fromProtoFor } from '../pdata';
import { engineBinaryPath } from './binary';
import { ControlClient, type ComponentCounters, type EngineFactory, type HandshakeResponse } from './control';
import { Deployment } from './deployment';
import { checkSharedDir, unansweredHint } from './shared_dir';

const HANDSHAKE_WAIT_MS = 10_000;
/** A rebuild asks a short while at a time, so that the host's own stop never waits long behind it. */
const REBUILD_HANDSHAKE_WAIT_MS = 2_000;
const STOP_WAIT_MS = 5_000;
const FIRST_BACKOFF_MS = 100;
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

/** The engine as observers see it (component status, the live page): serving, down (and being rebuilt), stopped. */
export interface EngineState {
  readonly state: 'running' | 'down' | 'stopped';
  /** Why it is down. */
  readonly reason?: string;
  readonly since: Date;
}

export class Engine {
  private child: ChildProcess | undefined;
  /** Settles once the spawned engine of the last session has exited (and its folder is gone). */
  private childExited: Promise<string> = Promise.resolve('no engine was started');
  private control: ControlClient | undefined;
  private rings: Ring[] = [];
  private nextRing = 0;
  /** False from the end of a session until the next one has everything deployed again. */
  private serving = false;
  private stopping = false;
  /** Numbers engine sessions: the end of one is acted on once, whichever of its signs (ring, doorbell, exit) comes first. */
  private session = 0;
  private failures = 0;
  private rebuildTimer: NodeJS.Timeout | undefined;
  private rebuilding: Promise<void> | undefined;
  /** Set once the first start succeeded: from then on, a session that ends is rebuilt. */
  private everServed = false;
  private readonly logger: Logger;
  /** How many times a new engine session was built after one ended (restarts in spawn mode, re-attaches in attach). */
  restarts = 0;
  /** The ring counters of sessions that have ended, so that totals survive engine restarts. */
  private readonly endedTotals: SessionStats = zeroStats();
  /** Host consumers the engine sends to, by route (ipc/SPEC.md: REQUEST `route`). */
  private readonly routes = new Map<number, { signal: Signal; consumer: ConsumerFor<Signal> }>();
  /** The engine's part of the pipelines the graph being built collects (deployed at `startDeployed`). */
  deployment = new Deployment((signal, consumer) => this.addRoute(signal, consumer));
  /** The deployment that runs (between `startDeployed` and `undeploy`); a new engine session gets it again. */
  private running: Deployment | undefined;
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

  /** The largest request that crosses the ring in one message (`runtime.rust.ipc.max_message_size`). */
  get maxMessageSize(): number {
    return this.options.config.ipc.max_message_size;
  }

  /** The latest state; `states` emits `change` with each new one. */
  state: EngineState = { state: 'down', reason: 'not started yet', since: new Date() };
  readonly states = new EventEmitter<{ change: [EngineState] }>();

  /** Whether requests are routed to the engine; observers learn each change of state. */
  private setServing(serving: boolean, reason?: string): void {
    this.serving = serving;
    const state = serving ? 'running' : this.stopping ? 'stopped' : 'down';
    if (state === this.state.state && reason === this.state.reason) return;
    this.state = { state, reason, since: new Date() };
    this.states.emit('change', this.state);
  }

  async start(): Promise<HandshakeResponse> {
    const session = ++this.session;
    await this.connect(session, HANDSHAKE_WAIT_MS);
    this.factories = await this.control!.listFactories();
    if (session !== this.session) throw new Error(`the engine went away during startup: ${this.state.reason}`);
    this.everServed = true;
    this.setServing(true);
    const { runtime, engineVersion } = this.handshake!;
    this.logger.info({ engine_version: engineVersion, executor: runtime.executorType, cores: runtime.cores, pid: runtime.pid, ring_setup: runtime.ringSetup }, 'Engine ready');
    return this.handshake!;
  }

  /** Builds engine session `session`: a handshake, rings, and a watch on every sign that it ended. */
  private async connect(session: number, handshakeWaitMs: number): Promise<void> {
    try {
      this.handshake = this.options.config.mode === 'attach' ? await this.attach(handshakeWaitMs) : await this.spawnEngine(session, handshakeWaitMs);
    } catch (err) {
      this.teardown(`the engine session could not be built: ${(err as Error).message}`);
      throw err;
    }
    for (const { session: ring } of this.rings) void ring.closed.then((reason) => this.lose(session, `ring session ended: ${reason}`));
  }

  private regionOptions() {
    const { buffer_size, max_message_size, queue_size } = this.options.config.ipc;
    return symmetricOptions(buffer_size, max_message_size, queue_size);
  }

  private async spawnEngine(session: number, handshakeWaitMs: number): Promise<HandshakeResponse> {
    const { executor } = this.options.config;
    const binary = engineBinaryPath(); // before anything is created: a missing binary leaves nothing behind
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-engine-')); // mode 0700: the control socket stays private
    const endpoint = `unix://${path.join(dir, 'control.sock')}`;
    const regions: Region[] = [];
    let child: ChildProcess;
    try {
      for (let i = 0; i < executor.cores; i++) regions.push(Region.createAnonymous(this.regionOptions()));
      // Core i gets its region at fd 3 + 2i and its doorbell at fd 4 + 2i.
      const stdio = regions.flatMap((r, i) => (i === 0 ? inheritedStdio(r) : (inheritedStdio(r) as unknown[]).slice(3)));
      const ringArgs = regions.flatMap((_, i) => ['--region-fd', String(3 + 2 * i), '--bell-fd', String(4 + 2 * i)]);
      const pin = executor.pin_cores ? ['--pin-cores'] : [];
      const args = ['--listen', endpoint, '--executor', executor.type, '--cores', String(executor.cores), ...pin, '--exit-with-parent', ...ringArgs];
      child = spawn(binary, args, { stdio: stdio as never });
    } catch (err) {
      for (const region of regions) region.close();
      fs.rmSync(dir, { recursive: true, force: true });
      throw err;
    }
    this.child = child;
    this.childExited = new Promise((resolve) => {
      // A process that could not be started reports 'error' and may never report 'exit'.
      const gone = (why: string) => {
        fs.rmSync(dir, { recursive: true, force: true });
        resolve(why);
        // The doorbell may have told of the end first; the exit says best why the engine is down.
        if (session === this.session - 1 && this.state.state === 'down') this.setServing(false, `${why}; ${this.rebuildingAs()}`);
        this.lose(session, why);
      };
      child.once('exit', (code, signal) => gone(`the engine exited (${signal ?? `code ${code}`})`));
      child.once('error', (err) => gone(`the engine could not be run: ${err.message}`));
    });
    this.rings = regions.map((region, i) => ({ region, session: new Session(region, child.stdio[4 + 2 * i] as never, this.sessionOptions()) }));
    this.forwardLogs(child);
    this.control = new ControlClient(endpoint);
    // An engine that exits before it answers fails the start at once, not at the end of the handshake's wait.
    const exitedFirst = this.childExited.then((why) => {
      throw new Error(`${why} before it answered`);
    });
    return Promise.race([this.control.handshake(this.options.hostVersion, handshakeWaitMs), exitedFirst]);
  }

  private async attach(handshakeWaitMs: number): Promise<HandshakeResponse> {
    const { endpoint, executor, ipc } = this.options.config;
    const warning = checkSharedDir(ipc.shm_dir);
    if (warning) this.logger.warn(warning);
    this.control = new ControlClient(endpoint, process.env.TANDEM_ENGINE_TOKEN);
    const handshake = await this.control.handshake(this.options.hostVersion, handshakeWaitMs).catch((err: Error) => {
      throw new Error(`${err.message}${unansweredHint(endpoint)}`);
    });
    // Ring files a killed host left behind (nobody holds their lock) are removed before new ones are made.
    for (const file of reclaimStaleRegions(ipc.shm_dir)) this.logger.info({ file }, 'Removed a ring file left by a host that is gone');
    const regions: Region[] = [];
    const listeners: Array<ReturnType<typeof listenForPeer>> = [];
    try {
      for (let i = 0; i < executor.cores; i++) {
        regions.push(Region.createNamed(ipc.shm_dir, `tandem-${process.pid}-${i}`, this.regionOptions()));
        listeners.push(listenForPeer(regions[i]));
      }
      await Promise.all(listeners.map((l) => l.listening));
      await this.control.attachRings(regions.map((r) => r.path!));
      const bells = await Promise.all(listeners.map((l) => l.connection));
      this.rings = regions.map((region, i) => ({ region, session: new Session(region, bells[i], this.sessionOptions()) }));
    } catch (err) {
      for (const listener of listeners) listener.close();
      for (const region of regions) region.close();
      throw new Error(`the engine at ${endpoint} could not attach the rings: ${(err as { details?: string }).details ?? (err as Error).message}`);
    }
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

  /**
   * Acts on the end of engine session `session` (once, and not while stopping): fails what is in flight, takes the
   * session down (a spawned engine is killed: it may be hung) and schedules the next one.
   */
  private lose(session: number, reason: string): void {
    // Before the first start succeeded, start() reports the failure itself.
    if (session !== this.session || this.stopping || !this.everServed) return;
    this.session++; // any later sign of the same end is ignored
    const wasServing = this.serving;
    this.teardown(reason);
    this.setServing(false, `${reason}; ${this.rebuildingAs()}`);
    const retryInMs = this.backoff();
    if (wasServing) this.logger.error({ reason, retry_in_ms: retryInMs }, 'Engine session ended; requests in flight failed as retryable; building a new one');
    else this.logger.warn({ reason, retry_in_ms: retryInMs }, 'Engine session could not be built; trying again');
    this.rebuildTimer = setTimeout(() => {
      this.rebuildTimer = undefined;
      this.rebuilding = this.rebuild().finally(() => (this.rebuilding = undefined));
    }, retryInMs);
  }

  /** What happens while the engine is down, as its state's reason says. */
  private rebuildingAs(): string {
    return this.options.config.mode === 'attach' ? 'waiting for it to answer again' : 'it is being restarted';
  }

  private backoff(): number {
    return Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** this.failures);
  }

  /** A new session with the running deployment again; a failure counts towards the backoff and schedules the next try. */
  private async rebuild(): Promise<void> {
    if (this.stopping) return;
    await this.childExited; // spawn mode: the old engine is gone before a new one starts
    const session = ++this.session;
    try {
      await this.connect(session, REBUILD_HANDSHAKE_WAIT_MS);
      if (this.running) await this.runDeployment(this.running);
    } catch (err) {
      if (this.stopping) return;
      this.failures++;
      this.lose(session, (err as Error).message);
      return;
    }
    if (session !== this.session || this.stopping) return; // ended again meanwhile (handled there) or stopping
    this.failures = 0;
    this.restarts++;
    this.setServing(true);
    const { runtime } = this.handshake!;
    this.logger.info({ pid: runtime.pid, restarts: this.restarts, epochs: this.rings.map((r) => r.region.epoch.toString(16)) }, this.options.config.mode === 'attach' ? 'Engine re-attached' : 'Engine restarted');
  }

  /** Ends what the current session holds: its rings (in-flight requests fail retryable), control channel and engine. */
  private teardown(reason: string): void {
    this.closeRings(reason);
    this.control?.close();
    this.control = undefined;
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }

  /** The engine's requests on a route go to that route's host consumer; its outcome is the answer. */
  private sessionOptions() {
    return {
      onRequest: async (request: { route: number; payload: Buffer }) => {
        const target = this.routes.get(request.route);
        if (!target) throw new PermanentError(new Error(`route ${request.route} has no consumer in the host`));
        // Not validated again: OTLP is validated once, where it enters the collector (a receiver of either runtime),
        // and what the engine's nodes produce is encoded by code, as the host's is; the engine trusts the host's
        // requests the same way. Malformed bytes would still fail, permanently, where a component decodes them.
        await consume(target.signal, target.consumer, { transport: 'engine' }, fromProtoFor(target.signal, request.payload));
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
  validateConfig(kind: EngineFactory['kind'], type: string, id: string, config: unknown): Promise<string> {
    return this.control!.validateConfig(kind, type, id, JSON.stringify(config ?? null));
  }

  private async runDeployment(deployment: Deployment): Promise<void> {
    await this.control!.deploy(deployment.request());
    await this.control!.start();
  }

  /** A fresh deployment for the graph about to be built (a reload's), dropping what a failed build collected. */
  newDeployment(): Deployment {
    this.deployment = new Deployment((signal, consumer) => this.addRoute(signal, consumer));
    return this.deployment;
  }

  /**
   * Deploys and starts the engine's part of the pipelines the graph collected, its receivers included, in place of
   * any that runs. The service calls it when every host component but the receivers has started, so everything the
   * engine sends to is running. A reload that kept the engine's part collected nothing: what runs keeps running.
   * While the engine is down the deployment is only recorded: the next session deploys it.
   */
  async startDeployed(): Promise<void> {
    if (this.deployment.empty) return;
    await this.undeploy();
    const deployment = this.deployment;
    this.newDeployment();
    this.running = deployment;
    if (this.serving) await this.runDeployment(deployment);
  }

  /**
   * Stops the running deployment (idempotent). The service calls it once every receiver has stopped, so nothing new
   * arrives from the host: what is in flight into the engine (batches included) is given time to come out at the
   * host's still running consumers.
   */
  async undeploy(): Promise<void> {
    if (!this.running) return;
    this.running = undefined;
    let gaveUp: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(this.rings.map(({ session }) => session.idle())),
      new Promise((resolve) => (gaveUp = setTimeout(resolve, STOP_WAIT_MS))),
    ]);
    clearTimeout(gaveUp);
    if (this.serving) await this.control?.shutdown(STOP_WAIT_MS);
  }

  /**
   * Sends one request to the engine on `route`, over the engine's cores in turn. While the engine is down (its session
   * ended, the next not ready yet) the request fails at once as retryable.
   */
  send(code: number, route: number, payload: Uint8Array, deadline: number): Promise<void> {
    const live = this.serving ? this.rings.filter((r) => r.session.closedWith === undefined) : [];
    if (live.length === 0) return Promise.reject(new RingError(`the engine is not serving (${this.state.reason ?? 'its session ended'}); a new session is being built`, true));
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

  /** Bytes written and not yet read in each ring, per core, with the ring's size: what the live page draws as fill. */
  ringOccupancy(): Array<Record<'hostToEngine' | 'engineToHost', { used: number; capacity: number }>> {
    const fill = (region: Region, ring: number) => ({
      used: region.load64(layout.offTail(ring)) - region.load64(layout.offHead(ring)),
      capacity: region.capacity(ring),
    });
    return this.rings.map(({ region }) => ({ hostToEngine: fill(region, region.outgoingRing), engineToHost: fill(region, 1 - region.outgoingRing) }));
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
    clearTimeout(this.rebuildTimer);
    await this.rebuilding; // a session being built finishes (briefly), then goes with the rest
    this.setServing(false, 'the host is stopping');
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

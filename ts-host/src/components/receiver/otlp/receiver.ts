// The OTLP receiver: one gRPC server and one HTTP server shared by every signal it serves.
import type { Component, Host, Settings, Signal } from '../../../component';
import { consume, type ConsumerFor, type Context } from '../../../consumer';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { StatusError } from '../../../consumererror';
import { PdataError, type PData } from '../../../pdata';
import type { OTLPReceiverConfig } from './config';
import { GRPCTransport } from './grpc';
import { HTTPTransport } from './http';

/** What a transport needs from the receiver: the signals it serves and a way to hand requests to the pipeline. */
export interface Exporter {
  signals(): Signal[];
  /** Resolves once the pipeline accepted the data; rejects with the pipeline's error, or a 400 for malformed data. */
  export(ctx: Context, data: PData): Promise<void>;
}

interface Transport {
  start(): Promise<void>;
  /** Stops accepting at once; what was accepted finishes within `drainMs`. */
  shutdown(drainMs: number): Promise<void>;
}

/** The data, once known to be well-formed OTLP; otherwise the error a malformed request is answered with (400). */
function checked(data: PData): PData {
  try {
    data.validate();
  } catch (err) {
    if (err instanceof PdataError) throw new StatusError(err.message, { grpc: GrpcStatus.INVALID_ARGUMENT, http: 400 });
    throw err;
  }
  return data;
}

/**
 * How long requests accepted before shutdown may take to finish. Shutdown as a whole must end well within the 30 s
 * Kubernetes gives a pod, whatever clients do.
 */
const DRAIN_MS = 10_000;

export class OTLPReceiver implements Component, Exporter {
  private readonly consumers = new Map<Signal, ConsumerFor<Signal>>();
  private readonly transports: Transport[] = [];
  private started: Promise<void> | undefined;
  private stopped: Promise<void> | undefined;

  constructor(private readonly settings: Settings, private readonly config: OTLPReceiverConfig) {}

  /** Connects a signal's pipeline; called once per signal before start. */
  setConsumer<S extends Signal>(signal: S, next: ConsumerFor<S>): void {
    this.consumers.set(signal, next as ConsumerFor<Signal>);
  }

  signals(): Signal[] {
    return [...this.consumers.keys()];
  }

  async export(ctx: Context, data: PData): Promise<void> {
    const next = this.consumers.get(data.signal);
    if (!next) throw new Error(`the OTLP receiver ${this.settings.id} has no ${data.signal} pipeline`);
    // The wire walk is most of what a request costs the host; when every pipeline checks its input itself (the
    // engine does, in Rust), a request is walked here only once it was refused, to answer as if it had been first.
    const deferred = next.capabilities().validatesData === true;
    if (!deferred) checked(data);
    try {
      if (data.itemCount() === 0) { // as in Go: an empty request succeeds without reaching the pipeline
        if (deferred) checked(data);
        return;
      }
      await consume(data.signal, next, ctx, data);
    } catch (err) {
      if (deferred) checked(data);
      throw err;
    }
  }

  /** Shared by every pipeline using this receiver, so repeated calls return the first call's promise. */
  start(_host: Host): Promise<void> {
    this.started ??= this.startTransports();
    return this.started;
  }

  shutdown(): Promise<void> {
    this.stopped ??= (this.started ?? Promise.resolve()).catch(() => undefined)
      .then(() => Promise.all(this.transports.map((transport) => transport.shutdown(DRAIN_MS))))
      .then(() => undefined);
    return this.stopped;
  }

  private async startTransports(): Promise<void> {
    const { grpc, http } = this.config.protocols;
    const logger = this.settings.telemetry.logger;
    if (grpc) this.transports.push(new GRPCTransport(grpc, this, logger));
    if (http) this.transports.push(new HTTPTransport(http, this, logger));
    try {
      for (const transport of this.transports) await transport.start();
    } catch (err) {
      await Promise.all(this.transports.map((transport) => transport.shutdown(0)));
      throw err;
    }
  }
}

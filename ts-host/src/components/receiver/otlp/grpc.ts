// OTLP over gRPC: the three Export services with raw-bytes (de)serializers, so a protobuf request is handed on as
// bytes, never decoded (the receiver checks it with a wire walk).
import * as grpc from '@grpc/grpc-js';
import net from 'node:net';
import type { TelemetrySettings } from '../../../component';
import type { Context } from '../../../consumer';
import { toGRPCStatus } from '../../../consumererror';
import { fromProtoFor, rawExportService } from '../../../pdata';
import type { GRPCServerConfig } from './config';
import { listenOn } from '../../../service/listen';
import type { Exporter } from './receiver';

const EMPTY_RESPONSE = new Uint8Array(0);
const MIB = 1024 * 1024;

export class GRPCTransport {
  private server: grpc.Server | undefined;
  /** The listener is the transport's own, so that shutdown can close every connection, even one that never spoke HTTP/2. */
  private listener: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  private injector: ReturnType<grpc.Server['createConnectionInjector']> | undefined;
  private allClosed: (() => void) | undefined;

  constructor(private readonly config: GRPCServerConfig, private readonly receiver: Exporter, private readonly logger: TelemetrySettings['logger']) {}

  async start(): Promise<void> {
    const server = new grpc.Server({ 'grpc.max_receive_message_length': this.config.max_recv_msg_size_mib * MIB });
    for (const signal of this.receiver.signals()) {
      server.addService(rawExportService(signal), {
        Export: (call: grpc.ServerUnaryCall<Buffer, Uint8Array>, callback: grpc.sendUnaryData<Uint8Array>) => {
          this.receiver.export(this.contextOf(call), fromProtoFor(signal, call.request)).then(
            () => callback(null, EMPTY_RESPONSE),
            (err: unknown) => {
              const status = toGRPCStatus(err);
              callback({ code: status.code, details: status.message });
            },
          );
        },
      });
    }
    const injector = server.createConnectionInjector(grpc.ServerCredentials.createInsecure());
    const listener = net.createServer((socket) => {
      this.sockets.add(socket);
      socket.once('close', () => {
        this.sockets.delete(socket);
        if (this.sockets.size === 0) this.allClosed?.();
      });
      injector.injectConnection(socket);
    });
    await listenOn(listener, this.config.endpoint);
    [this.server, this.listener, this.injector] = [server, listener, injector];
    this.logger.info({ endpoint: this.config.endpoint }, 'Starting GRPC server');
  }

  private contextOf(call: grpc.ServerUnaryCall<Buffer, Uint8Array>): Context {
    const deadline = Number(call.getDeadline());
    const metadata = this.config.include_metadata ? metadataOf(call.metadata) : undefined;
    return { transport: 'grpc', ...(Number.isFinite(deadline) ? { deadline } : {}), ...(metadata ? { metadata } : {}) };
  }

  /**
   * Stops accepting at once (GOAWAY on every connection: new calls go elsewhere); calls in flight finish, for up to
   * `drainMs`, then are cancelled.
   */
  async shutdown(drainMs: number): Promise<void> {
    const [server, listener, injector] = [this.server, this.listener, this.injector];
    [this.server, this.listener, this.injector] = [undefined, undefined, undefined];
    if (!server || !listener || !injector) return;
    listener.close();
    injector.drain(drainMs);
    if (this.sockets.size > 0) {
      await new Promise<void>((resolve) => {
        const cut = setTimeout(resolve, drainMs);
        this.allClosed = () => (clearTimeout(cut), resolve());
      });
    }
    for (const socket of this.sockets) socket.destroy(); // slow or silent clients do not hold the shutdown up
    injector.destroy();
    server.forceShutdown();
  }
}

function metadataOf(metadata: grpc.Metadata): Record<string, string[]> {
  return Object.fromEntries(Object.keys(metadata.getMap()).map((key) => [key, metadata.get(key).map(String)]));
}

// OTLP over gRPC: the three Export services with raw-bytes (de)serializers, so a protobuf request is validated with a
// wire walk and handed on without being decoded.
import * as grpc from '@grpc/grpc-js';
import type { TelemetrySettings } from '../../../component';
import type { Context } from '../../../consumer';
import { toGRPCStatus } from '../../../consumererror';
import { fromProtoFor, rawExportService } from '../../../pdata';
import type { GRPCServerConfig } from './config';
import type { Exporter } from './receiver';

const EMPTY_RESPONSE = new Uint8Array(0);
const MIB = 1024 * 1024;

export class GRPCTransport {
  private server: grpc.Server | undefined;

  constructor(private readonly config: GRPCServerConfig, private readonly receiver: Exporter, private readonly logger: TelemetrySettings['logger']) {}

  async start(): Promise<void> {
    const server = new grpc.Server({ 'grpc.max_receive_message_length': this.config.max_recv_msg_size_mib * MIB });
    for (const signal of this.receiver.signals()) {
      server.addService(rawExportService(signal), {
        Export: (call: grpc.ServerUnaryCall<Buffer, Uint8Array>, callback: grpc.sendUnaryData<Uint8Array>) => {
          const data = fromProtoFor(signal, call.request);
          try {
            data.validate();
          } catch (err) {
            callback({ code: grpc.status.INVALID_ARGUMENT, details: (err as Error).message });
            return;
          }
          this.receiver.export(this.contextOf(call), data).then(
            () => callback(null, EMPTY_RESPONSE),
            (err: unknown) => {
              const status = toGRPCStatus(err);
              callback({ code: status.code, details: status.message });
            },
          );
        },
      });
    }
    await new Promise<void>((resolve, reject) => {
      server.bindAsync(this.config.endpoint, grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve()));
    });
    this.server = server;
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
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    await new Promise<void>((resolve) => {
      const cut = setTimeout(() => server.forceShutdown(), drainMs);
      server.tryShutdown(() => {
        clearTimeout(cut);
        resolve();
      });
    });
  }
}

function metadataOf(metadata: grpc.Metadata): Record<string, string[]> {
  return Object.fromEntries(Object.keys(metadata.getMap()).map((key) => [key, metadata.get(key).map(String)]));
}

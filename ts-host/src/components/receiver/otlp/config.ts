// The OTLP receiver's configuration: a protocol is enabled only when it is listed under `protocols`.
export interface GRPCServerConfig {
  endpoint: string;
  /** The largest request accepted, in MiB (gRPC's default of 4). */
  max_recv_msg_size_mib: number;
  /** Passes the request's metadata on to the pipeline in the Context. */
  include_metadata: boolean;
}

export interface HTTPServerConfig {
  endpoint: string;
  /** The largest body accepted, in bytes, before and after decompression. */
  max_request_body_size: number;
  include_metadata: boolean;
  traces_url_path: string;
  metrics_url_path: string;
  logs_url_path: string;
}

export interface OTLPReceiverConfig {
  protocols: { grpc?: GRPCServerConfig; http?: HTTPServerConfig };
}

export const defaultGRPCServerConfig = (): GRPCServerConfig => ({
  endpoint: 'localhost:4317',
  max_recv_msg_size_mib: 4,
  include_metadata: false,
});

export const defaultHTTPServerConfig = (): HTTPServerConfig => ({
  endpoint: 'localhost:4318',
  max_request_body_size: 20 * 1024 * 1024,
  include_metadata: false,
  traces_url_path: '/v1/traces',
  metrics_url_path: '/v1/metrics',
  logs_url_path: '/v1/logs',
});

export function createDefaultConfig(): OTLPReceiverConfig {
  return { protocols: {} };
}

export function validateConfig(config: OTLPReceiverConfig): void {
  if (!config.protocols.grpc && !config.protocols.http) {
    throw new Error('must specify at least one protocol when using the OTLP receiver');
  }
}

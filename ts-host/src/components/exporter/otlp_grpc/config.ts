import { defaultExporterHelperConfig, ExporterHelperConfig } from '../../../exporterhelper';

export interface GRPCClientTLSConfig {
  /** Plaintext instead of TLS (TLS is the default, as in Go). */
  insecure: boolean;
  /** PEM files; empty means the system's roots and no client certificate. */
  ca_file: string;
  cert_file: string;
  key_file: string;
}

export interface OTLPGRPCExporterConfig extends ExporterHelperConfig {
  /** host:port; an `http://` scheme means plaintext and `https://` means TLS. */
  endpoint: string;
  tls: GRPCClientTLSConfig;
  /** gzip (default), deflate or none. */
  compression: string;
  /** Sent as gRPC metadata with every request. */
  headers: Record<string, string>;
}

export function createDefaultConfig(): OTLPGRPCExporterConfig {
  return {
    ...defaultExporterHelperConfig(),
    endpoint: '',
    tls: { insecure: false, ca_file: '', cert_file: '', key_file: '' },
    compression: 'gzip',
    headers: {},
  };
}

export function validateConfig(config: OTLPGRPCExporterConfig): void {
  if (config.endpoint === '') throw new Error('requires a non-empty "endpoint"');
  if (!['gzip', 'deflate', 'none', ''].includes(config.compression)) {
    throw new Error(`unsupported compression type "${config.compression}"`);
  }
}

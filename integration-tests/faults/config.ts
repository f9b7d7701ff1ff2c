// The collector configs the fault matrix runs: OTLP in (gRPC and HTTP), optional processors, OTLP/gRPC out to the
// sink with an acknowledgement that means exported (no in-memory queue), retries quick enough for a bounded suite.
export interface MatrixConfig {
  grpcPort: number;
  httpPort: number;
  sinkAddress: string;
  /** `runtime.rust` lines (indented four spaces), e.g. `mode: spawn`. */
  runtime: string[];
  /** Processor names and their YAML bodies (indented four spaces). */
  processors?: Record<string, string>;
  /** Extra lines under `receivers.otlp.protocols.<protocol>` (indented eight spaces). */
  grpcExtra?: string;
  httpExtra?: string;
  healthPort?: number;
  metricsPort?: number;
}

export function matrixConfig(c: MatrixConfig): string {
  const processors = Object.entries(c.processors ?? {});
  const names = processors.map(([name]) => name);
  const pipeline = (signal: string) =>
    `    ${signal}:\n      receivers: [otlp]\n${names.length ? `      processors: [${names.join(', ')}]\n` : ''}      exporters: [otlp_grpc]\n`;
  const telemetry = c.metricsPort
    ? `  telemetry:\n    metrics:\n      readers:\n        - pull:\n            exporter:\n              prometheus:\n                host: 127.0.0.1\n                port: ${c.metricsPort}\n`
    : '  telemetry:\n    metrics:\n      level: none\n';
  return `runtime:
  rust:
${c.runtime.map((l) => `    ${l}`).join('\n')}
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:${c.grpcPort}
${c.grpcExtra ?? ''}      http:
        endpoint: 127.0.0.1:${c.httpPort}
${c.httpExtra ?? ''}${processors.length ? `processors:\n${processors.map(([name, body]) => `  ${name}:\n${body}`).join('')}` : ''}exporters:
  otlp_grpc:
    endpoint: ${c.sinkAddress}
    tls:
      insecure: true
    sending_queue:
      enabled: false
    retry_on_failure:
      initial_interval: 100ms
      max_interval: 1s
      max_elapsed_time: 60s
${c.healthPort ? `extensions:\n  health_check:\n    endpoint: 127.0.0.1:${c.healthPort}\n` : ''}service:
${c.healthPort ? '  extensions: [health_check]\n' : ''}${telemetry}  pipelines:
${pipeline('traces')}${pipeline('metrics')}${pipeline('logs')}`;
}

/** rust_batch with a short timeout, so that one request in flight is answered soon. */
export const RUST_BATCH = { rust_batch: '    timeout: 20ms\n' };
/** Small rings: the suite runs next to other work. */
export const SMALL_RINGS = ['ipc:', '  buffer_size: 4MiB', '  max_message_size: 1MiB'];

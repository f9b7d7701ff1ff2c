// The built-in TypeScript factories; the registry (otelcol/) adds the engine's.
import type { AnyFactory } from '../otelcol/factories';
import * as count from './connector/count/factory';
import * as forward from './connector/forward/factory';
import * as debug from './exporter/debug/factory';
import * as file from './exporter/file/factory';
import * as otlpGRPC from './exporter/otlp_grpc/factory';
import * as otlpHTTP from './exporter/otlp_http/factory';
import * as fileStorage from './extension/file_storage/factory';
import * as healthCheck from './extension/health_check/factory';
import * as tandemUI from './extension/tandem_ui/factory';
import * as batch from './processor/batch/factory';
import * as memoryLimiter from './processor/memory_limiter/factory';
import * as otlp from './receiver/otlp/factory';

export function builtinFactories(): AnyFactory[] {
  return [
    otlp.newFactory(),
    batch.newFactory(),
    memoryLimiter.newFactory(),
    debug.newFactory(),
    otlpGRPC.newFactory(),
    otlpHTTP.newFactory(),
    file.newFactory(),
    count.newFactory(),
    forward.newFactory(),
    healthCheck.newFactory(),
    tandemUI.newFactory(),
    fileStorage.newFactory(),
  ];
}

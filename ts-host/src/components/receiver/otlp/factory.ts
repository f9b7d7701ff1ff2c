import { Settings, Signal, StabilityLevel } from '../../../component';
import { field } from '../../../config';
import type { ConsumerFor } from '../../../consumer';
import * as receiver from '../../../receiver';
import { createDefaultConfig, defaultGRPCServerConfig, defaultHTTPServerConfig, OTLPReceiverConfig, validateConfig } from './config';
import { OTLPReceiver } from './receiver';

export const configSchema = field.object({
  protocols: field.object({
    grpc: field.optional(field.object({
      endpoint: field.string(),
      max_recv_msg_size_mib: field.integer(),
      include_metadata: field.boolean(),
    }), defaultGRPCServerConfig),
    http: field.optional(field.object({
      endpoint: field.string(),
      max_request_body_size: field.bytes(),
      include_metadata: field.boolean(),
      traces_url_path: field.string(),
      metrics_url_path: field.string(),
      logs_url_path: field.string(),
    }), defaultHTTPServerConfig),
  }),
});

/**
 * One receiver per config, whichever pipelines and signals use it (Go's sharedcomponent), so that one server pair
 * serves them all. The service decodes each component's config once, so the config object identifies the receiver.
 */
const shared = new WeakMap<OTLPReceiverConfig, OTLPReceiver>();

function createFor<S extends Signal>(signal: S): receiver.CreateFunc<S> {
  return async (settings: Settings, config: OTLPReceiverConfig, next: ConsumerFor<S>) => {
    let instance = shared.get(config);
    if (!instance) {
      instance = new OTLPReceiver(settings, config);
      shared.set(config, instance);
    }
    instance.setConsumer(signal, next);
    return instance;
  };
}

export function newFactory(): receiver.Factory {
  return receiver.newFactory('otlp', createDefaultConfig, [
    receiver.withTraces(createFor('traces'), StabilityLevel.Stable),
    receiver.withMetrics(createFor('metrics'), StabilityLevel.Stable),
    receiver.withLogs(createFor('logs'), StabilityLevel.Stable),
  ], { configSchema, validateConfig });
}

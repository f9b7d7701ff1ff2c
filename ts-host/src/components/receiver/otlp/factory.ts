import { type EngineTwin, Settings, Signal, StabilityLevel } from '../../../component';
import { field } from '../../../config';
import type { ConsumerFor } from '../../../consumer';
import * as receiver from '../../../receiver';
import { SharedComponents } from '../../../receiverhelper';
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

/** One receiver per config, whichever pipelines and signals use it, so that one server pair serves them all. */
const shared = new SharedComponents<OTLPReceiverConfig, OTLPReceiver>();

function createFor<S extends Signal>(signal: S): receiver.CreateFunc<S> {
  return async (settings: Settings, config: OTLPReceiverConfig, next: ConsumerFor<S>) => {
    const instance = shared.getOrAdd(config, () => new OTLPReceiver(settings, config));
    instance.setConsumer(signal, next);
    return instance;
  };
}

/** `rust_otlp` serves gRPC alone: otap-dataflow's OTLP/HTTP takes protobuf only, where this receiver also takes JSON. */
export const engineTwin: EngineTwin<OTLPReceiverConfig> = {
  type: 'rust_otlp',
  config: ({ protocols: { grpc, http } }) => {
    if (http) return { hostOnly: 'protocols::http (the engine\'s OTLP/HTTP takes protobuf only, not JSON)' };
    if (!grpc) return { hostOnly: 'no protocols::grpc' };
    if (grpc.include_metadata) return { hostOnly: 'protocols::grpc::include_metadata' };
    return { config: { protocols: { grpc: { endpoint: grpc.endpoint, max_recv_msg_size_mib: grpc.max_recv_msg_size_mib } } } };
  },
};

export function newFactory(): receiver.Factory {
  return receiver.newFactory('otlp', createDefaultConfig, [
    receiver.withTraces(createFor('traces'), StabilityLevel.Stable),
    receiver.withMetrics(createFor('metrics'), StabilityLevel.Stable),
    receiver.withLogs(createFor('logs'), StabilityLevel.Stable),
  ], { configSchema, validateConfig, engineTwin });
}

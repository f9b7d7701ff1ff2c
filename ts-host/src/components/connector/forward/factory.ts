// The forward connector: joins pipelines of one signal by handing data straight to the next pipelines.
import { type EngineTwin, noLifecycle, SIGNALS, Signal, StabilityLevel } from '../../../component';
import { field } from '../../../config';
import * as connector from '../../../connector';

const passThrough = <S extends Signal>(): connector.CreateFunc<S, S> => async (_settings, _config, next) =>
  Object.assign(Object.create(next) as connector.Connector<S>, noLifecycle);

export const engineTwin: EngineTwin = { type: 'rust_forward', config: () => ({ config: {} }) };

export function newFactory(): connector.Factory {
  return connector.newFactory(
    'forward',
    () => ({}),
    SIGNALS.map((signal) => connector.withPair(signal, signal, passThrough(), StabilityLevel.Beta)),
    { configSchema: field.object({}), engineTwin },
  );
}

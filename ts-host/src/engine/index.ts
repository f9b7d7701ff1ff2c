// The Rust engine as the host sees it: locating the binary, the control channel, and running the process.
export { engineBinaryPath } from './binary';
export { CONTROL_API_VERSION, ControlClient, type ComponentCounters, type EngineDeployment, type EngineFactory, type HandshakeResponse, type HealthResponse, type Runtime } from './control';
export { engineConsumer } from './consumer';
export { Engine, type EngineOptions, type EngineState } from './engine';
export { engineCheck, engineConfigError, engineFactories } from './factories';

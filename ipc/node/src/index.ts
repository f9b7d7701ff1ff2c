// The Tandem ring for Node (ipc/SPEC.md): regions, ring halves, request/response sessions, and child-process setup.
export * as layout from './layout';
export { Region, bellPath, optionsProblem, reclaimStaleRegions, symmetricOptions, type RegionOptions, type Role } from './region';
export { Consumer, Corruption, Producer, type Claim, type Header, type PollResult, type RecordView } from './ring';
export { RingError, Session, type IncomingRequest, type SessionOptions, type SessionStats } from './session';
export { native } from './native';
export { inheritedStdio, listenForPeer, socketPairSockets } from './setup';

export * from './fanout';
export * from './graph';

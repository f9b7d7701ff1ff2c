export * from './aggregator';
export * from './status';

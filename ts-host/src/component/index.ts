export * from './component';
export * from './id';
export * from './stability';
export * from './factory';
export type { Attributes, Counter, Histogram, HistogramOptions, InstrumentOptions, Meter, UpDownCounter } from '../telemetry/meter';

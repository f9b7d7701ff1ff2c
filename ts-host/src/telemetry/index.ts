export * from './logger';
export * from './metrics';
export * from './component';
export * from './meter';

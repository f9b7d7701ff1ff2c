export * from './config';
export * from './factories';
export * from './runtime';
export * from './validate';
export * from './isolation';

export * from './component';
export * from './id';
export * from './stability';
export * from './factory';

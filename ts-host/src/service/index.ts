export * from './listen';
export * from './service';

// The public surface of the Tandem host, for people writing their own TypeScript components.
export * as component from './component';
export * as config from './config';
export * as connector from './connector';
export * as consumer from './consumer';
export * as consumererror from './consumererror';
export * as exporter from './exporter';
export * as extension from './extension';
export * as pdata from './pdata';
export * as processor from './processor';
export * as receiver from './receiver';
export { main } from './cli/main';

// The public surface of the Tandem host, for people writing their own TypeScript components and building their own
// collector from them. Each namespace is one package of the Go Collector's API, in its shape.
export * as collector from './collector';
export * as component from './component';
export * as config from './config';
export * as connector from './connector';
export * as consumer from './consumer';
export * as consumererror from './consumererror';
export * as exporter from './exporter';
export * as exporterhelper from './exporterhelper';
export * as extension from './extension';
export * as pdata from './pdata';
export * as processor from './processor';
export * as processorhelper from './processorhelper';
export * as receiver from './receiver';
export * as receiverhelper from './receiverhelper';
// For tests of components.
export * as componenttest from './componenttest';
export * as consumertest from './consumertest';
export * as pdatatest from './pdatatest';
export { main } from './cli/main';

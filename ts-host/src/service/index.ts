export * from './listen';
export * from './service';
export { isInspectable, type Inspectable, type ServiceView } from './inspect';
export { isReloadable, ReloadRefused, type Reloadable, type ReloadResult } from './reload';

// Work-arounds for Node behaviour that costs a collector. Each is installed once, by the command line, before any
// component runs, and only on a Node that has the behaviour.
import { AsyncResource } from 'node:async_hooks';

/**
 * Node 20's `AsyncResource#bind` gives every bound function a deprecated `asyncResource` accessor (DEP0172) made by
 * `util.deprecate`, which sets a fresh function's prototype to another fresh function. Each call so makes new hidden
 * classes, and V8 keeps hidden classes in the old generation: they point at the young functions, so a scavenge keeps
 * everything the bound function reaches. node:http2's client binds one per request (`ClientHttp2Session#request`),
 * reaching the stream, its call and the request's data, so with an exporter on gRPC or HTTP/2 every object of every
 * request survived its scavenges until the next full collection (a promotion rate of 96-100% in `--trace-gc-nvp`) and
 * scavenges took 5-30 ms. The replacement is Node's own bind without the deprecated property: the same scope, `this`,
 * arguments and `length`. Measured in bench/RESULTS.md ("The host's scavenges"). Returns whether it installed it.
 */
export function bindWithoutDeprecatedAccessor(): boolean {
  const probe = new AsyncResource('tandem-probe').bind(() => undefined);
  if (Object.getOwnPropertyDescriptor(probe, 'asyncResource')?.get === undefined) return false;
  AsyncResource.prototype.bind = function bind(this: AsyncResource, fn: Bindable, thisArg?: unknown) {
    return boundIn(this, fn, thisArg);
  } as AsyncResource['bind'];
  return true;
}

type Bindable = (this: unknown, ...args: unknown[]) => unknown;

/** `fn` run in `resource`'s async scope, with `thisArg` or else the caller's `this`, as Node's bind does. */
function boundIn(resource: AsyncResource, fn: Bindable, thisArg: unknown): Bindable {
  const bound =
    thisArg === undefined
      ? function (this: unknown, ...args: unknown[]) {
          return resource.runInAsyncScope(fn, this, ...args);
        }
      : resource.runInAsyncScope.bind(resource, fn, thisArg);
  Object.defineProperty(bound, 'length', { configurable: true, enumerable: false, value: fn.length, writable: false });
  return bound;
}

/** Installs every work-around this Node needs; idempotent. */
export function install(): void {
  bindWithoutDeprecatedAccessor();
}

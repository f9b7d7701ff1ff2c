// Helpers for receivers. A receiver that serves several signals from one server (one port for traces, metrics and
// logs) is created once per config and handed every signal's pipeline, as Go's sharedcomponent does.
import type { Component } from '../component';

/**
 * One receiver per config object, whichever signals' create functions ask for it. The service decodes each
 * component's config once, so the config identifies the component; start and shutdown must be idempotent (the
 * service calls them once per signal), as `component.withLifecycle` makes them.
 */
export class SharedComponents<C extends object, R extends Component> {
  private readonly byConfig = new WeakMap<C, R>();

  /** The component for `config`, made by `create` the first time. */
  getOrAdd(config: C, create: () => R): R {
    let component = this.byConfig.get(config);
    if (!component) {
      component = create();
      this.byConfig.set(config, component);
    }
    return component;
  }
}

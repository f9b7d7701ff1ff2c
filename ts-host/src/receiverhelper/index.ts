// Helpers for receivers. A receiver that serves several signals from one server (one port for traces, metrics and
// logs) is created once per config and handed every signal's pipeline, as Go's sharedcomponent does.
import type { Component } from '../component';

/**
 * One receiver per config object, whichever signals' create functions ask for it. The service decodes each
 * component's config once, so the config identifies the component; start and shutdown must be idempotent (the
 * service calls them once per signal), as `component.withLifecycle` makes them. Once shut down, the component is
 * forgotten: a service built again from the same config gets a new one.
 */
export class SharedComponents<C extends object, R extends Component> {
  private readonly byConfig = new WeakMap<C, R>();

  /** The component for `config`, made by `create` the first time. */
  getOrAdd(config: C, create: () => R): R {
    let component = this.byConfig.get(config);
    if (!component) {
      const made = create();
      const shutdown = made.shutdown.bind(made);
      made.shutdown = () => {
        if (this.byConfig.get(config) === made) this.byConfig.delete(config);
        return shutdown();
      };
      this.byConfig.set(config, made);
      component = made;
    }
    return component;
  }
}

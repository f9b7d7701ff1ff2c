// A host receiver's next consumer, which a reload can point at a new pipeline graph: so a receiver whose config did
// not change keeps running (its port stays open) while everything behind it is replaced. While held, requests wait
// for the new target instead of reaching pipelines that are being shut down.
import type { Signal } from '../component';
import * as consumer from '../consumer';
import type { PDataFor } from '../pdata';

export class ConsumerSwitch<S extends Signal> {
  readonly consumer: consumer.ConsumerFor<S>;
  private held: Promise<void> | undefined;
  private release: (() => void) | undefined;

  constructor(readonly signal: S, private target: consumer.ConsumerFor<S>) {
    this.consumer = Object.assign(
      consumer.newConsumer(signal, async (ctx, data: PDataFor<S>) => {
        while (this.held) await this.held;
        return consumer.consume(signal, this.target, ctx, data);
      }),
      { capabilities: () => this.target.capabilities() },
    );
  }

  /** From now on requests wait (until `retarget`). */
  hold(): void {
    this.held ??= new Promise<void>((resolve) => (this.release = resolve));
  }

  /** Sends to `target` from now on, and lets the waiting requests go there. */
  retarget(target: consumer.ConsumerFor<S>): void {
    this.target = target;
    const release = this.release;
    this.held = undefined;
    this.release = undefined;
    release?.();
  }
}

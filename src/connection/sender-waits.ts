/**
 * Senders waiting for their 201 on a user agent's ack (ack-gated delivery, docs/architecture.md
 * "Ack-gated delivery"), by message version. Each wait has a window timer; what happens when it
 * fires (store, then settle) is the session's job. Settling is idempotent: the first outcome wins.
 */
import type { AckWaitOutcome } from '../routing/node-router.js';
import { LazyMap } from '../common/lazy-map.js';

/** One sender's wait, as the registry hands it to the session with the notification. */
export interface AckWaiter {
  /** Milliseconds from queueing until the message is stored if not acked. */
  readonly windowMs: number;
  settle(outcome: AckWaitOutcome): void;
}

interface Wait {
  settle: Array<(outcome: AckWaitOutcome) => void>;
  timer: NodeJS.Timeout;
}

export class SenderWaits {
  readonly #waits = new LazyMap<string, Wait>();

  /** Track `waiter` for `version`; `onWindow` runs once its window passes unless settled before. */
  add(version: string, waiter: AckWaiter, onWindow: () => void): void {
    const existing = this.#waits.get(version);
    // The same message routed twice (a router retry): both senders get the first outcome.
    if (existing !== undefined) return void existing.settle.push((o) => waiter.settle(o));
    const timer = setTimeout(onWindow, waiter.windowMs);
    this.#waits.set(version, { settle: [(o) => waiter.settle(o)], timer });
  }

  has(version: string): boolean {
    return this.#waits.has(version);
  }

  /** Answer the senders of `version`, if any still wait. */
  settle(version: string, outcome: AckWaitOutcome): void {
    const wait = this.#waits.get(version);
    if (wait === undefined) return;
    this.#waits.delete(version);
    clearTimeout(wait.timer);
    for (const settle of wait.settle) settle(outcome);
  }

  /** Answer every waiting sender (the session ended). */
  settleAll(outcome: AckWaitOutcome): void {
    for (const version of [...this.#waits.keys()]) this.settle(version, outcome);
  }

  get size(): number {
    return this.#waits.size;
  }
}

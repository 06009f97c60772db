/**
 * In-process signal "a receipt was queued for subscription X": an ack handled by this process
 * wakes the receipt stream it holds for X at once, instead of at its next look in storage. Acks
 * on other nodes are found by that look (`receiptPollInterval`).
 */
export class ReceiptBus {
  readonly #listeners = new Map<string, Set<() => void>>();

  /** Call `listener` on each `queued(subscriptionId)`; returns the function that stops it. */
  listen(subscriptionId: string, listener: () => void): () => void {
    let set = this.#listeners.get(subscriptionId);
    if (set === undefined) this.#listeners.set(subscriptionId, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.#listeners.delete(subscriptionId);
    };
  }

  queued(subscriptionId: string): void {
    for (const listener of this.#listeners.get(subscriptionId) ?? []) listener();
  }
}

/**
 * The senders that push the most, by VAPID public key, in bounded memory (the "space-saving"
 * heavy-hitters algorithm, Metwally et al. 2005): at most `capacity` keys are tracked; a new key
 * arriving when full takes the place of the least-pushing one and inherits its count as an upper
 * bound of error. A flood of distinct keys therefore costs a fixed amount of memory, while any
 * sender with more than total/capacity pushes is always in the table.
 */

export interface SenderCount {
  /** base64url of the raw public key, or `null` for pushes without VAPID. */
  vapidKey: string | null;
  /** Pushes accepted (201) since start; may overcount by `error`. */
  messages: number;
  /** Pushes counted for the key it replaced (0 when exact). */
  error: number;
  /** Epoch ms of its last push. */
  lastSeen: number;
}

const UNSIGNED = '';

export class TopSenders {
  readonly #capacity: number;
  readonly #counts = new Map<string, SenderCount>();

  constructor(capacity = 1000) {
    this.#capacity = Math.max(1, capacity);
  }

  /** Count one accepted push of `vapidKey` (null: unsigned). */
  record(vapidKey: string | null, nowMs = Date.now()): void {
    const key = vapidKey ?? UNSIGNED;
    const known = this.#counts.get(key);
    if (known !== undefined) {
      known.messages++;
      known.lastSeen = nowMs;
      return;
    }
    let inherited = 0;
    if (this.#counts.size >= this.#capacity) {
      const [minKey, min] = this.#smallest();
      this.#counts.delete(minKey);
      inherited = min.messages;
    }
    this.#counts.set(key, { vapidKey, messages: inherited + 1, error: inherited, lastSeen: nowMs });
  }

  /** The `limit` biggest senders, most messages first. */
  top(limit = 20): SenderCount[] {
    return [...this.#counts.values()]
      .sort((a, b) => b.messages - a.messages || b.lastSeen - a.lastSeen)
      .slice(0, Math.max(0, limit))
      .map((c) => ({ ...c }));
  }

  get size(): number {
    return this.#counts.size;
  }

  #smallest(): [string, SenderCount] {
    let best: [string, SenderCount] | undefined;
    for (const entry of this.#counts) if (best === undefined || entry[1].messages < best[1].messages) best = entry;
    return best!;
  }
}

/**
 * The per-uaid stored-message maximum (issue 7 point 3), applied after a push is stored:
 * `drop-oldest` deletes the oldest stored messages beyond the limit (timestamp messages first,
 * oldest sort key first, then topic messages), `reset` deletes the user agent's record as
 * autopush's `msg_limit` does (its next hello gets a new uaid and it subscribes again).
 * Counting costs a storage read, so each node counts one push in `checkEvery` per uaid.
 */
import type { Store } from '../storage/store.js';
import { BoundedMap } from '../common/bounded-map.js';

export type StoredMessagesPolicy = 'drop-oldest' | 'reset';

export interface StoredLimitOptions {
  limit: number;
  policy: StoredMessagesPolicy;
  /** uaids whose push count is remembered between checks. */
  maxKeys: number;
}

/** What one check did: messages dropped, or the uaid reset (`nodeId`: the node holding its socket, if any). */
export type StoredLimitResult = { action: 'none' } | { action: 'dropped'; count: number } | { action: 'reset'; nodeId: string | null };

export class StoredLimit {
  readonly #opts: StoredLimitOptions;
  readonly #sinceCheck: BoundedMap<string, number>;
  /** A tenth of the limit: the overshoot a node allows before it counts. */
  readonly checkEvery: number;

  constructor(opts: StoredLimitOptions) {
    this.#opts = opts;
    this.#sinceCheck = new BoundedMap(opts.maxKeys);
    this.checkEvery = Math.max(1, Math.floor(opts.limit / 10));
  }

  /** Call after storing a message for `uaid`; applies the policy when the count is over the limit. */
  async afterStored(store: Store, uaid: string): Promise<StoredLimitResult> {
    const seen = (this.#sinceCheck.get(uaid) ?? 0) + 1;
    if (seen < this.checkEvery) {
      this.#sinceCheck.set(uaid, seen);
      return { action: 'none' };
    }
    this.#sinceCheck.set(uaid, 0);
    const excess = (await store.countMessages(uaid)) - this.#opts.limit;
    if (excess <= 0) return { action: 'none' };
    if (this.#opts.policy === 'reset') {
      const user = await store.getUser(uaid);
      await store.removeUser(uaid);
      this.#sinceCheck.delete(uaid);
      return { action: 'reset', nodeId: user?.nodeId ?? null };
    }
    return { action: 'dropped', count: await dropOldest(store, uaid, excess) };
  }
}

async function dropOldest(store: Store, uaid: string, excess: number): Promise<number> {
  const user = await store.getUser(uaid);
  if (user === null) return 0;
  let dropped = 0;
  for (const m of await store.fetchTimestampMessages(uaid, user.currentTimestamp, excess)) {
    if (await store.removeMessage(uaid, m.version)) dropped++;
  }
  if (dropped < excess) {
    for (const m of await store.fetchTopicMessages(uaid, excess - dropped)) {
      if (await store.removeMessage(uaid, m.version)) dropped++;
    }
  }
  return dropped;
}

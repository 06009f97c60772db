/**
 * A Map that holds at most `capacity` keys and forgets the least recently used first: the memory
 * bound of every per-key structure fed by clients (the abuse controls' counters, the crypto
 * caches), so a flood of distinct keys (random tokens, spoofed uaids, many IPs) costs a fixed
 * amount of memory, never more.
 */
export class BoundedMap<K, V> {
  readonly #map = new Map<K, V>();
  readonly capacity: number;

  constructor(capacity: number) {
    if (!(capacity >= 1)) throw new RangeError(`capacity must be at least 1, got ${capacity}`);
    this.capacity = capacity;
  }

  /** The value, marked as just used. */
  get(key: K): V | undefined {
    const value = this.#map.get(key);
    if (value !== undefined) {
      // Map keeps insertion order: re-inserting moves the key to the young end.
      this.#map.delete(key);
      this.#map.set(key, value);
    }
    return value;
  }

  /** Set and mark as just used; evicts the least recently used key when full. */
  set(key: K, value: V): void {
    this.#map.delete(key);
    this.#map.set(key, value);
    if (this.#map.size > this.capacity) {
      const oldest = this.#map.keys().next().value as K;
      this.#map.delete(oldest);
    }
  }

  delete(key: K): boolean {
    return this.#map.delete(key);
  }

  get size(): number {
    return this.#map.size;
  }
}

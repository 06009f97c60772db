/**
 * A Map that allocates its table on the first `set`. An empty `Map` costs about 200 bytes (its
 * hash table is allocated up front); a session has several that stay empty while its user agent
 * idles, which is most of the time for most user agents (docs/benchmarks.md, idle memory).
 */
const EMPTY: ReadonlyMap<unknown, unknown> = new Map();

export class LazyMap<K, V> {
  #map: Map<K, V> | null = null;

  get size(): number {
    return this.#map === null ? 0 : this.#map.size;
  }

  get(key: K): V | undefined {
    return this.#map?.get(key);
  }

  has(key: K): boolean {
    return this.#map !== null && this.#map.has(key);
  }

  set(key: K, value: V): this {
    (this.#map ??= new Map()).set(key, value);
    return this;
  }

  delete(key: K): boolean {
    return this.#map !== null && this.#map.delete(key);
  }

  clear(): void {
    this.#map?.clear();
  }

  keys(): IterableIterator<K> {
    return (this.#map ?? (EMPTY as ReadonlyMap<K, V>)).keys();
  }

  values(): IterableIterator<V> {
    return (this.#map ?? (EMPTY as ReadonlyMap<K, V>)).values();
  }

  entries(): IterableIterator<[K, V]> {
    return (this.#map ?? (EMPTY as ReadonlyMap<K, V>)).entries();
  }

  [Symbol.iterator](): IterableIterator<[K, V]> {
    return this.entries();
  }
}

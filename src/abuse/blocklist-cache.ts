/**
 * This node's copy of the shared blocklist, so the hot path (every push, every upgrade) asks a
 * Set, never storage. Reloaded every `refreshMs`; this node's own blocks and lifts apply at
 * once. A reload that fails keeps the last copy (logged by the caller through `onError`).
 */
import type { BlockEntry, BlocklistStore } from '../storage/blocklist-store.js';
import { ipKey } from './ip-key.js';

export interface BlocklistCacheOptions {
  store: BlocklistStore;
  refreshMs: number;
  now: () => number;
  onError?: (err: unknown) => void;
}

export class BlocklistCache {
  readonly #opts: BlocklistCacheOptions;
  /** IP → expiresAt ms. */
  #blocked = new Map<string, number>();
  #timer: NodeJS.Timeout | undefined;
  #refreshing: Promise<void> | undefined;

  constructor(opts: BlocklistCacheOptions) {
    this.#opts = opts;
  }

  /** Load now, then every `refreshMs` until `stop()`. */
  async start(): Promise<void> {
    await this.refresh();
    this.#timer = setInterval(() => void this.refresh(), this.#opts.refreshMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  /** Reload from storage (one reload at a time). */
  refresh(): Promise<void> {
    return (this.#refreshing ??= (async () => {
      try {
        const entries = await this.#opts.store.list(this.#opts.now());
        this.#blocked = new Map(entries.map((e) => [e.ip, e.expiresAt]));
      } catch (err) {
        this.#opts.onError?.(err);
      } finally {
        this.#refreshing = undefined;
      }
    })());
  }

  /** Seconds until `ip`'s block ends, or 0 when it is not blocked; an IPv6 address is also blocked by its /64. */
  blockedFor(ip: string): number {
    const key = ipKey(ip);
    return key === ip ? this.#left(ip) : Math.max(this.#left(ip), this.#left(key));
  }

  #left(ip: string): number {
    const until = this.#blocked.get(ip);
    if (until === undefined) return 0;
    const left = until - this.#opts.now();
    if (left <= 0) {
      this.#blocked.delete(ip);
      return 0;
    }
    return left / 1000;
  }

  /** Record a block made here (already written to storage). */
  noteBlocked(entry: BlockEntry): void {
    this.#blocked.set(entry.ip, entry.expiresAt);
  }

  /** Record a lift made here (already removed from storage). */
  noteLifted(ip: string): void {
    this.#blocked.delete(ip);
  }

  get size(): number {
    return this.#blocked.size;
  }
}

/**
 * A `Store` decorator that times every storage call and counts messages written and rows purged,
 * for `herald_storage_duration_seconds` and friends. Backends stay unaware of metrics; the CLI
 * wraps whichever store `openStore` returned.
 */
import type { Notification } from '../protocol/notification.js';
import type { Store } from '../storage/store.js';

/** What the decorator reports; `HeraldMetrics` implements it. */
export interface StoreMetrics {
  storageCall(op: string, ok: boolean, seconds: number): void;
  messagesStored(n: number): void;
  rowsPurged(n: number): void;
}

/** `close` is not a storage call worth a latency series. */
const UNTIMED = new Set<PropertyKey>(['close']);

/**
 * Every method runs with the store itself as `this`, never the proxy: backends keep their state in
 * private fields, which a proxy does not have (calling an unbound `close` through it threw).
 */
export function timedStore(store: Store, metrics: StoreMetrics): Store {
  const wrappers = new Map<PropertyKey, unknown>();
  return new Proxy(store, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== 'function') return value;
      let wrapped = wrappers.get(prop);
      if (wrapped === undefined) {
        const fn = value as (...args: unknown[]) => Promise<unknown>;
        wrapped = UNTIMED.has(prop) || typeof prop !== 'string' ? fn.bind(target) : async (...args: unknown[]) => {
          const started = process.hrtime.bigint();
          let ok = false;
          try {
            const result = await fn.apply(target, args);
            ok = true;
            if (prop === 'saveMessage') metrics.messagesStored(1);
            else if (prop === 'saveMessages') metrics.messagesStored((args[1] as readonly Notification[]).length);
            else if (prop === 'purgeExpired' && typeof result === 'number' && result > 0) metrics.rowsPurged(result);
            return result;
          } finally {
            metrics.storageCall(prop, ok, Number(process.hrtime.bigint() - started) / 1e9);
          }
        };
        wrappers.set(prop, wrapped);
      }
      return wrapped;
    },
  });
}

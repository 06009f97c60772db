/** A test helper for backends' sharing runs: two stores on one database acting as one. */
import type { Store } from '../store.js';

/**
 * One Store whose calls take turns between `a` and `b`, so every read may see the other's write
 * (two processes, or two cluster nodes, on one database). `close` closes both.
 */
export function alternating(a: Store, b: Store): Store {
  let turn = 0;
  return new Proxy(a, {
    get(_target, prop) {
      if (prop === 'close') return async () => void (await Promise.all([a.close(), b.close()]));
      const s = turn++ % 2 ? b : a;
      const value: unknown = Reflect.get(s, prop);
      return typeof value === 'function' ? value.bind(s) : value;
    },
  });
}

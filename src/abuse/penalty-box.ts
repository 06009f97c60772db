/**
 * The penalty box's counting half (DESIGN.md "a penalty box"; autopush's docs advise operators to
 * block IPs that keep hitting 404/410): bad answers per IP in a fixed window, in a `BoundedMap`
 * so a flood of addresses cannot grow it. Crossing the threshold reports the IP once per window;
 * the caller blocks it (abuse-controls.ts).
 */
import { BoundedMap } from '../common/bounded-map.js';

export interface PenaltyBoxOptions {
  /** Bad answers within one window that trip the box. */
  threshold: number;
  windowMs: number;
  /** IPs tracked at most. */
  maxKeys: number;
}

interface Tally {
  count: number;
  windowStartMs: number;
}

export class PenaltyBox {
  readonly #opts: PenaltyBoxOptions;
  readonly #tallies: BoundedMap<string, Tally>;

  constructor(opts: PenaltyBoxOptions) {
    this.#opts = opts;
    this.#tallies = new BoundedMap(opts.maxKeys);
  }

  /** Count one bad answer for `ip`; true exactly when this one reaches the threshold. */
  record(ip: string, nowMs: number): boolean {
    let t = this.#tallies.get(ip);
    if (t === undefined || nowMs - t.windowStartMs >= this.#opts.windowMs) {
      t = { count: 0, windowStartMs: nowMs };
      this.#tallies.set(ip, t);
    }
    t.count++;
    return t.count === this.#opts.threshold;
  }

  /** Forget an IP's tally (after an admin lifts its block, so it starts afresh). */
  forget(ip: string): void {
    this.#tallies.delete(ip);
  }

  /** Bad answers counted for `ip` in its current window. */
  count(ip: string, nowMs: number): number {
    const t = this.#tallies.get(ip);
    return t === undefined || nowMs - t.windowStartMs >= this.#opts.windowMs ? 0 : t.count;
  }

  get size(): number {
    return this.#tallies.size;
  }
}

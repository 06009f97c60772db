/**
 * The per-account half of sign-in limits (docs/operations.md "Account API limits"): after
 * `failuresBeforeDelay` failed sign-ins for one email, each further attempt must wait 1 s, 2 s,
 * 4 s… after the latest failure, never more than `maxDelaySeconds`. A success clears the email's
 * tally, and so do 15 quiet minutes. A guesser spreading over many IPs gets about one guess per
 * `maxDelaySeconds` per account, while the owner waits at most that long: there is no lockout
 * that outlives the attack. Unknown emails are throttled the same way, so the answer never tells
 * whether an account exists.
 *
 * Tallies live in a `BoundedMap` per node (a cluster of N nodes lets N times through).
 */
import { BoundedMap } from '../common/bounded-map.js';

/** A failure older than this no longer counts. */
export const FAILURE_MEMORY_MS = 15 * 60_000;

export interface LoginThrottleOptions {
  failuresBeforeDelay: number;
  maxDelaySeconds: number;
  /** Emails tracked at most; the least recently seen go first. */
  maxKeys: number;
}

interface Tally {
  failures: number;
  lastFailureMs: number;
}

export class LoginThrottle {
  readonly #opts: LoginThrottleOptions;
  readonly #tallies: BoundedMap<string, Tally>;

  constructor(opts: LoginThrottleOptions) {
    this.#opts = opts;
    this.#tallies = new BoundedMap(opts.maxKeys);
  }

  /** Seconds (> 0, fractional) before `email` may try again, or 0 when it may now. */
  waitFor(email: string, nowMs: number): number {
    const t = this.#current(email, nowMs);
    if (t === undefined) return 0;
    const delayMs = this.delaySeconds(t.failures) * 1000;
    return Math.max(0, t.lastFailureMs + delayMs - nowMs) / 1000;
  }

  /** The wait after `failures` failures: 0 below the threshold, then doubling up to the cap. */
  delaySeconds(failures: number): number {
    const { failuresBeforeDelay, maxDelaySeconds } = this.#opts;
    if (failuresBeforeDelay === 0 || failures < failuresBeforeDelay) return 0;
    return Math.min(maxDelaySeconds, 2 ** Math.min(30, failures - failuresBeforeDelay));
  }

  failed(email: string, nowMs: number): void {
    if (this.#opts.failuresBeforeDelay === 0) return;
    const t = this.#current(email, nowMs);
    this.#tallies.set(email, { failures: (t?.failures ?? 0) + 1, lastFailureMs: nowMs });
  }

  succeeded(email: string): void {
    this.#tallies.delete(email);
  }

  #current(email: string, nowMs: number): Tally | undefined {
    const t = this.#tallies.get(email);
    if (t === undefined || nowMs - t.lastFailureMs < FAILURE_MEMORY_MS) return t;
    this.#tallies.delete(email);
    return undefined;
  }
}

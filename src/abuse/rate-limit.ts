/**
 * Token buckets keyed by who is limited (a subscription, a VAPID key, an IP, a uaid). Each bucket
 * holds up to `burst` tokens and refills at `perSecond`; a request takes one or is refused with
 * the seconds until the next token. Buckets live in a `BoundedMap`: a key forgotten under a flood
 * of other keys comes back with a full bucket, which errs on the side of serving.
 */
import { BoundedMap } from '../common/bounded-map.js';

export interface RateLimit {
  /** Tokens added per second. */
  perSecond: number;
  /** Bucket size: the requests allowed at once after a quiet spell. */
  burst: number;
}

/** `'10:200'` → `{perSecond: 10, burst: 200}`; `'0'` (or a zero part) → null: no limit. */
export function parseRateLimit(text: string): RateLimit | null {
  const t = text.trim();
  if (t === '0') return null;
  const m = /^(\d+(?:\.\d+)?):(\d+)$/.exec(t);
  if (m === null) throw new Error(`rate limit "${text}" is not <per second>:<burst> or 0`);
  const perSecond = Number(m[1]);
  const burst = Number(m[2]);
  if (perSecond === 0 || burst === 0) return null;
  return { perSecond, burst };
}

interface Bucket {
  tokens: number;
  atMs: number;
}

export class RateLimiter {
  readonly limit: RateLimit;
  readonly #buckets: BoundedMap<string, Bucket>;

  constructor(limit: RateLimit, maxKeys: number) {
    this.limit = limit;
    this.#buckets = new BoundedMap(maxKeys);
  }

  /**
   * Take one token for `key` at `nowMs`. Returns 0 when taken, else the seconds (> 0, fractional)
   * until one is available; a refused request takes nothing.
   */
  take(key: string, nowMs: number): number {
    const { perSecond, burst } = this.limit;
    const b = this.#buckets.get(key);
    const tokens = b === undefined ? burst : Math.min(burst, b.tokens + (Math.max(0, nowMs - b.atMs) / 1000) * perSecond);
    if (tokens >= 1) {
      this.#buckets.set(key, { tokens: tokens - 1, atMs: nowMs });
      return 0;
    }
    if (b !== undefined) {
      b.tokens = tokens;
      b.atMs = nowMs;
    }
    return (1 - tokens) / perSecond;
  }

  /** Keys currently tracked (bounded by `maxKeys`). */
  get size(): number {
    return this.#buckets.size;
  }
}

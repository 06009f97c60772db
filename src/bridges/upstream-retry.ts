/**
 * Retry an upstream that answers 429 or 5xx (docs/bridges.md "Errors"), with exponential backoff
 * and jitter, within a time budget: the sender's request must end in bounded time, so once the
 * budget would be exceeded the last failure stands (503 with Retry-After).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { BridgeFailure } from './upstream-failure.js';

export interface RetryPolicy {
  /** Milliseconds all the waits between attempts may add up to; 0: no retry. */
  budgetMs: number;
  /** First wait; each later one doubles. */
  baseDelayMs?: number;
  /** Attempts at most, the first included. */
  maxAttempts?: number;
}

export async function withRetry<T>(policy: RetryPolicy, attempt: () => Promise<T>): Promise<T> {
  const base = policy.baseDelayMs ?? 100;
  const max = policy.maxAttempts ?? 4;
  let waited = 0;
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (err) {
      if (!(err instanceof BridgeFailure) || !err.retryable || n >= max) throw err;
      // The upstream's Retry-After, when it gave one, else backoff with jitter.
      const wait = err.retryAfter !== undefined ? err.retryAfter * 1000 : base * 2 ** (n - 1) * (0.5 + Math.random() / 2);
      if (waited + wait > policy.budgetMs) throw err;
      waited += wait;
      await sleep(wait);
    }
  }
}

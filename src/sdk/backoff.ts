/**
 * Reconnect delays, as Firefox computes them (docs/protocol.md#firefox-specifics): base × 2^n,
 * capped; 5 s, 10 s, 20 s, … by default.
 */

/** Firefox's `retryBaseInterval`. */
export const DEFAULT_INITIAL_DELAY_MS = 5_000;
/** Firefox caps at `dom.push.pingInterval` (30 min). */
export const DEFAULT_MAX_DELAY_MS = 30 * 60_000;

/** The delay before reconnect attempt `attempt` (0 for the first). */
export function reconnectDelay(attempt: number, initialMs = DEFAULT_INITIAL_DELAY_MS, maxMs = DEFAULT_MAX_DELAY_MS): number {
  return Math.min(initialMs * 2 ** Math.min(attempt, 40), maxMs);
}

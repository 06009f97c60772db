/**
 * Urgency (RFC 8030 §5.3; docs/protocol.md#urgency-herald-extension): how soon a message is worth
 * delivering. A sender labels a push with it; a user agent on battery or a metered link declares
 * the lowest urgency it wants now, and messages below that wait in storage.
 */
import type { Urgency } from './notification.js';

/** The four levels, lowest first (RFC 8030 §5.3). */
export const URGENCY_LEVELS: readonly Urgency[] = ['very-low', 'low', 'normal', 'high'];

/** What a message without an urgency counts as (RFC 8030 §5.3: absent means `normal`). */
export const DEFAULT_MESSAGE_URGENCY: Urgency = 'normal';

/** What a user agent that never declared a level wants: everything. */
export const DEFAULT_UA_URGENCY: Urgency = 'very-low';

const RANK: Readonly<Record<Urgency, number>> = { 'very-low': 0, low: 1, normal: 2, high: 3 };

/** The urgency for exactly one of the four lowercase names, else undefined. */
export function urgencyOrUndefined(value: unknown): Urgency | undefined {
  return typeof value === 'string' && Object.hasOwn(RANK, value) ? (value as Urgency) : undefined;
}

/** Whether a message of urgency `message` (absent: normal) reaches a user agent at level `level`. */
export function meetsUrgency(message: Urgency | undefined, level: Urgency): boolean {
  return RANK[message ?? DEFAULT_MESSAGE_URGENCY] >= RANK[level];
}

/** Whether `next` admits messages that `previous` held back. */
export function isLowerUrgency(next: Urgency, previous: Urgency): boolean {
  return RANK[next] < RANK[previous];
}

/**
 * The `Urgency` request header (RFC 8030 §5.3). autopush ignores it entirely
 * (docs/compatibility.md#differences)
 *, so a sender that works there must work here: an invalid
 * value is ignored like an absent one, never refused. A valid one travels with the notification
 * so a UA or distributor can honour it (UnifiedPush asks for that).
 */
import type { Urgency } from '../../protocol/notification.js';

const URGENCIES: ReadonlySet<string> = new Set<Urgency>(['very-low', 'low', 'normal', 'high']);

/** @returns the urgency, or undefined when absent or not one of the four RFC 8030 values. */
export function parseUrgency(raw: string | undefined): Urgency | undefined {
  const value = raw?.trim().toLowerCase();
  return value !== undefined && URGENCIES.has(value) ? (value as Urgency) : undefined;
}

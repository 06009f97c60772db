/**
 * Per-session counters and the one log line written when a session ends (autopush logs the same
 * "Session" summary from `WebPushClient::shutdown`). Never payloads; the uaid only hashed.
 */
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';

export class SessionStats {
  directAcked = 0;
  /** Unacked direct messages written to storage when the session ended. */
  directStorage = 0;
  /** Messages sent from storage. */
  storedRetrieved = 0;
  storedAcked = 0;
  nacks = 0;
  /** Nacked messages stored again under a new id for the next connection. */
  redeliveries = 0;
  registers = 0;
  unregisters = 0;
}

/** A short stable hash: lets operators correlate sessions without logging the uaid itself. */
export function uaidHash(uaid: string): string {
  return createHash('sha256').update(uaid).digest('hex').slice(0, 16);
}

export function logSessionEnd(
  logger: Logger,
  uaid: string | null,
  stats: SessionStats,
  reason: string,
  durationMs: number,
): void {
  logger.info(
    {
      uaid_hash: uaid === null ? null : uaidHash(uaid),
      direct_acked: stats.directAcked,
      direct_storage: stats.directStorage,
      stored_retrieved: stats.storedRetrieved,
      stored_acked: stats.storedAcked,
      nacks: stats.nacks,
      redeliveries: stats.redeliveries,
      registers: stats.registers,
      unregisters: stats.unregisters,
      disconnect_reason: reason,
      duration_ms: Math.round(durationMs),
    },
    'session ended',
  );
}

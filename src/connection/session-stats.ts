/**
 * Per-session counters and the one log line written when a session ends (autopush logs the same
 * "Session" summary from `WebPushClient::shutdown`). Never payloads; the uaid only hashed.
 *
 * Each counter is also reported as it moves to the optional `ConnectionMetrics`, so the
 * Prometheus totals are live (not only at session end) and cannot drift from the log line.
 */
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { ConnectionMetrics, SessionCounter } from './metrics.js';

export class SessionStats {
  readonly #counts: Record<SessionCounter, number> = {
    directSent: 0,
    directAcked: 0,
    directStorage: 0,
    storedRetrieved: 0,
    storedAcked: 0,
    nacks: 0,
    redeliveries: 0,
    registers: 0,
    unregisters: 0,
  };
  readonly #metrics: ConnectionMetrics | undefined;

  constructor(metrics?: ConnectionMetrics) {
    this.#metrics = metrics;
  }

  /** Direct notifications sent to the UA. */
  get directSent() { return this.#counts.directSent; }
  set directSent(v: number) { this.#set('directSent', v); }
  get directAcked() { return this.#counts.directAcked; }
  set directAcked(v: number) { this.#set('directAcked', v); }
  /** Unacked direct messages written to storage when the session ended. */
  get directStorage() { return this.#counts.directStorage; }
  set directStorage(v: number) { this.#set('directStorage', v); }
  /** Messages sent from storage. */
  get storedRetrieved() { return this.#counts.storedRetrieved; }
  set storedRetrieved(v: number) { this.#set('storedRetrieved', v); }
  get storedAcked() { return this.#counts.storedAcked; }
  set storedAcked(v: number) { this.#set('storedAcked', v); }
  get nacks() { return this.#counts.nacks; }
  set nacks(v: number) { this.#set('nacks', v); }
  /** Nacked messages stored again under a new id for the next connection. */
  get redeliveries() { return this.#counts.redeliveries; }
  set redeliveries(v: number) { this.#set('redeliveries', v); }
  get registers() { return this.#counts.registers; }
  set registers(v: number) { this.#set('registers', v); }
  get unregisters() { return this.#counts.unregisters; }
  set unregisters(v: number) { this.#set('unregisters', v); }

  #set(counter: SessionCounter, value: number): void {
    const delta = value - this.#counts[counter];
    this.#counts[counter] = value;
    if (delta > 0) this.#metrics?.sessionCount(counter, delta);
  }
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
  /** The most bytes that ever waited to be sent to the UA (back-pressure, session.ts). */
  peakUnsentBytes = 0,
): void {
  logger.info(
    {
      uaid_hash: uaid === null ? null : uaidHash(uaid),
      direct_sent: stats.directSent,
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
      peak_unsent_bytes: peakUnsentBytes,
    },
    'session ended',
  );
}

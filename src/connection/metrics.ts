/**
 * What the connection service reports for metrics (src/admin implements it, the CLI passes it
 * in); absent, nothing is reported. The counters are the per-session ones of `session-stats.ts`,
 * so the Prometheus totals and the "session ended" log lines count the same events.
 */

/** The per-session counters (the fields of `SessionStats`). */
export type SessionCounter =
  /** Notification frames sent straight from an endpoint (not from storage). */
  | 'directSent'
  | 'directAcked'
  /** Unacked direct messages saved to storage when a session ended. */
  | 'directStorage'
  /** Notification frames sent from storage. */
  | 'storedRetrieved'
  | 'storedAcked'
  | 'nacks'
  /** Nacked messages stored again under a new id. */
  | 'redeliveries'
  | 'registers'
  | 'unregisters';

export interface ConnectionMetrics {
  /** `counter` of some session moved by `n` (normally 1). */
  sessionCount(counter: SessionCounter, n: number): void;
}

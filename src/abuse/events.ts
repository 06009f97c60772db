/**
 * What the abuse controls report, for metrics and logs (src/admin subscribes through
 * `AbuseControlsDeps.onEvent`; this folder never imports prom-client). Labels are low-cardinality
 * except where noted: no tokens, no uaids.
 */

/** Which rate limiter refused. */
export type LimiterName = 'subscription' | 'vapid-key' | 'ip' | 'connect' | 'register';

export type AbuseEvent =
  /** A request over a rate limit got 429. labels: `limiter`. */
  | 'rate-limited'
  /** A request from a blocked IP got 403. labels: `surface` (`endpoint` | `websocket`). */
  | 'blocked-request'
  /** A bad answer counted against an IP. labels: `cause` (`404` | `410` | `401` | a session close kind). */
  | 'bad-outcome'
  /** An IP was blocked. labels: `source` (`penalty-box` | `admin`), `ip` (high cardinality: log it, don't label a metric with it). */
  | 'ip-blocked'
  /** A block was lifted by an admin. labels: `ip` (as above). */
  | 'ip-unblocked'
  /** A register beyond `maxChannelsPerUaid` got 413. */
  | 'channel-limit'
  /** Stored messages over `maxStoredMessages` were handled. labels: `policy`; `count`: messages dropped (drop-oldest) or 1 (reset). */
  | 'stored-limit';

export type AbuseEventListener = (kind: AbuseEvent, labels: Readonly<Record<string, string>>, count: number) => void;

/** Running totals since start, for the admin API and dashboard. */
export interface AbuseCounters {
  rateLimited: Record<LimiterName, number>;
  blockedRequests: { endpoint: number; websocket: number };
  badOutcomes: number;
  ipsBlocked: { 'penalty-box': number; admin: number };
  ipsUnblocked: number;
  channelLimit: number;
  storedDropped: number;
  uaidResets: number;
}

export function emptyCounters(): AbuseCounters {
  return {
    rateLimited: { subscription: 0, 'vapid-key': 0, ip: 0, connect: 0, register: 0 },
    blockedRequests: { endpoint: 0, websocket: 0 },
    badOutcomes: 0,
    ipsBlocked: { 'penalty-box': 0, admin: 0 },
    ipsUnblocked: 0,
    channelLimit: 0,
    storedDropped: 0,
    uaidResets: 0,
  };
}

/**
 * Herald's Prometheus metrics (docs/operations.md "Metrics"), in the spirit of autopush's statsd
 * names (docs/operations.md) with Prometheus conventions: `herald_` prefix, `_total` counters,
 * seconds. One `HeraldMetrics` per process; the endpoint app, the connection service, the abuse
 * controls and the timed store report into it through small interfaces they own, so none of them
 * imports prom-client. Labels are route patterns, outcomes and reasons: never tokens, uaids or IPs.
 *
 * Beside the Prometheus registry it keeps plain running totals for the admin API and the rate
 * history (prom-client's own values are only readable asynchronously).
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { AbuseEventListener } from '../abuse/events.js';
import type { ConnectionMetrics, SessionCounter } from '../connection/metrics.js';
import type { DeliveryOutcome } from '../endpoint/deliver.js';
import type { EndpointMetrics } from '../endpoint/metrics.js';
import type { StoreMetrics } from './timed-store.js';
import { TopSenders } from './top-senders.js';

/** Running totals since start, for the admin API (`/admin/api/summary`) and the rate history. */
export interface Totals {
  /** Pushes accepted with 201, by outcome summed. */
  received: number;
  direct: number;
  stored: number;
  dropped: number;
  /** Accepted by a native app's push service through a bridge (src/bridges). */
  bridged: number;
  /** Notification frames sent to user agents (direct and from storage). */
  delivered: number;
  acked: number;
  nacks: number;
  registers: number;
  unregisters: number;
  /** Endpoint requests answered with a status of 400 or more. */
  rejected: number;
  /** Messages written to storage (saveMessage/saveMessages rows). */
  storageWrites: number;
  /** Rows removed by the purge of expired messages and stale router records. */
  expired: number;
  rateLimited: number;
  blockedRequests: number;
  storageErrors: number;
}

const SECONDS_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

const SESSION_COUNTERS: Record<SessionCounter, { name: string; source?: 'direct' | 'stored' }> = {
  directSent: { name: 'delivered', source: 'direct' },
  storedRetrieved: { name: 'delivered', source: 'stored' },
  directAcked: { name: 'acked', source: 'direct' },
  storedAcked: { name: 'acked', source: 'stored' },
  directStorage: { name: 'unacked_saved' },
  nacks: { name: 'nacks' },
  redeliveries: { name: 'redeliveries' },
  registers: { name: 'registers' },
  unregisters: { name: 'unregisters' },
};

export interface HeraldMetricsOptions {
  /** Also export prom-client's process and Node.js metrics (`process_*`, `nodejs_*`); default true. */
  defaultMetrics?: boolean;
  /** How many senders the top-senders table tracks (bounded memory). */
  topSendersCapacity?: number;
}

export class HeraldMetrics implements EndpointMetrics, ConnectionMetrics, StoreMetrics {
  readonly registry = new Registry();
  readonly topSenders: TopSenders;
  readonly totals: Totals = {
    received: 0, direct: 0, stored: 0, dropped: 0, bridged: 0, delivered: 0, acked: 0, nacks: 0, registers: 0, unregisters: 0,
    rejected: 0, storageWrites: 0, expired: 0, rateLimited: 0, blockedRequests: 0, storageErrors: 0,
  };
  #connections: () => number = () => 0;

  readonly #received: Counter<'outcome'>;
  readonly #pushSeconds: Histogram<'outcome'>;
  readonly #requests: Counter<'route' | 'status'>;
  readonly #requestSeconds: Histogram<'route'>;
  readonly #delivered: Counter<'source'>;
  readonly #acked: Counter<'source'>;
  readonly #session: Record<string, Counter>;
  readonly #sessionsEnded: Counter<'reason'>;
  readonly #stored: Counter;
  readonly #expired: Counter;
  readonly #dropped: Counter<'reason'>;
  readonly #storageSeconds: Histogram<'op' | 'result'>;
  readonly #rateLimited: Counter<'limiter'>;
  readonly #blocked: Counter<'surface'>;
  readonly #badOutcomes: Counter<'cause'>;
  readonly #ipsBlocked: Counter<'source'>;
  readonly #ipsUnblocked: Counter;
  readonly #channelLimit: Counter;
  readonly #bridge: Counter<'platform' | 'result'>;

  constructor(opts: HeraldMetricsOptions = {}) {
    const registers = [this.registry];
    const counter = <L extends string>(name: string, help: string, labelNames: L[] = []) => new Counter<L>({ name, help, labelNames, registers });
    const histogram = <L extends string>(name: string, help: string, labelNames: L[]) =>
      new Histogram<L>({ name, help, labelNames, buckets: SECONDS_BUCKETS, registers });
    this.topSenders = new TopSenders(opts.topSendersCapacity);
    const self = this;
    new Gauge({
      name: 'herald_connections',
      help: 'Open WebSocket connections of this process (identified or not).',
      registers,
      collect() {
        this.set(self.#connections());
      },
    });
    this.#received = counter('herald_messages_received_total', 'Pushes accepted with 201, by outcome: direct (handed to a live socket), stored (kept for later), dropped (TTL 0, not connected).', ['outcome']);
    this.#pushSeconds = histogram('herald_push_duration_seconds', 'Seconds from a push request to its outcome; for direct, until queued on the user agent socket.', ['outcome']);
    this.#requests = counter('herald_endpoint_requests_total', 'Endpoint API requests answered, by route pattern and status.', ['route', 'status']);
    this.#requestSeconds = histogram('herald_endpoint_request_duration_seconds', 'Endpoint API request duration, by route pattern.', ['route']);
    this.#delivered = counter('herald_messages_delivered_total', 'Notification frames sent to user agents, by source (direct or stored).', ['source']);
    this.#acked = counter('herald_messages_acked_total', 'Notifications acknowledged by user agents, by source (direct or stored).', ['source']);
    this.#session = {
      unacked_saved: counter('herald_messages_unacked_saved_total', 'Unacknowledged direct messages saved to storage when their session ended.'),
      nacks: counter('herald_nacks_total', 'Nack frames from user agents.'),
      redeliveries: counter('herald_messages_redelivered_total', 'Nacked messages stored again for the next connection.'),
      registers: counter('herald_registers_total', 'Register frames from user agents.'),
      unregisters: counter('herald_unregisters_total', 'Unregister frames from user agents.'),
    };
    this.#sessionsEnded = counter('herald_sessions_ended_total', 'WebSocket sessions ended, by disconnect reason.', ['reason']);
    this.#stored = counter('herald_messages_stored_total', 'Messages written to storage (pushes with a TTL, unacked messages saved at disconnect, redeliveries).');
    this.#expired = counter('herald_messages_expired_total', 'Rows removed by the purge of expired messages and stale router records.');
    this.#dropped = counter('herald_messages_dropped_total', 'Messages dropped: ttl0 (TTL 0, user agent not connected) or stored-limit (over the stored-message maximum).', ['reason']);
    this.#storageSeconds = histogram('herald_storage_duration_seconds', 'Storage call duration, by operation and result (ok or error).', ['op', 'result']);
    this.#rateLimited = counter('herald_rate_limited_total', 'Requests refused with 429 by a rate limit, by limiter.', ['limiter']);
    this.#blocked = counter('herald_blocked_requests_total', 'Requests refused because the client IP is blocked, by surface (endpoint or websocket).', ['surface']);
    this.#badOutcomes = counter('herald_penalty_hits_total', 'Bad answers counted against a client IP by the penalty box, by cause (404, 410, 401, a close kind).', ['cause']);
    this.#ipsBlocked = counter('herald_ips_blocked_total', 'IPs blocked, by source (penalty-box or admin).', ['source']);
    this.#ipsUnblocked = counter('herald_ips_unblocked_total', 'IP blocks lifted by an admin.');
    this.#channelLimit = counter('herald_channel_limit_total', 'Registers refused with 413 over the per-uaid channel maximum.');
    this.#bridge = counter('herald_bridge_notifications_total', 'Pushes to native apps through a bridge, by platform (fcm, apns, stub) and result (sent, or the failure: unregistered, authentication, unavailable, timeout, busy, too-much-data).', ['platform', 'result']);
    if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
  }

  /** Where the connection gauge reads its value (the connection service's count). */
  trackConnections(count: () => number): void {
    this.#connections = count;
  }

  connections(): number {
    return this.#connections();
  }

  /** Prometheus text exposition format. */
  exposition(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  // ---- EndpointMetrics ----

  request(route: string | null, status: number, seconds: number): void {
    const r = route ?? 'unmatched';
    this.#requests.inc({ route: r, status: String(status) });
    this.#requestSeconds.observe({ route: r }, seconds);
    if (status >= 400) this.totals.rejected++;
  }

  bridgeResult(platform: string, result: string): void {
    this.#bridge.inc({ platform, result });
  }

  pushAccepted(outcome: DeliveryOutcome, vapidKey: string | null, seconds: number): void {
    this.#received.inc({ outcome });
    this.#pushSeconds.observe({ outcome }, seconds);
    this.totals.received++;
    this.totals[outcome]++;
    if (outcome === 'dropped') this.#dropped.inc({ reason: 'ttl0' });
    this.topSenders.record(vapidKey);
  }

  // ---- ConnectionMetrics ----

  sessionCount(counter: SessionCounter, n: number): void {
    const { name, source } = SESSION_COUNTERS[counter];
    if (name === 'delivered') {
      this.#delivered.inc({ source: source! }, n);
      this.totals.delivered += n;
    } else if (name === 'acked') {
      this.#acked.inc({ source: source! }, n);
      this.totals.acked += n;
    } else {
      this.#session[name]!.inc(n);
      if (name === 'nacks' || name === 'registers' || name === 'unregisters') this.totals[name] += n;
    }
  }

  sessionEnded(reason: string): void {
    this.#sessionsEnded.inc({ reason });
  }

  // ---- StoreMetrics ----

  storageCall(op: string, ok: boolean, seconds: number): void {
    this.#storageSeconds.observe({ op, result: ok ? 'ok' : 'error' }, seconds);
    if (!ok) this.totals.storageErrors++;
  }

  messagesStored(n: number): void {
    this.#stored.inc(n);
    this.totals.storageWrites += n;
  }

  rowsPurged(n: number): void {
    this.#expired.inc(n);
    this.totals.expired += n;
  }

  // ---- abuse events (AbuseControlsDeps.onEvent) ----

  readonly abuseEvent: AbuseEventListener = (kind, labels, count) => {
    switch (kind) {
      case 'rate-limited':
        this.#rateLimited.inc({ limiter: labels.limiter ?? 'unknown' }, count);
        this.totals.rateLimited += count;
        return;
      case 'blocked-request':
        this.#blocked.inc({ surface: labels.surface ?? 'unknown' }, count);
        this.totals.blockedRequests += count;
        return;
      case 'bad-outcome':
        this.#badOutcomes.inc({ cause: labels.cause ?? 'unknown' }, count);
        return;
      case 'ip-blocked':
        // The label `ip` is deliberately not used: one series per address would never end.
        this.#ipsBlocked.inc({ source: labels.source ?? 'unknown' }, count);
        return;
      case 'ip-unblocked':
        this.#ipsUnblocked.inc(count);
        return;
      case 'channel-limit':
        this.#channelLimit.inc(count);
        return;
      case 'stored-limit':
        this.#dropped.inc({ reason: 'stored-limit' }, count);
        this.totals.dropped += count;
        return;
    }
  };
}

/**
 * The abuse controls of one node (issue 7 points 1-3, docs/operations.md "Limits and abuse
 * controls"): rate limits, the penalty box with the shared blocklist, and the per-uaid channel
 * and stored-message maximums. The endpoint and connection services ask it before serving; the
 * admin API lists, adds and lifts blocks and reads the counters. Decisions are data (`Refusal`);
 * the callers turn them into 429/403 answers or register replies.
 */
import type { Settings } from '../config/settings.js';
import type { BlockEntry, BlocklistStore } from '../storage/blocklist-store.js';
import type { Store } from '../storage/store.js';
import { BlocklistCache } from './blocklist-cache.js';
import { clientIp, normalizeIp } from './client-ip.js';
import { ipKey } from './ip-key.js';
import { emptyCounters, type AbuseCounters, type AbuseEvent, type AbuseEventListener, type LimiterName } from './events.js';
import { PenaltyBox } from './penalty-box.js';
import { parseRateLimit, RateLimiter } from './rate-limit.js';
import { StoredLimit, type StoredLimitResult } from './stored-limit.js';

export type AbuseSettings = Pick<
  Settings,
  | 'limitPushPerSubscription'
  | 'limitPushPerVapidKey'
  | 'limitPushPerIp'
  | 'limitConnectPerIp'
  | 'limitRegisterPerUaid'
  | 'limitTrackedKeys'
  | 'penaltyThreshold'
  | 'penaltyWindow'
  | 'penaltyBlockSeconds'
  | 'blocklistRefreshInterval'
  | 'trustedProxies'
  | 'maxChannelsPerUaid'
  | 'maxStoredMessages'
  | 'storedMessagesPolicy'
>;

/** Why a request is not served, and for how long (whole seconds, at least 1). */
export type Refusal =
  | { kind: 'rate-limited'; limiter: LimiterName; retryAfter: number }
  | { kind: 'ip-blocked'; retryAfter: number }
  | { kind: 'channel-limit' };

/** The part of a pino logger used here. */
export interface AbuseLog {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

export interface AbuseControlsDeps {
  settings: Readonly<AbuseSettings>;
  /** The shared blocklist (`openBlocklistStore`); closed by the caller. */
  blocklist: BlocklistStore;
  /** For the channel and stored-message maximums. */
  store: Store;
  /** Epoch ms; tests pass a fake clock. */
  now?: () => number;
  onEvent?: AbuseEventListener;
  log?: AbuseLog;
}

/** Where a bad answer came from; endpoint statuses or a WebSocket close kind. */
export type BadOutcomeCause = '401' | '404' | '410' | string;

export class AbuseControls {
  readonly #deps: AbuseControlsDeps;
  readonly #now: () => number;
  readonly #limiters: Partial<Record<LimiterName, RateLimiter>> = {};
  readonly #penalty: PenaltyBox | null;
  readonly #cache: BlocklistCache;
  readonly #stored: StoredLimit | null;
  readonly #trusted: ReadonlySet<string>;
  readonly #counters: AbuseCounters = emptyCounters();

  /** Build and load the blocklist cache; `close()` stops its refresh. */
  static async open(deps: AbuseControlsDeps): Promise<AbuseControls> {
    const controls = new AbuseControls(deps);
    await controls.#cache.start();
    return controls;
  }

  /** Prefer `open`; a controls object built here has an empty cache until `refresh()`. */
  constructor(deps: AbuseControlsDeps) {
    const { settings } = deps;
    this.#deps = deps;
    this.#now = deps.now ?? Date.now;
    const limits: Record<LimiterName, string> = {
      subscription: settings.limitPushPerSubscription,
      'vapid-key': settings.limitPushPerVapidKey,
      ip: settings.limitPushPerIp,
      connect: settings.limitConnectPerIp,
      register: settings.limitRegisterPerUaid,
    };
    for (const [name, text] of Object.entries(limits) as [LimiterName, string][]) {
      const limit = parseRateLimit(text);
      if (limit !== null) this.#limiters[name] = new RateLimiter(limit, settings.limitTrackedKeys);
    }
    this.#penalty =
      settings.penaltyThreshold > 0
        ? new PenaltyBox({ threshold: settings.penaltyThreshold, windowMs: settings.penaltyWindow * 1000, maxKeys: settings.limitTrackedKeys })
        : null;
    this.#cache = new BlocklistCache({
      store: deps.blocklist,
      refreshMs: settings.blocklistRefreshInterval * 1000,
      now: this.#now,
      onError: (err) => deps.log?.warn({ err }, 'could not reload the shared blocklist; keeping the last copy'),
    });
    this.#stored =
      settings.maxStoredMessages > 0
        ? new StoredLimit({ limit: settings.maxStoredMessages, policy: settings.storedMessagesPolicy, maxKeys: settings.limitTrackedKeys })
        : null;
    this.#trusted = new Set(settings.trustedProxies.map(normalizeIp));
  }

  // ---- who is asking ----

  /** The client address of a request: the socket peer, or `X-Forwarded-For` behind a trusted proxy. */
  clientIp(peer: string | undefined, forwardedFor: string | string[] | undefined): string {
    return clientIp(peer, forwardedFor, this.#trusted);
  }

  // ---- the hot path: in memory only ----

  /**
   * An endpoint request or a WebSocket upgrade from `ip`: blocked (403), over the per-IP limit of
   * its surface (429), or null to serve it.
   */
  admitIp(ip: string, surface: 'endpoint' | 'websocket'): Refusal | null {
    const blocked = this.#cache.blockedFor(ip);
    if (blocked > 0) {
      this.#counters.blockedRequests[surface]++;
      this.#emit('blocked-request', { surface });
      return { kind: 'ip-blocked', retryAfter: Math.ceil(blocked) };
    }
    return this.#take(surface === 'endpoint' ? 'ip' : 'connect', ipKey(ip));
  }

  /** Seconds `ip`'s block has left (0: not blocked); for surfaces with their own refusals (the account API). */
  blockedFor(ip: string): number {
    return this.#cache.blockedFor(ip);
  }

  /** A push to `uaid`/`channelID`, signed by `vapidKey` (base64url of the public key) or unsigned. */
  admitPush(uaid: string, channelID: string, vapidKey: string | null): Refusal | null {
    return this.#take('subscription', `${uaid}/${channelID}`) ?? (vapidKey === null ? null : this.#take('vapid-key', vapidKey));
  }

  /**
   * A `register` of `channelID` by `uaid`: over the register rate (429), or one channel too many
   * (413; re-registering a channel it holds is always allowed). `userStored`: the uaid has a
   * router record (else it has no channels and storage is not asked).
   */
  async admitRegister(uaid: string, channelID: string, userStored: boolean): Promise<Refusal | null> {
    const limited = this.#take('register', uaid);
    if (limited !== null) return limited;
    const max = this.#deps.settings.maxChannelsPerUaid;
    if (max === 0 || !userStored) return null;
    const channels = await this.#deps.store.getChannels(uaid);
    if (channels.size < max || channels.has(channelID)) return null;
    this.#counters.channelLimit++;
    this.#emit('channel-limit', {});
    return { kind: 'channel-limit' };
  }

  /**
   * Count a bad answer against `ip` (404/410/401 on the endpoint, a protocol-error close); at the
   * threshold the IP is blocked on every node. Never throws; storage failures are logged.
   */
  recordBadOutcome(ip: string, cause: BadOutcomeCause): void {
    if (this.#penalty === null || ip === '') return;
    this.#counters.badOutcomes++;
    this.#emit('bad-outcome', { cause });
    // An IPv6 client is counted, and blocked, by its /64 (ip-key.ts).
    const key = ipKey(ip);
    if (!this.#penalty.record(key, this.#now())) return;
    this.block(key, { reason: 'penalty-box' }).catch((err: unknown) => this.#deps.log?.warn({ err, ip }, 'could not write a penalty-box block to the shared blocklist'));
  }

  /**
   * Call after a push was stored for `uaid`: applies the stored-message maximum. After a reset the
   * caller closes the user agent's socket on the node it names, so it learns of it at once.
   */
  async afterStored(uaid: string): Promise<StoredLimitResult> {
    if (this.#stored === null) return { action: 'none' };
    const result = await this.#stored.afterStored(this.#deps.store, uaid);
    const policy = this.#deps.settings.storedMessagesPolicy;
    if (result.action === 'dropped' && result.count > 0) {
      this.#counters.storedDropped += result.count;
      this.#emit('stored-limit', { policy }, result.count);
    } else if (result.action === 'reset') {
      this.#counters.uaidResets++;
      this.#emit('stored-limit', { policy });
      this.#deps.log?.info({ policy }, 'a user agent over the stored-message maximum was reset');
    }
    return result;
  }

  // ---- admin (the admin API calls these) ----

  /** Unexpired blocks in the shared blocklist, soonest to expire first. */
  listBlocks(): Promise<BlockEntry[]> {
    return this.#deps.blocklist.list(this.#now());
  }

  /**
   * Block `ip` on every node for `seconds` (default `penaltyBlockSeconds`). `reason` defaults to
   * `admin`; the penalty box passes `penalty-box`. Returns the entry written.
   */
  async block(ip: string, opts: { seconds?: number; reason?: string } = {}): Promise<BlockEntry> {
    const now = this.#now();
    const address = normalizeIp(ip);
    const reason = opts.reason ?? 'admin';
    const entry: BlockEntry = { ip: address, reason, createdAt: now, expiresAt: now + (opts.seconds ?? this.#deps.settings.penaltyBlockSeconds) * 1000 };
    this.#cache.noteBlocked(entry);
    await this.#deps.blocklist.add(entry);
    const source = reason === 'penalty-box' ? 'penalty-box' : 'admin';
    this.#counters.ipsBlocked[source]++;
    this.#emit('ip-blocked', { source, ip: address });
    this.#deps.log?.warn({ ip: address, reason, seconds: (entry.expiresAt - now) / 1000 }, 'IP blocked');
    return entry;
  }

  /** Lift `ip`'s block on every node (others within `blocklistRefreshInterval`); whether one existed. */
  async unblock(ip: string): Promise<boolean> {
    const address = normalizeIp(ip);
    this.#cache.noteLifted(address);
    this.#penalty?.forget(ipKey(address));
    const existed = await this.#deps.blocklist.remove(address, this.#now());
    if (existed) {
      this.#counters.ipsUnblocked++;
      this.#emit('ip-unblocked', { ip: address });
      this.#deps.log?.info({ ip: address }, 'IP block lifted');
    }
    return existed;
  }

  /** Totals since start (a copy). */
  counters(): AbuseCounters {
    return structuredClone(this.#counters);
  }

  /** Sizes of the in-memory structures, for the dashboard. */
  sizes(): { cachedBlocks: number; penaltyTracked: number; limiterKeys: Partial<Record<LimiterName, number>> } {
    const limiterKeys: Partial<Record<LimiterName, number>> = {};
    for (const [name, l] of Object.entries(this.#limiters) as [LimiterName, RateLimiter][]) limiterKeys[name] = l.size;
    return { cachedBlocks: this.#cache.size, penaltyTracked: this.#penalty?.size ?? 0, limiterKeys };
  }

  /** Reload the shared blocklist now (tests; the timer does it every `blocklistRefreshInterval`). */
  refresh(): Promise<void> {
    return this.#cache.refresh();
  }

  /** Stop the cache refresh. The blocklist and store belong to the caller. */
  close(): void {
    this.#cache.stop();
  }

  #take(name: LimiterName, key: string): Refusal | null {
    const limiter = this.#limiters[name];
    if (limiter === undefined) return null;
    const wait = limiter.take(key, this.#now());
    if (wait === 0) return null;
    this.#counters.rateLimited[name]++;
    this.#emit('rate-limited', { limiter: name });
    return { kind: 'rate-limited', limiter: name, retryAfter: Math.max(1, Math.ceil(wait)) };
  }

  #emit(kind: AbuseEvent, labels: Record<string, string>, count = 1): void {
    try {
      this.#deps.onEvent?.(kind, labels, count);
    } catch (err) {
      // A listener's bug must not turn into a refused push.
      this.#deps.log?.warn({ err, kind }, 'abuse event listener threw');
    }
  }
}

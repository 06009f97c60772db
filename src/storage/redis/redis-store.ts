/**
 * The Redis backend (docs/storage.md#redis, docs/protocol.md#storage-semantics) on ioredis, for clusters that want no schema:
 * every node points at the same server, or at the same Redis Cluster (`redis+cluster://`,
 * docs/storage.md). Keys, under a prefix (default `herald:`), with the uaid in a hash tag so one
 * user's keys share a cluster slot, and every script runs on that slot alone:
 *
 *   herald:{uaid}:user               hash: ca, rt, nid (absent = null), rv, ptr, lu, next
 *   herald:{uaid}:chans              set of channel ids
 *   herald:{uaid}:ts / :tp           sorted sets of message ids scored by sort key (timestamp / topic messages)
 *   herald:{uaid}:msg:{version}      hash: j (the message as JSON), e (expiry, s), tk (topic key suffix)
 *   herald:{uaid}:topic:{chid}:{t}   the message id holding that (channel, topic)
 *
 * Every write that reads before it writes is one Lua script (scripts.ts), atomic on the server:
 * the hello's `connectUser`, the conditional `removeNodeId`, topic replacement, and sort keys,
 * taken from the `next` field as `max(now in ms, next, pointer + 1)`, so they strictly increase
 * per uaid in the order saves run, across nodes.
 *
 * Time: whether a message or record is live is decided against the injected clock, from the
 * stored expiry and `lu` (tests move that clock by days). Native expiry is a garbage-collection
 * backstop set never earlier than the real expiry: message keys at timestamp + ttl (+ grace),
 * the record's keys at lastUpdate + router TTL (+ grace), refreshed on every update. Fetches
 * skip expired messages and drop index entries whose body already expired; `purgeExpired` SCANs
 * the records (on every master of a cluster) and removes stale ones and expired messages.
 *
 * Durability: with `waitReplicas` (the DSN's `wait`, 1 on a cluster) a save, a new record and a
 * new channel are followed by `WAIT` on the same master, so what a 201 rests on is on a replica
 * before the 201 goes out, and survives that master's failover.
 */
import type { Notification, StoredNotification } from '../../protocol/notification.js';
import { StoreBusyError, UnknownUserError, USER_RECORD_VERSION, type ChannelLookup, type HelloOutcome, type NewUser, type RouterData, type Store, type UserRecord } from '../store.js';
import { closeRedis, connectRedis, mapError, redisAnswers, scanKeys, type RedisClient, type RedisConnectionOptions } from './connection.js';
import { parseRedisDsn } from './redis-dsn.js';
import { scripts, type ScriptName } from './scripts.js';

export interface RedisStoreOptions extends RedisConnectionOptions {
  /** Router records unseen for longer than this count as absent (autopush: 60 days). */
  routerTtlDays?: number;
  /** Clock in epoch milliseconds; tests inject one. Default `Date.now`. */
  now?: () => number;
  /** Prefix of every key, so deployments can share a server. Default `herald:`. */
  prefix?: string;
  /** How long native expiry waits past a message's or record's own expiry (clock skew between nodes and server). Default 60000. */
  expiryGraceMs?: number;
  /**
   * Replicas that must acknowledge (`WAIT`) a saved message, a new record or a new channel before
   * the call resolves; else it fails with `StoreBusyError` (the write stays, a retry is a
   * duplicate). Default 0; `openRedisStore` takes it from the DSN (redis-dsn.ts).
   */
  waitReplicas?: number;
  /** Bound on that `WAIT`, ms. Default 1000. */
  waitTimeoutMs?: number;
}

const DAY_MS = 86_400_000;
const SCAN_COUNT = 500;

type ScriptCall = (...keysAndArgs: (string | number)[]) => Promise<unknown>;

/** Connect to `dsn` (redis://…, rediss://…, redis+cluster://…); rejects with `StoreBusyError` if it cannot. */
export async function openRedisStore(dsn: string, opts: RedisStoreOptions = {}): Promise<RedisStore> {
  const { waitReplicas, waitTimeoutMs } = parseRedisDsn(dsn);
  return new RedisStore(await connectRedis(dsn, opts, scripts, 4), { waitReplicas, waitTimeoutMs, ...opts });
}

export class RedisStore implements Store {
  readonly #redis: RedisClient;
  readonly #waitReplicas: number;
  readonly #waitTimeoutMs: number;
  readonly #now: () => number;
  readonly #routerTtlMs: number;
  readonly #prefix: string;
  readonly #graceMs: number;
  #closed = false;

  /** Prefer `openRedisStore`; this takes ownership of a connected client with the scripts defined. */
  constructor(redis: RedisClient, opts: RedisStoreOptions = {}) {
    this.#redis = redis;
    this.#waitReplicas = opts.waitReplicas ?? 0;
    this.#waitTimeoutMs = opts.waitTimeoutMs ?? 1000;
    this.#now = opts.now ?? Date.now;
    this.#routerTtlMs = (opts.routerTtlDays ?? 60) * DAY_MS;
    this.#prefix = opts.prefix ?? 'herald:';
    this.#graceMs = opts.expiryGraceMs ?? 60_000;
  }

  async addUser(user: NewUser): Promise<boolean> {
    const now = this.#now();
    const created = await this.#durableScript('heraldAddUser', user.uaid, [
      now,
      now - this.#routerTtlMs,
      this.#keepMs(),
      user.connectedAt,
      user.routerType ?? 'webpush',
      user.nodeId === null ? 0 : 1,
      user.nodeId ?? '',
      user.recordVersion ?? USER_RECORD_VERSION,
      user.currentTimestamp ?? 0,
      user.routerData === undefined || user.routerData === null ? '' : JSON.stringify(user.routerData),
    ]);
    return created === 1;
  }

  async connectUser(uaid: string, connectedAt: number, nodeId: string): Promise<HelloOutcome> {
    const now = this.#now();
    const args = [now, now - this.#routerTtlMs, this.#keepMs(), connectedAt, nodeId];
    const [fields, state, indexed] = (await this.#script('heraldConnectUser', uaid, args)) as [string[], number, number];
    if (state === 0) return { outcome: 'absent' };
    const user = toUserRecord(uaid, pairs(fields));
    if (state === 3) return { outcome: 'bridged', user };
    if (state === 2) return { outcome: 'newer-connection', user };
    return { outcome: 'connected', user, mayHaveMessages: indexed > 0 };
  }

  async getUser(uaid: string): Promise<UserRecord | null> {
    return this.#liveUser(uaid, await this.#call(() => this.#redis.hgetall(this.#keys(uaid)[0])));
  }

  async lookupChannel(uaid: string, channelId: string): Promise<ChannelLookup | null> {
    const [routerKey, channelsKey] = this.#keys(uaid);
    // One pipeline, one round trip; the two reads need not be atomic (a push racing an
    // unregister may go either way, as with two separate reads).
    const [hash, member] = await this.#call(async () => {
      const replies = await this.#redis.pipeline().hgetall(routerKey).sismember(channelsKey, channelId).exec();
      if (replies === null) throw new StoreBusyError('Redis discarded the pipeline; retry');
      for (const [err] of replies) if (err) throw err;
      return [replies[0]![1] as Record<string, string>, replies[1]![1] as number] as const;
    });
    const user = this.#liveUser(uaid, hash);
    return user === null ? null : { user, channelExists: member === 1 };
  }

  /** The router record from its hash, or null when absent or past the router TTL. */
  #liveUser(uaid: string, h: Record<string, string>): UserRecord | null {
    if (h.lu === undefined || Number(h.lu) < this.#now() - this.#routerTtlMs) return null;
    return toUserRecord(uaid, h);
  }

  async updateRouter(uaid: string, routerType: string, routerData: RouterData | null): Promise<boolean> {
    const now = this.#now();
    const data = routerData === null ? '' : JSON.stringify(routerData);
    return (await this.#script('heraldUpdateRouter', uaid, [now, now - this.#routerTtlMs, this.#keepMs(), routerType, data])) === 1;
  }

  async removeUser(uaid: string): Promise<void> {
    await this.#script('heraldRemoveUser', uaid, []);
  }

  async removeNodeId(uaid: string, nodeId: string, connectedAt: number): Promise<boolean> {
    return (await this.#script('heraldRemoveNodeId', uaid, [nodeId, connectedAt])) === 1;
  }

  async addChannel(uaid: string, channelId: string): Promise<void> {
    const now = this.#now();
    await this.#durableScript('heraldAddChannel', uaid, [channelId, now, now - this.#routerTtlMs, this.#keepMs()]);
  }

  async getChannels(uaid: string): Promise<Set<string>> {
    return new Set(await this.#call(() => this.#redis.smembers(this.#keys(uaid)[1])));
  }

  async hasChannel(uaid: string, channelId: string): Promise<boolean> {
    return (await this.#call(() => this.#redis.sismember(this.#keys(uaid)[1], channelId))) === 1;
  }

  async removeChannel(uaid: string, channelId: string): Promise<boolean> {
    return (await this.#call(() => this.#redis.srem(this.#keys(uaid)[1], channelId))) === 1;
  }

  /**
   * Stores only when the uaid has a live router record; else rejects with `UnknownUserError`
   * and stores nothing. Re-saving a stored message id replaces it.
   */
  async saveMessage(uaid: string, message: Notification): Promise<number> {
    return (await this.#save(uaid, [message]))[0] as number;
  }

  async saveMessages(uaid: string, messages: readonly Notification[]): Promise<void> {
    if (messages.length > 0) await this.#save(uaid, messages);
  }

  fetchTopicMessages(uaid: string, limit: number): Promise<StoredNotification[]> {
    return this.#fetch(uaid, 4, '-inf', limit);
  }

  fetchTimestampMessages(uaid: string, after: number, limit: number): Promise<StoredNotification[]> {
    return this.#fetch(uaid, 3, `(${after}`, limit);
  }

  async incrementStorage(uaid: string, sortKey: number): Promise<void> {
    const now = this.#now();
    await this.#script('heraldIncrementStorage', uaid, [sortKey, now, now - this.#routerTtlMs, this.#keepMs()]);
  }

  async removeMessage(uaid: string, version: string): Promise<boolean> {
    return (await this.#script('heraldRemoveMessage', uaid, [version])) === 1;
  }

  async countMessages(uaid: string): Promise<number> {
    return (await this.#script('heraldCount', uaid, [this.#nowSeconds()])) as number;
  }

  /** SCANs the records in batches (on every master of a cluster); counts records, channels and messages deleted. */
  async purgeExpired(nowMs: number): Promise<number> {
    const pattern = `${globEscape(this.#prefix)}{*}:user`;
    const head = `${this.#prefix}{`;
    let total = 0;
    await this.#call(() =>
      scanKeys(this.#redis, pattern, SCAN_COUNT, async (keys) => {
        const counts = await Promise.all(
          keys.map((key) => this.#script('heraldPurgeUser', key.slice(head.length, -'}:user'.length), [nowMs - this.#routerTtlMs, Math.floor(nowMs / 1000)])),
        );
        for (const n of counts) total += n as number;
      }),
    );
    return total;
  }

  async healthCheck(): Promise<boolean> {
    return !this.#closed && (await redisAnswers(this.#redis));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await closeRedis(this.#redis);
  }

  async #save(uaid: string, messages: readonly Notification[]): Promise<number[]> {
    const now = this.#now();
    const args: (string | number)[] = [now, now - this.#routerTtlMs, this.#graceMs, this.#keepMs(), messages.length];
    for (const m of messages) {
      const body: Notification = { channelID: m.channelID, version: m.version, ttl: m.ttl, topic: m.topic, timestamp: m.timestamp };
      // Absent stays absent: only the optional fields that are set.
      if (m.data !== undefined) body.data = m.data;
      if (m.headers !== undefined) body.headers = m.headers;
      if (m.urgency !== undefined) body.urgency = m.urgency;
      if (m.receipt !== undefined) body.receipt = m.receipt;
      args.push(m.version, JSON.stringify(body), m.timestamp + m.ttl, m.topic === null ? 0 : 1, m.topic === null ? '' : `${m.channelID}:${m.topic}`);
    }
    const keys = await this.#durableScript('heraldSave', uaid, args);
    if (keys === -1) throw new UnknownUserError(uaid);
    return keys as number[];
  }

  async #fetch(uaid: string, index: 3 | 4, min: string, limit: number): Promise<StoredNotification[]> {
    const flat = (await this.#script('heraldFetch', uaid, [index, min, this.#nowSeconds(), limit])) as string[];
    const out: StoredNotification[] = [];
    for (let i = 0; i < flat.length; i += 2) {
      out.push({ ...(JSON.parse(flat[i + 1] as string) as Notification), sortKey: Number(flat[i]) });
    }
    return out;
  }

  /** [user, chans, ts, tp] and the base of the user's message and topic keys. */
  #keys(uaid: string): [string, string, string, string, string] {
    const base = `${this.#prefix}{${uaid}}:`;
    return [`${base}user`, `${base}chans`, `${base}ts`, `${base}tp`, base];
  }

  /** How long past its last update a record's keys live natively. */
  #keepMs(): number {
    return this.#routerTtlMs + this.#graceMs;
  }

  #nowSeconds(): number {
    return Math.floor(this.#now() / 1000);
  }

  #script(name: ScriptName, uaid: string, args: (string | number)[]): Promise<unknown> {
    const run = (this.#redis as unknown as Record<ScriptName, ScriptCall>)[name];
    return this.#call(() => run.call(this.#redis, ...this.#keys(uaid), ...args));
  }

  /**
   * A script whose write a 201 or a subscription rests on: with `waitReplicas`, sent in one
   * pipeline with `WAIT`, which runs on the same master (the pipeline goes to the keys' slot).
   */
  #durableScript(name: ScriptName, uaid: string, args: (string | number)[]): Promise<unknown> {
    if (this.#waitReplicas === 0) return this.#script(name, uaid, args);
    return this.#call(async () => {
      const pipeline = this.#redis.pipeline();
      (pipeline as unknown as Record<ScriptName, (...a: (string | number)[]) => unknown>)[name](...this.#keys(uaid), ...args);
      pipeline.wait(this.#waitReplicas, this.#waitTimeoutMs);
      const replies = await pipeline.exec();
      if (replies === null) throw new StoreBusyError('Redis discarded the pipeline; retry');
      const [[scriptErr, result], [waitErr, acked]] = replies as [[Error | null, unknown], [Error | null, unknown]];
      if (scriptErr) throw scriptErr;
      if (waitErr) throw waitErr;
      if ((acked as number) < this.#waitReplicas) {
        throw new StoreBusyError(
          `Redis: ${String(acked)} of ${this.#waitReplicas} replicas acknowledged the write within ${this.#waitTimeoutMs} ms; retry ` +
            '(a shard without a live replica refuses durable writes: restore its replica, or lower ?wait= in the DSN, docs/deployment.md)',
        );
      }
      return result;
    });
  }

  async #call<T>(work: () => Promise<T>): Promise<T> {
    if (this.#closed) throw new Error('Redis store is closed');
    try {
      return await work();
    } catch (err) {
      throw mapError(err);
    }
  }
}

/** A router record from its hash (see the layout in the module header). */
function toUserRecord(uaid: string, h: Record<string, string>): UserRecord {
  return {
    uaid,
    connectedAt: Number(h.ca),
    routerType: h.rt ?? 'webpush',
    nodeId: h.nid ?? null,
    recordVersion: Number(h.rv),
    currentTimestamp: Number(h.ptr),
    lastUpdate: Number(h.lu),
    routerData: h.rd === undefined ? null : (JSON.parse(h.rd) as RouterData),
  };
}

/** A hash as HGETALL inside a script returns it (field, value, …) as an object. */
function pairs(flat: readonly string[]): Record<string, string> {
  const h: Record<string, string> = {};
  for (let i = 0; i < flat.length; i += 2) h[flat[i]!] = flat[i + 1]!;
  return h;
}

function globEscape(s: string): string {
  return s.replace(/[*?[\]\\]/g, '\\$&');
}


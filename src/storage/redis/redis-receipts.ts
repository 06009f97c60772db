/**
 * Push message receipts (`../receipt-store.ts`) in Redis, under the store's prefix. Every key
 * expires on its own (PEXPIRE to its `expiresAt`), so nothing needs a sweep; reads still compare
 * `expiresAt` with the caller's clock. What one command or script touches shares a hash tag, so
 * it sits in one slot of a Redis Cluster (docs/storage.md):
 * - `{rs:ID}`: the subscription's hash (owner, createdAt, expiresAt), and `{rs:ID}:q`, its queued
 *   receipts (sorted set: member message id, score queuedAt);
 * - `{rso:OWNER}`: the owner's subscriptions (sorted set scored by expiresAt), for the maximum;
 * - `{rp:KEY}`: a pending receipt (JSON).
 */
import { closeRedis, connectRedis, type RedisClient } from './connection.js';
import type { PendingReceipt, QueuedReceipt, ReceiptStore, ReceiptSubscription } from '../receipt-store.js';

export interface RedisReceiptsOptions {
  /** Default `herald:`, as the store's. */
  prefix?: string;
}

export async function openRedisReceipts(dsn: string, opts: RedisReceiptsOptions = {}): Promise<RedisReceipts> {
  return new RedisReceipts(await connectRedis(dsn, {}), opts.prefix ?? 'herald:');
}

/**
 * KEYS: owner set. ARGV: now, max, expiresAt, id. Drops the expired, then adds under the maximum.
 * The set outlives its last member by a minute, so a member that has just expired never takes the
 * others with it.
 */
const ADD_UNDER_MAX = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[4])
local ttl = tonumber(ARGV[3]) - tonumber(ARGV[1]) + 60000
if redis.call('PTTL', KEYS[1]) < ttl then redis.call('PEXPIRE', KEYS[1], ttl) end
return 1`;

/** KEYS: subscription hash, its queue. ARGV: now, max, message id. Queues for a live subscription under the maximum. */
const ENQUEUE = `
local expires = tonumber(redis.call('HGET', KEYS[1], 'expiresAt'))
if expires == nil or expires <= tonumber(ARGV[1]) then return 0 end
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[2], 'NX', ARGV[1], ARGV[3])
redis.call('PEXPIRE', KEYS[2], expires - tonumber(ARGV[1]))
return 1`;

interface Pending {
  s: string;
  m: string;
  e: number;
}

/** At least 1 ms: PEXPIRE with 0 or less deletes the key at once, which is right only when it is already expired. */
const ttlMs = (expiresAt: number, nowMs: number) => Math.max(1, expiresAt - nowMs);

export class RedisReceipts implements ReceiptStore {
  readonly #redis: RedisClient;
  readonly #prefix: string;

  constructor(redis: RedisClient, prefix: string) {
    this.#redis = redis;
    this.#prefix = prefix;
  }

  #sub = (id: string) => `${this.#prefix}{rs:${id}}`;
  #queue = (id: string) => `${this.#prefix}{rs:${id}}:q`;
  #owner = (owner: string) => `${this.#prefix}{rso:${owner}}`;
  #pending = (key: string) => `${this.#prefix}{rp:${key}}`;

  async createSubscription(s: ReceiptSubscription, maxPerOwner: number, nowMs: number): Promise<boolean> {
    const added = await this.#redis.eval(ADD_UNDER_MAX, 1, this.#owner(s.owner), nowMs, maxPerOwner, s.expiresAt, s.id);
    if (added !== 1) return false;
    await this.#redis
      .multi()
      .hset(this.#sub(s.id), { owner: s.owner, createdAt: s.createdAt, expiresAt: s.expiresAt })
      .pexpire(this.#sub(s.id), ttlMs(s.expiresAt, nowMs))
      .exec();
    return true;
  }

  async getSubscription(id: string, nowMs: number): Promise<ReceiptSubscription | null> {
    const h = await this.#redis.hgetall(this.#sub(id));
    if (h.owner === undefined || Number(h.expiresAt) <= nowMs) return null;
    return { id, owner: h.owner, createdAt: Number(h.createdAt), expiresAt: Number(h.expiresAt) };
  }

  async addPending(p: PendingReceipt): Promise<void> {
    const value: Pending = { s: p.subscriptionId, m: p.messageId, e: p.expiresAt };
    // Relative to the wall clock: a pending receipt outlives its message by at most the skew.
    await this.#redis.set(this.#pending(p.key), JSON.stringify(value), 'PX', ttlMs(p.expiresAt, Date.now()));
  }

  async acked(key: string, nowMs: number, maxQueued: number): Promise<string | null> {
    const results = await this.#redis.multi().get(this.#pending(key)).del(this.#pending(key)).exec();
    const raw = results?.[0]?.[1] as string | null | undefined;
    if (!raw) return null;
    const p = JSON.parse(raw) as Pending;
    if (p.e <= nowMs) return null;
    const queued = await this.#redis.eval(ENQUEUE, 2, this.#sub(p.s), this.#queue(p.s), nowMs, maxQueued, p.m);
    return queued === 1 ? p.s : null;
  }

  async queued(subscriptionId: string, nowMs: number, limit: number): Promise<QueuedReceipt[]> {
    const expires = await this.#redis.hget(this.#sub(subscriptionId), 'expiresAt');
    if (expires === null || Number(expires) <= nowMs || limit <= 0) return [];
    const flat = await this.#redis.zrange(this.#queue(subscriptionId), '0', String(limit - 1), 'WITHSCORES');
    const out: QueuedReceipt[] = [];
    for (let i = 0; i < flat.length; i += 2) out.push({ messageId: flat[i]!, queuedAt: Number(flat[i + 1]) });
    return out;
  }

  async removeQueued(subscriptionId: string, messageId: string): Promise<void> {
    await this.#redis.zrem(this.#queue(subscriptionId), messageId);
  }

  /** Every key expires on its own. */
  purgeExpired(): Promise<number> {
    return Promise.resolve(0);
  }

  async close(): Promise<void> {
    await closeRedis(this.#redis);
  }
}

/**
 * The shared blocklist (`../blocklist-store.ts`) in Redis, under the store's prefix: a sorted set
 * `herald:{blocklist}` (member: IP, score: expiresAt ms) for expiry and listing, and a hash
 * `herald:{blocklist}:info` (IP → JSON of reason and createdAt). Both change in one MULTI, so
 * both carry the hash tag `{blocklist}`: one slot on a Redis Cluster (docs/storage.md).
 */
import { closeRedis, connectRedis, type RedisClient } from './connection.js';
import type { BlockEntry, BlocklistStore } from '../blocklist-store.js';

export interface RedisBlocklistOptions {
  /** Default `herald:`, as the store's. */
  prefix?: string;
}

export async function openRedisBlocklist(dsn: string, opts: RedisBlocklistOptions = {}): Promise<RedisBlocklist> {
  return new RedisBlocklist(await connectRedis(dsn, {}), opts.prefix ?? 'herald:');
}

interface Info {
  reason: string;
  createdAt: number;
}

export class RedisBlocklist implements BlocklistStore {
  readonly #redis: RedisClient;
  readonly #set: string;
  readonly #info: string;

  constructor(redis: RedisClient, prefix: string) {
    this.#redis = redis;
    this.#set = `${prefix}{blocklist}`;
    this.#info = `${prefix}{blocklist}:info`;
  }

  async add(e: BlockEntry): Promise<void> {
    await this.#redis
      .multi()
      .zadd(this.#set, e.expiresAt, e.ip)
      .hset(this.#info, e.ip, JSON.stringify({ reason: e.reason, createdAt: e.createdAt } satisfies Info))
      .exec();
  }

  async remove(ip: string, nowMs: number): Promise<boolean> {
    const results = await this.#redis.multi().zscore(this.#set, ip).zrem(this.#set, ip).hdel(this.#info, ip).exec();
    const score = results?.[0]?.[1] as string | null | undefined;
    return score !== null && score !== undefined && Number(score) > nowMs;
  }

  async list(nowMs: number): Promise<BlockEntry[]> {
    const flat = await this.#redis.zrangebyscore(this.#set, `(${nowMs}`, '+inf', 'WITHSCORES');
    const ips: string[] = [];
    const until: number[] = [];
    for (let i = 0; i < flat.length; i += 2) {
      ips.push(flat[i]!);
      until.push(Number(flat[i + 1]));
    }
    if (ips.length === 0) return [];
    const infos = await this.#redis.hmget(this.#info, ...ips);
    const entries = ips.map((ip, i) => {
      const info = infos[i] ? (JSON.parse(infos[i]) as Info) : { reason: 'unknown', createdAt: 0 };
      return { ip, reason: info.reason, createdAt: info.createdAt, expiresAt: until[i]! };
    });
    // Redis orders equal scores by member bytes, as the SQL backends' ORDER BY expires_at, ip.
    return entries;
  }

  async isBlocked(ip: string, nowMs: number): Promise<boolean> {
    const score = await this.#redis.zscore(this.#set, ip);
    return score !== null && Number(score) > nowMs;
  }

  async purgeExpired(nowMs: number): Promise<number> {
    const expired = await this.#redis.zrangebyscore(this.#set, '-inf', nowMs);
    if (expired.length === 0) return 0;
    await this.#redis.multi().zrem(this.#set, ...expired).hdel(this.#info, ...expired).exec();
    return expired.length;
  }

  async close(): Promise<void> {
    await closeRedis(this.#redis);
  }
}

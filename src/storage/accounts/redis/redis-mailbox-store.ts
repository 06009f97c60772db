/**
 * `MailboxStore` on Redis, beside the push store on the same server. Keys, under a prefix
 * (default `herald:`):
 *
 *   herald:mailbox-index                     the one counter every index comes from (INCR), so
 *                                            an index is never handed out twice
 *   herald:mailbox:{uid}:{device}:{box}      sorted set of the box's indexes, scored by index
 *   herald:mailbox:{uid}:{device}:{box}:data hash: index → "expiresAt:data"
 *   herald:mailbox:{uid}:devices             set of the account's devices that hold entries
 *   herald:mailbox-expiry                    sorted set "uid:device:box:index" scored by expiresAt
 *
 * Each operation is one Lua script (scripts.ts). Whether an entry is live is decided at read time
 * against the injected clock; `purgeExpired` removes expired entries in batches from the expiry
 * set.
 */
import type { Redis } from 'ioredis';
import { closeRedis, connectRedis, redisAnswers } from '../../redis/connection.js';
import type { MailboxKey, MailboxPage, MailboxStore, MailboxUsage } from '../mailbox-store.js';
import { mailboxScripts, runScript, type RedisAccountsOptions } from './scripts.js';

/** Entries removed per purge script run. */
const PURGE_BATCH = 500;

export interface RedisMailboxOptions extends RedisAccountsOptions {
  /** Clock in epoch milliseconds; tests inject one. Default `Date.now`. */
  now?: () => number;
}

/** Connect to `dsn` (redis://… or rediss://…); rejects with `StoreBusyError` if it cannot. */
export async function openRedisMailboxStore(dsn: string, opts: RedisMailboxOptions = {}): Promise<RedisMailboxStore> {
  return new RedisMailboxStore(await connectRedis(dsn, opts, mailboxScripts), opts);
}

export class RedisMailboxStore implements MailboxStore {
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #now: () => number;
  #closed = false;

  /** Prefer `openRedisMailboxStore`; this takes ownership of a client with the mailbox scripts defined. */
  constructor(redis: Redis, opts: RedisMailboxOptions = {}) {
    this.#redis = redis;
    this.#prefix = opts.prefix ?? 'herald:';
    this.#now = opts.now ?? Date.now;
  }

  async append(key: MailboxKey, data: string, ttlSeconds: number): Promise<number> {
    const expiresAt = this.#now() + Math.max(0, ttlSeconds) * 1000;
    return Number(await this.#script('heraldMbxAppend', [key.uid, key.deviceId, key.box, expiresAt, data]));
  }

  async read(key: MailboxKey, fromIndex: number, limit: number): Promise<MailboxPage> {
    // One entry more than asked tells whether anything unexpired follows.
    const flat = (await this.#script('heraldMbxRead', [key.uid, key.deviceId, key.box, fromIndex, this.#now(), limit + 1])) as string[];
    const messages = [];
    for (let i = 0; i + 1 < flat.length; i += 2) messages.push({ index: Number(flat[i]), data: flat[i + 1] as string });
    return { messages: messages.slice(0, limit), last: messages.length <= limit };
  }

  async latestIndex(key: MailboxKey): Promise<number> {
    return Number(await this.#script('heraldMbxLatest', [key.uid, key.deviceId, key.box, this.#now()]));
  }

  async usage(uid: string, deviceId: string): Promise<{ device: MailboxUsage; account: MailboxUsage }> {
    // Lua's # is the byte length, so bytes are UTF-8 bytes as stored.
    const [n, b, dn, db] = ((await this.#script('heraldMbxUsage', [uid, deviceId, this.#now()])) as number[]).map(Number) as [number, number, number, number];
    return { device: { messages: dn, bytes: db }, account: { messages: n, bytes: b } };
  }

  async deleteDevice(uid: string, deviceId: string): Promise<number> {
    return Number(await this.#script('heraldMbxDeleteDevice', [uid, deviceId]));
  }

  async deleteAccount(uid: string): Promise<number> {
    return Number(await this.#script('heraldMbxDeleteAccount', [uid]));
  }

  async purgeExpired(nowMs: number): Promise<number> {
    let total = 0;
    for (;;) {
      const [removed, seen] = (await this.#script('heraldMbxPurge', [nowMs, PURGE_BATCH])) as [number, number];
      total += removed;
      if (seen < PURGE_BATCH) return total;
    }
  }

  async healthCheck(): Promise<boolean> {
    return !this.#closed && (await redisAnswers(this.#redis));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await closeRedis(this.#redis);
  }

  #script(name: keyof typeof mailboxScripts, args: (string | number)[]): Promise<unknown> {
    if (this.#closed) return Promise.reject(new Error('Redis mailbox store is closed'));
    return runScript(this.#redis, name, this.#prefix, args);
  }
}

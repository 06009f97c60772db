/**
 * `MailboxStore` on Redis, beside the push store on the same server or cluster. Keys, under a
 * prefix (default `herald:`); `{uid}` in literal braces is a Redis Cluster hash tag, so one
 * account's mailboxes live in one slot:
 *
 *   herald:mailbox-index                     the one counter every index comes from (INCR), so
 *                                            an index is never handed out twice
 *   herald:mailbox:{uid}:DEVICE:BOX          sorted set of the box's indexes, scored by index
 *   herald:mailbox:{uid}:DEVICE:BOX:data     hash: index → "expiresAt:data"
 *   herald:mailbox:{uid}:devices             set of the account's devices that hold entries
 *   herald:mailbox:{uid}:expiry              sorted set "device:box:index" scored by expiresAt
 *
 * Each operation is one Lua script on the account's slot (scripts.ts); an append first takes its
 * index from the counter (its own slot, its own command). As with an auto-increment column, two
 * appends racing for one box may commit in the other order. Whether an entry is live is decided
 * at read time against the injected clock; `purgeExpired` SCANs the accounts' expiry sets (on
 * every master of a cluster) and removes expired entries in batches.
 */
import { closeRedis, connectRedis, mapError, redisAnswers, scanKeys, type RedisClient } from '../../redis/connection.js';
import type { MailboxKey, MailboxPage, MailboxStore, MailboxUsage } from '../mailbox-store.js';
import { mailboxScripts, runScript, type RedisAccountsOptions } from './scripts.js';

/** Entries removed per purge script run. */
const PURGE_BATCH = 500;

export interface RedisMailboxOptions extends RedisAccountsOptions {
  /** Clock in epoch milliseconds; tests inject one. Default `Date.now`. */
  now?: () => number;
}

/** Connect to `dsn` (redis://…, rediss://…, redis+cluster://…); rejects with `StoreBusyError` if it cannot. */
export async function openRedisMailboxStore(dsn: string, opts: RedisMailboxOptions = {}): Promise<RedisMailboxStore> {
  return new RedisMailboxStore(await connectRedis(dsn, opts, mailboxScripts, 1), opts);
}

export class RedisMailboxStore implements MailboxStore {
  readonly #redis: RedisClient;
  readonly #prefix: string;
  readonly #now: () => number;
  #closed = false;

  /** Prefer `openRedisMailboxStore`; this takes ownership of a client with the mailbox scripts defined. */
  constructor(redis: RedisClient, opts: RedisMailboxOptions = {}) {
    this.#redis = redis;
    this.#prefix = opts.prefix ?? 'herald:';
    this.#now = opts.now ?? Date.now;
  }

  async append(key: MailboxKey, data: string, ttlSeconds: number): Promise<number> {
    const expiresAt = this.#now() + Math.max(0, ttlSeconds) * 1000;
    const index = await this.#call(() => this.#redis.incr(`${this.#prefix}mailbox-index`));
    return Number(await this.#script('heraldMbxAppend', key.uid, [key.uid, key.deviceId, key.box, expiresAt, data, index]));
  }

  async read(key: MailboxKey, fromIndex: number, limit: number): Promise<MailboxPage> {
    // One entry more than asked tells whether anything unexpired follows.
    const flat = (await this.#script('heraldMbxRead', key.uid, [key.uid, key.deviceId, key.box, fromIndex, this.#now(), limit + 1])) as string[];
    const messages = [];
    for (let i = 0; i + 1 < flat.length; i += 2) messages.push({ index: Number(flat[i]), data: flat[i + 1] as string });
    return { messages: messages.slice(0, limit), last: messages.length <= limit };
  }

  async latestIndex(key: MailboxKey): Promise<number> {
    return Number(await this.#script('heraldMbxLatest', key.uid, [key.uid, key.deviceId, key.box, this.#now()]));
  }

  async usage(uid: string, deviceId: string): Promise<{ device: MailboxUsage; account: MailboxUsage }> {
    // Lua's # is the byte length, so bytes are UTF-8 bytes as stored.
    const [n, b, dn, db] = ((await this.#script('heraldMbxUsage', uid, [uid, deviceId, this.#now()])) as number[]).map(Number) as [number, number, number, number];
    return { device: { messages: dn, bytes: db }, account: { messages: n, bytes: b } };
  }

  async deleteDevice(uid: string, deviceId: string): Promise<number> {
    return Number(await this.#script('heraldMbxDeleteDevice', uid, [uid, deviceId]));
  }

  async deleteAccount(uid: string): Promise<number> {
    return Number(await this.#script('heraldMbxDeleteAccount', uid, [uid]));
  }

  async purgeExpired(nowMs: number): Promise<number> {
    let total = 0;
    const head = `${this.#prefix}mailbox:{`;
    const pattern = `${head.replace(/[*?[\]\\]/g, '\\$&')}*}:expiry`;
    await this.#call(() =>
      scanKeys(this.#redis, pattern, PURGE_BATCH, async (keys) => {
        for (const key of keys) {
          const uid = key.slice(head.length, -'}:expiry'.length);
          for (;;) {
            const [removed, seen] = (await this.#script('heraldMbxPurge', uid, [uid, nowMs, PURGE_BATCH])) as [number, number];
            total += removed;
            if (seen < PURGE_BATCH) break;
          }
        }
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

  /** Run a script on the slot of account `uid`'s mailboxes. */
  #script(name: keyof typeof mailboxScripts, uid: string, args: (string | number)[]): Promise<unknown> {
    if (this.#closed) return Promise.reject(new Error('Redis mailbox store is closed'));
    return runScript(this.#redis, name, `${this.#prefix}mailbox:{${uid}}:devices`, this.#prefix, args);
  }

  async #call<T>(work: () => Promise<T>): Promise<T> {
    if (this.#closed) throw new Error('Redis mailbox store is closed');
    try {
      return await work();
    } catch (err) {
      throw mapError(err);
    }
  }
}

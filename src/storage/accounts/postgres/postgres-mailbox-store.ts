/**
 * `MailboxStore` on PostgreSQL: one `device_message` table whose identity column is the index, so
 * an index comes from a sequence (no MAX(idx) race; docs/device-messages.md#the-durable-mailbox)
 * and is never reused, whichever
 * node appends. Expiry is an absolute epoch-ms time decided against the injected clock; rows at
 * or past it are hidden from reads and swept by `purgeExpired` in small batches.
 */
import type pg from 'pg';
import type { MailboxKey, MailboxPage, MailboxStore, MailboxUsage } from '../mailbox-store.js';
import { openAccountsPool, poolAnswers, query, type PostgresAccountsOptions } from './migrations.js';

/** Rows deleted per purge statement. */
const PURGE_BATCH = 500;

export interface PostgresMailboxOptions extends PostgresAccountsOptions {
  /** Clock in epoch milliseconds; tests inject one. Default `Date.now`. */
  now?: () => number;
}

/** Open a pool on `dsn` (postgres://…) and migrate the account tables. */
export async function openPostgresMailboxStore(dsn: string, opts: PostgresMailboxOptions = {}): Promise<PostgresMailboxStore> {
  return new PostgresMailboxStore(await openAccountsPool(dsn, opts), opts.now);
}

const BOX = 'uid = $1 AND device_id = $2 AND box = $3';

export class PostgresMailboxStore implements MailboxStore {
  readonly #pool: pg.Pool;
  readonly #now: () => number;
  #closed = false;

  /** Prefer `openPostgresMailboxStore`; this takes ownership of a pool whose tables are migrated. */
  constructor(pool: pg.Pool, now: () => number = Date.now) {
    this.#pool = pool;
    this.#now = now;
  }

  async append(key: MailboxKey, data: string, ttlSeconds: number): Promise<number> {
    const expiresAt = this.#now() + Math.max(0, ttlSeconds) * 1000;
    const { rows } = await this.#query<{ idx: number }>(
      'herald_mbx_append',
      'INSERT INTO device_message (uid, device_id, box, data, expires_at) VALUES ($1, $2, $3, $4, $5) RETURNING idx',
      [key.uid, key.deviceId, key.box, data, expiresAt],
    );
    return (rows[0] as { idx: number }).idx;
  }

  async read(key: MailboxKey, fromIndex: number, limit: number): Promise<MailboxPage> {
    // One row more than asked tells whether anything unexpired follows.
    const { rows } = await this.#query<{ idx: number; data: string }>(
      'herald_mbx_read',
      `SELECT idx, data FROM device_message WHERE ${BOX} AND idx >= $4 AND expires_at > $5 ORDER BY idx LIMIT $6`,
      [key.uid, key.deviceId, key.box, fromIndex, this.#now(), limit + 1],
    );
    return { messages: rows.slice(0, limit).map((r) => ({ index: r.idx, data: r.data })), last: rows.length <= limit };
  }

  async latestIndex(key: MailboxKey): Promise<number> {
    const { rows } = await this.#query<{ idx: number | null }>(
      'herald_mbx_latest',
      `SELECT max(idx) AS idx FROM device_message WHERE ${BOX} AND expires_at > $4`,
      [key.uid, key.deviceId, key.box, this.#now()],
    );
    return rows[0]?.idx ?? 0;
  }

  async usage(uid: string, deviceId: string): Promise<{ device: MailboxUsage; account: MailboxUsage }> {
    const { rows } = await this.#query<{ n: string; b: string; dn: string; db: string }>(
      'herald_mbx_usage',
      `SELECT count(*) AS n, coalesce(sum(octet_length(data)), 0) AS b,
         count(*) FILTER (WHERE device_id = $2) AS dn, coalesce(sum(octet_length(data)) FILTER (WHERE device_id = $2), 0) AS db
       FROM device_message WHERE uid = $1 AND expires_at > $3`,
      [uid, deviceId, this.#now()],
    );
    const r = rows[0] ?? { n: '0', b: '0', dn: '0', db: '0' };
    return { device: { messages: Number(r.dn), bytes: Number(r.db) }, account: { messages: Number(r.n), bytes: Number(r.b) } };
  }

  async deleteDevice(uid: string, deviceId: string): Promise<number> {
    const r = await this.#query('herald_mbx_delete_device', 'DELETE FROM device_message WHERE uid = $1 AND device_id = $2', [uid, deviceId]);
    return r.rowCount ?? 0;
  }

  async deleteAccount(uid: string): Promise<number> {
    const r = await this.#query('herald_mbx_delete_account', 'DELETE FROM device_message WHERE uid = $1', [uid]);
    return r.rowCount ?? 0;
  }

  async purgeExpired(nowMs: number): Promise<number> {
    let total = 0;
    for (;;) {
      const r = await this.#query(
        'herald_mbx_purge',
        'DELETE FROM device_message WHERE idx IN (SELECT idx FROM device_message WHERE expires_at <= $1 LIMIT $2)',
        [nowMs, PURGE_BATCH],
      );
      const n = r.rowCount ?? 0;
      total += n;
      if (n < PURGE_BATCH) return total;
    }
  }

  async healthCheck(): Promise<boolean> {
    return !this.#closed && (await poolAnswers(this.#pool));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pool.end();
  }

  #query<R extends pg.QueryResultRow = pg.QueryResultRow>(name: string, text: string, values: unknown[]): Promise<pg.QueryResult<R>> {
    if (this.#closed) throw new Error('PostgreSQL mailbox store is closed');
    return query<R>(this.#pool, name, text, values);
  }
}

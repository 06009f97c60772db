/**
 * `MailboxStore` on SQLite: one `device_message` table whose AUTOINCREMENT key is the index, so
 * an index is the id of the row just inserted (no MAX(idx) race;
 * docs/device-messages.md#the-durable-mailbox) and is never reused.
 * Expiry is an absolute epoch-ms time; rows at or past it are hidden from reads and swept by
 * `purgeExpired` in small batches, so a big sweep never holds the write lock for long.
 */
import type Database from 'better-sqlite3';
import type { MailboxKey, MailboxPage, MailboxStore, MailboxUsage } from '../mailbox-store.js';
import { openAccountsDatabase, runSync, type SqliteConnectionOptions } from './open-database.js';

/** Rows deleted per purge statement. */
const PURGE_BATCH = 500;

export interface SqliteMailboxOptions extends SqliteConnectionOptions {
  /** Clock in epoch milliseconds; tests inject one. Default `Date.now`. */
  now?: () => number;
}

/** Open (creating and migrating if needed) the mailbox table in the database at `path`. */
export function openSqliteMailboxStore(path: string, opts: SqliteMailboxOptions = {}): Promise<SqliteMailboxStore> {
  try {
    return Promise.resolve(new SqliteMailboxStore(openAccountsDatabase(path, opts), opts.now));
  } catch (err) {
    return Promise.reject(err);
  }
}

export class SqliteMailboxStore implements MailboxStore {
  readonly #db: Database.Database;
  readonly #now: () => number;
  readonly #sql: ReturnType<typeof prepare>;
  #closed = false;

  /** Prefer `openSqliteMailboxStore`; this takes ownership of a migrated connection. */
  constructor(db: Database.Database, now: () => number = Date.now) {
    this.#db = db;
    this.#now = now;
    this.#sql = prepare(db);
  }

  append(key: MailboxKey, data: string, ttlSeconds: number): Promise<number> {
    return this.#run(() => {
      const expiresAt = this.#now() + Math.max(0, ttlSeconds) * 1000;
      return Number(this.#sql.insert.run(key.uid, key.deviceId, key.box, data, expiresAt).lastInsertRowid);
    });
  }

  read(key: MailboxKey, fromIndex: number, limit: number): Promise<MailboxPage> {
    return this.#run(() => {
      // One row more than asked tells whether anything unexpired follows.
      const rows = this.#sql.read.all(key.uid, key.deviceId, key.box, fromIndex, this.#now(), limit + 1) as { idx: number; data: string }[];
      const last = rows.length <= limit;
      return { messages: rows.slice(0, limit).map((r) => ({ index: r.idx, data: r.data })), last };
    });
  }

  latestIndex(key: MailboxKey): Promise<number> {
    return this.#run(() => (this.#sql.latest.get(key.uid, key.deviceId, key.box, this.#now()) as number | null) ?? 0);
  }

  usage(uid: string, deviceId: string): Promise<{ device: MailboxUsage; account: MailboxUsage }> {
    return this.#run(() => {
      const r = this.#sql.usage.get(deviceId, deviceId, uid, this.#now()) as { n: number; b: number; dn: number; db: number };
      return { device: { messages: r.dn, bytes: r.db }, account: { messages: r.n, bytes: r.b } };
    });
  }

  deleteDevice(uid: string, deviceId: string): Promise<number> {
    return this.#run(() => this.#sql.deleteDevice.run(uid, deviceId).changes);
  }

  deleteAccount(uid: string): Promise<number> {
    return this.#run(() => this.#sql.deleteAccount.run(uid).changes);
  }

  purgeExpired(nowMs: number): Promise<number> {
    return this.#run(() => {
      let total = 0;
      for (;;) {
        const n = this.#sql.purge.run(nowMs, PURGE_BATCH).changes;
        total += n;
        if (n < PURGE_BATCH) return total;
      }
    });
  }

  healthCheck(): Promise<boolean> {
    if (this.#closed) return Promise.resolve(false);
    try {
      return Promise.resolve(this.#sql.health.get() === 1);
    } catch {
      return Promise.resolve(false);
    }
  }

  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#db.close();
    }
    return Promise.resolve();
  }

  #run<T>(work: () => T): Promise<T> {
    return runSync(this.#closed, work);
  }
}

function prepare(db: Database.Database) {
  const box = 'uid = ? AND device_id = ? AND box = ?';
  return {
    insert: db.prepare('INSERT INTO device_message (uid, device_id, box, data, expires_at) VALUES (?, ?, ?, ?, ?)'),
    read: db.prepare(`SELECT idx, data FROM device_message WHERE ${box} AND idx >= ? AND expires_at > ? ORDER BY idx LIMIT ?`),
    latest: db.prepare(`SELECT max(idx) FROM device_message WHERE ${box} AND expires_at > ?`).pluck(),
    // CAST AS BLOB: length() of TEXT counts characters; the quotas count UTF-8 bytes.
    usage: db.prepare(
      `SELECT count(*) AS n, coalesce(sum(length(CAST(data AS BLOB))), 0) AS b,
         coalesce(sum(device_id = ?), 0) AS dn, coalesce(sum(CASE WHEN device_id = ? THEN length(CAST(data AS BLOB)) ELSE 0 END), 0) AS db
       FROM device_message WHERE uid = ? AND expires_at > ?`,
    ),
    deleteDevice: db.prepare('DELETE FROM device_message WHERE uid = ? AND device_id = ?'),
    deleteAccount: db.prepare('DELETE FROM device_message WHERE uid = ?'),
    purge: db.prepare('DELETE FROM device_message WHERE idx IN (SELECT idx FROM device_message WHERE expires_at <= ? LIMIT ?)'),
    health: db.prepare('SELECT 1').pluck(),
  };
}

/**
 * Push message receipts (`../receipt-store.ts`) in the SQLite file every process on the host
 * shares: three tables, created if absent (outside the store's migrations, as the blocklist's),
 * on their own connection. Each check-and-write runs in one IMMEDIATE transaction.
 */
import Database from 'better-sqlite3';
import type { PendingReceipt, QueuedReceipt, ReceiptStore, ReceiptSubscription } from '../receipt-store.js';
import { preparePrivateDatabaseFile } from './private-file.js';

export function openSqliteReceipts(path: string): Promise<SqliteReceipts> {
  try {
    preparePrivateDatabaseFile(path);
    return Promise.resolve(new SqliteReceipts(new Database(path)));
  } catch (err) {
    return Promise.reject(err as Error);
  }
}

interface SubscriptionRow {
  id: string;
  owner: string;
  created_at: number;
  expires_at: number;
}

export class SqliteReceipts implements ReceiptStore {
  readonly #db: Database.Database;
  readonly #create: Database.Transaction<(sub: ReceiptSubscription, max: number, now: number) => boolean>;
  readonly #acked: Database.Transaction<(key: string, now: number, maxQueued: number) => string | null>;

  constructor(db: Database.Database) {
    this.#db = db;
    db.pragma('busy_timeout = 5000');
    db.pragma('journal_mode = WAL');
    db.exec(`CREATE TABLE IF NOT EXISTS receipt_subscription (
      id TEXT PRIMARY KEY, owner TEXT NOT NULL, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS receipt_subscription_owner ON receipt_subscription (owner, expires_at);
    CREATE TABLE IF NOT EXISTS receipt_pending (
      key TEXT PRIMARY KEY, subscription_id TEXT NOT NULL, message_id TEXT NOT NULL, expires_at INTEGER NOT NULL) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS receipt_queue (
      subscription_id TEXT NOT NULL, message_id TEXT NOT NULL, queued_at INTEGER NOT NULL,
      PRIMARY KEY (subscription_id, message_id)) WITHOUT ROWID;`);
    const count = db.prepare('SELECT count(*) AS n FROM receipt_subscription WHERE owner = ? AND expires_at > ?');
    const insert = db.prepare('INSERT INTO receipt_subscription (id, owner, created_at, expires_at) VALUES (?, ?, ?, ?)');
    this.#create = db.transaction((s: ReceiptSubscription, max: number, now: number) => {
        if ((count.get(s.owner, now) as { n: number }).n >= max) return false;
        insert.run(s.id, s.owner, s.createdAt, s.expiresAt);
        return true;
      });
    const takePending = db.prepare('DELETE FROM receipt_pending WHERE key = ? RETURNING subscription_id, message_id, expires_at');
    const live = db.prepare('SELECT 1 FROM receipt_subscription WHERE id = ? AND expires_at > ?');
    const queueSize = db.prepare('SELECT count(*) AS n FROM receipt_queue WHERE subscription_id = ?');
    const enqueue = db.prepare('INSERT OR IGNORE INTO receipt_queue (subscription_id, message_id, queued_at) VALUES (?, ?, ?)');
    this.#acked = db.transaction((key: string, now: number, maxQueued: number) => {
        const p = takePending.get(key) as { subscription_id: string; message_id: string; expires_at: number } | undefined;
        if (p === undefined || p.expires_at <= now || live.get(p.subscription_id, now) === undefined) return null;
        if ((queueSize.get(p.subscription_id) as { n: number }).n >= maxQueued) return null;
        enqueue.run(p.subscription_id, p.message_id, now);
        return p.subscription_id;
      });
  }

  createSubscription(sub: ReceiptSubscription, maxPerOwner: number, nowMs: number): Promise<boolean> {
    return Promise.resolve(this.#create.immediate(sub, maxPerOwner, nowMs));
  }

  getSubscription(id: string, nowMs: number): Promise<ReceiptSubscription | null> {
    const r = this.#db.prepare('SELECT id, owner, created_at, expires_at FROM receipt_subscription WHERE id = ? AND expires_at > ?').get(id, nowMs) as
      | SubscriptionRow
      | undefined;
    return Promise.resolve(r ? { id: r.id, owner: r.owner, createdAt: r.created_at, expiresAt: r.expires_at } : null);
  }

  addPending(p: PendingReceipt): Promise<void> {
    this.#db
      .prepare('INSERT OR REPLACE INTO receipt_pending (key, subscription_id, message_id, expires_at) VALUES (?, ?, ?, ?)')
      .run(p.key, p.subscriptionId, p.messageId, p.expiresAt);
    return Promise.resolve();
  }

  acked(key: string, nowMs: number, maxQueued: number): Promise<string | null> {
    return Promise.resolve(this.#acked.immediate(key, nowMs, maxQueued));
  }

  queued(subscriptionId: string, nowMs: number, limit: number): Promise<QueuedReceipt[]> {
    const rows = this.#db
      .prepare(
        `SELECT q.message_id, q.queued_at FROM receipt_queue q JOIN receipt_subscription s ON s.id = q.subscription_id
         WHERE q.subscription_id = ? AND s.expires_at > ? ORDER BY q.queued_at, q.message_id LIMIT ?`,
      )
      .all(subscriptionId, nowMs, limit) as { message_id: string; queued_at: number }[];
    return Promise.resolve(rows.map((r) => ({ messageId: r.message_id, queuedAt: r.queued_at })));
  }

  removeQueued(subscriptionId: string, messageId: string): Promise<void> {
    this.#db.prepare('DELETE FROM receipt_queue WHERE subscription_id = ? AND message_id = ?').run(subscriptionId, messageId);
    return Promise.resolve();
  }

  purgeExpired(nowMs: number): Promise<number> {
    const purge = this.#db.transaction(() => {
      const queue = this.#db
        .prepare('DELETE FROM receipt_queue WHERE subscription_id IN (SELECT id FROM receipt_subscription WHERE expires_at <= ?)')
        .run(nowMs).changes;
      const subs = this.#db.prepare('DELETE FROM receipt_subscription WHERE expires_at <= ?').run(nowMs).changes;
      const pending = this.#db.prepare('DELETE FROM receipt_pending WHERE expires_at <= ?').run(nowMs).changes;
      return queue + subs + pending;
    });
    return Promise.resolve(purge.immediate());
  }

  close(): Promise<void> {
    if (this.#db.open) this.#db.close();
    return Promise.resolve();
  }
}

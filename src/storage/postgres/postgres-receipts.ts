/**
 * Push message receipts (`../receipt-store.ts`) in PostgreSQL: three tables beside the store's,
 * created if absent (outside the store's migrations, as the blocklist's), on a small pool of
 * their own. The per-owner count takes a transaction-scoped advisory lock on the owner, so two
 * nodes creating at once cannot both pass the maximum.
 */
import pg from 'pg';
import type { PendingReceipt, QueuedReceipt, ReceiptStore, ReceiptSubscription } from '../receipt-store.js';
import { mapError } from './errors.js';
import { mappedQuery, openPoolWithTables } from './pool.js';

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS herald_receipt_subscription (
    id TEXT PRIMARY KEY, owner TEXT NOT NULL, created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL)`,
  'CREATE INDEX IF NOT EXISTS herald_receipt_subscription_owner ON herald_receipt_subscription (owner, expires_at)',
  `CREATE TABLE IF NOT EXISTS herald_receipt_pending (
    key TEXT PRIMARY KEY, subscription_id TEXT NOT NULL, message_id TEXT NOT NULL, expires_at BIGINT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS herald_receipt_queue (
    subscription_id TEXT NOT NULL, message_id TEXT NOT NULL, queued_at BIGINT NOT NULL, PRIMARY KEY (subscription_id, message_id))`,
];

export async function openPostgresReceipts(dsn: string): Promise<PostgresReceipts> {
  return new PostgresReceipts(await openPoolWithTables(dsn, { poolSize: 4 }, SCHEMA));
}

export class PostgresReceipts implements ReceiptStore {
  readonly #pool: pg.Pool;
  #closed = false;

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  #query<R extends pg.QueryResultRow>(text: string, values: unknown[]): Promise<pg.QueryResult<R>> {
    return mappedQuery<R>(this.#pool, text, values);
  }

  async #transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient | undefined;
    try {
      client = await this.#pool.connect();
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client?.query('ROLLBACK').catch(() => undefined);
      throw mapError(err);
    } finally {
      client?.release();
    }
  }

  createSubscription(s: ReceiptSubscription, maxPerOwner: number, nowMs: number): Promise<boolean> {
    return this.#transaction(async (c) => {
      await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`herald-receipts:${s.owner}`]);
      const { rows } = await c.query<{ n: string }>('SELECT count(*) AS n FROM herald_receipt_subscription WHERE owner = $1 AND expires_at > $2', [s.owner, nowMs]);
      if (Number(rows[0]!.n) >= maxPerOwner) return false;
      await c.query('INSERT INTO herald_receipt_subscription (id, owner, created_at, expires_at) VALUES ($1, $2, $3, $4)', [s.id, s.owner, s.createdAt, s.expiresAt]);
      return true;
    });
  }

  async getSubscription(id: string, nowMs: number): Promise<ReceiptSubscription | null> {
    const r = await this.#query<{ id: string; owner: string; created_at: string; expires_at: string }>(
      'SELECT id, owner, created_at, expires_at FROM herald_receipt_subscription WHERE id = $1 AND expires_at > $2',
      [id, nowMs],
    );
    const row = r.rows[0];
    return row ? { id: row.id, owner: row.owner, createdAt: Number(row.created_at), expiresAt: Number(row.expires_at) } : null;
  }

  async addPending(p: PendingReceipt): Promise<void> {
    await this.#query(
      `INSERT INTO herald_receipt_pending (key, subscription_id, message_id, expires_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (key) DO UPDATE SET subscription_id = EXCLUDED.subscription_id, message_id = EXCLUDED.message_id, expires_at = EXCLUDED.expires_at`,
      [p.key, p.subscriptionId, p.messageId, p.expiresAt],
    );
  }

  acked(key: string, nowMs: number, maxQueued: number): Promise<string | null> {
    return this.#transaction(async (c) => {
      const taken = await c.query<{ subscription_id: string; message_id: string; expires_at: string }>(
        'DELETE FROM herald_receipt_pending WHERE key = $1 RETURNING subscription_id, message_id, expires_at',
        [key],
      );
      const p = taken.rows[0];
      if (p === undefined || Number(p.expires_at) <= nowMs) return null;
      // The subscription's row lock serialises acks into one queue, so the maximum holds.
      const live = await c.query('SELECT 1 FROM herald_receipt_subscription WHERE id = $1 AND expires_at > $2 FOR UPDATE', [p.subscription_id, nowMs]);
      if (live.rowCount === 0) return null;
      const inserted = await c.query(
        `INSERT INTO herald_receipt_queue (subscription_id, message_id, queued_at)
         SELECT $1, $2, $3 WHERE (SELECT count(*) FROM herald_receipt_queue WHERE subscription_id = $1) < $4
         ON CONFLICT DO NOTHING`,
        [p.subscription_id, p.message_id, nowMs, maxQueued],
      );
      return inserted.rowCount === 0 ? null : p.subscription_id;
    });
  }

  async queued(subscriptionId: string, nowMs: number, limit: number): Promise<QueuedReceipt[]> {
    const r = await this.#query<{ message_id: string; queued_at: string }>(
      `SELECT q.message_id, q.queued_at FROM herald_receipt_queue q JOIN herald_receipt_subscription s ON s.id = q.subscription_id
       WHERE q.subscription_id = $1 AND s.expires_at > $2 ORDER BY q.queued_at, q.message_id LIMIT $3`,
      [subscriptionId, nowMs, limit],
    );
    return r.rows.map((row) => ({ messageId: row.message_id, queuedAt: Number(row.queued_at) }));
  }

  async removeQueued(subscriptionId: string, messageId: string): Promise<void> {
    await this.#query('DELETE FROM herald_receipt_queue WHERE subscription_id = $1 AND message_id = $2', [subscriptionId, messageId]);
  }

  purgeExpired(nowMs: number): Promise<number> {
    return this.#transaction(async (c) => {
      const queue = await c.query('DELETE FROM herald_receipt_queue WHERE subscription_id IN (SELECT id FROM herald_receipt_subscription WHERE expires_at <= $1)', [nowMs]);
      const subs = await c.query('DELETE FROM herald_receipt_subscription WHERE expires_at <= $1', [nowMs]);
      const pending = await c.query('DELETE FROM herald_receipt_pending WHERE expires_at <= $1', [nowMs]);
      return (queue.rowCount ?? 0) + (subs.rowCount ?? 0) + (pending.rowCount ?? 0);
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pool.end();
  }
}

/**
 * The PostgreSQL backend (docs/storage.md#postgresql, docs/protocol.md#storage-semantics) on a `pg`
 * pool, for clusters: every node
 * opens the same database; the schema migrates itself under an advisory lock (migrations.ts).
 *
 * Sort keys: `max(now in ms, router.next_sort_key, read pointer + 1)`, taken by an
 * `UPDATE router … RETURNING` in the transaction that inserts the messages. The UPDATE's row lock
 * makes concurrent saves of one uaid (from any node) wait for each other, so keys strictly
 * increase per uaid in commit order, as in the SQLite backend.
 *
 * Conditional writes are single statements: `connectUser` (a hello, `connected_at < $new`),
 * `removeNodeId` (`WHERE node_id = $n AND connected_at = $c`). A topic message is an upsert on
 * the partial unique index (uaid, channel_id, topic). Expiry is decided at read time from the
 * injected clock; `purgeExpired` deletes in batches. Connection, pool and retryable server
 * failures become `StoreBusyError`.
 */
import type pg from 'pg';
import type { Notification, StoredNotification } from '../../protocol/notification.js';
import { receiptColumn, toNotification, toUserRecord, type MessageRow, type RouterRow } from '../sql-rows.js';
import { UnknownUserError, USER_RECORD_VERSION, type ChannelLookup, type HelloOutcome, type NewUser, type RouterData, type Store, type UserRecord } from '../store.js';
import { mapError } from './errors.js';
import { migrate } from './migrations.js';
import { openMigratedPool, type PoolOptions } from './pool.js';

export interface PostgresStoreOptions extends PoolOptions {
  /** Router records unseen for longer than this count as absent (autopush: 60 days). */
  routerTtlDays?: number;
  /** Clock in epoch milliseconds; tests inject one. Default `Date.now`. */
  now?: () => number;
}

const DAY_MS = 86_400_000;
/** Rows per purge statement, so a large purge never holds many row locks for long. */
const PURGE_BATCH = 500;

/** Open a pool on `dsn` (postgres://…) and migrate the schema; rejects if the server is unreachable. */
export async function openPostgresStore(dsn: string, opts: PostgresStoreOptions = {}): Promise<PostgresStore> {
  return new PostgresStore(await openMigratedPool(dsn, opts, migrate), opts);
}

export class PostgresStore implements Store {
  readonly #pool: pg.Pool;
  readonly #now: () => number;
  readonly #routerTtlMs: number;
  #closed = false;

  /** Prefer `openPostgresStore`; this takes ownership of a pool whose schema is migrated. */
  constructor(pool: pg.Pool, opts: PostgresStoreOptions = {}) {
    this.#pool = pool;
    this.#now = opts.now ?? Date.now;
    this.#routerTtlMs = (opts.routerTtlDays ?? 60) * DAY_MS;
  }

  /**
   * Inserts the record; an expired one in its place is deleted first (with its messages, by
   * cascade) and a new record starts without channels. A live record wins: false.
   */
  addUser(user: NewUser): Promise<boolean> {
    return this.#tx(async (c) => {
      const now = this.#now();
      await c.query({ name: 'herald_drop_expired_user', text: 'DELETE FROM router WHERE uaid = $1 AND last_update < $2', values: [user.uaid, now - this.#routerTtlMs] });
      const inserted = await c.query({
        name: 'herald_add_user',
        text: `INSERT INTO router (uaid, connected_at, router_type, node_id, record_version, read_pointer, last_update, router_data)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (uaid) DO NOTHING`,
        values: [
          user.uaid,
          user.connectedAt,
          user.routerType ?? 'webpush',
          user.nodeId,
          user.recordVersion ?? USER_RECORD_VERSION,
          user.currentTimestamp ?? 0,
          now,
          user.routerData === undefined || user.routerData === null ? null : JSON.stringify(user.routerData),
        ],
      });
      if (inserted.rowCount === 0) return false;
      // Only the transaction that created the record clears channels, so a concurrent addUser
      // that lost the race never wipes a channel registered meanwhile.
      await c.query({ name: 'herald_delete_channels', text: 'DELETE FROM channel WHERE uaid = $1', values: [user.uaid] });
      return true;
    });
  }

  /**
   * One statement. `old` locks the record (FOR UPDATE) and, in READ COMMITTED, returns its newest
   * version, also when a concurrent save or hello committed after the statement's snapshot; the
   * update's condition is taken on that version. The message probe, though, reads the snapshot:
   * a save that committed after it is invisible there, and its saver may re-read the record
   * before this statement commits, miss this hello's node id and not nudge it. Every save moves
   * `next_sort_key` under the same row lock, so a locked version whose key differs from the
   * snapshot's means such a save: then `may_have_messages` is true. A save that locks after this
   * statement waits for its commit, so its re-read names this node.
   */
  async connectUser(uaid: string, connectedAt: number, nodeId: string): Promise<HelloOutcome> {
    const now = this.#now();
    const { rows } = await this.#query<RouterRow & { connected: boolean; may_have_messages: boolean }>(
      'herald_connect_user',
      `WITH old AS (
         SELECT uaid, connected_at, router_type, node_id, record_version, read_pointer, last_update, router_data, next_sort_key
         FROM router WHERE uaid = $1 AND last_update >= $5 FOR UPDATE),
       upd AS (
         UPDATE router SET node_id = $2, connected_at = $3, last_update = $4
         FROM old WHERE router.uaid = $1 AND old.router_type = 'webpush' AND old.connected_at < $3
         RETURNING 1)
       SELECT old.uaid, old.connected_at, old.router_type, old.node_id, old.record_version, old.read_pointer, old.last_update, old.router_data,
         EXISTS (SELECT 1 FROM upd) AS connected,
         EXISTS (SELECT 1 FROM message WHERE message.uaid = $1)
           OR old.next_sort_key IS DISTINCT FROM (SELECT next_sort_key FROM router WHERE uaid = $1) AS may_have_messages
       FROM old`,
      [uaid, nodeId, connectedAt, now, now - this.#routerTtlMs],
    );
    const row = rows[0];
    if (!row) return { outcome: 'absent' };
    const user = toUserRecord(row);
    if (row.connected) return { outcome: 'connected', user, mayHaveMessages: row.may_have_messages };
    return { outcome: user.routerType === 'webpush' ? 'newer-connection' : 'bridged', user };
  }

  async getUser(uaid: string): Promise<UserRecord | null> {
    const { rows } = await this.#query<RouterRow>(
      'herald_get_user',
      `SELECT uaid, connected_at, router_type, node_id, record_version, read_pointer, last_update, router_data
       FROM router WHERE uaid = $1 AND last_update >= $2`,
      [uaid, this.#now() - this.#routerTtlMs],
    );
    const row = rows[0];
    if (!row) return null;
    return toUserRecord(row);
  }

  async updateRouter(uaid: string, routerType: string, routerData: RouterData | null): Promise<boolean> {
    const now = this.#now();
    const r = await this.#query(
      'herald_update_router',
      `UPDATE router SET router_type = $2, router_data = $3, last_update = GREATEST(last_update, $4)
       WHERE uaid = $1 AND last_update >= $5`,
      [uaid, routerType, routerData === null ? null : JSON.stringify(routerData), now, now - this.#routerTtlMs],
    );
    return r.rowCount !== null && r.rowCount > 0;
  }

  async removeUser(uaid: string): Promise<void> {
    // One statement, so one transaction; the router delete cascades to the messages.
    await this.#query('herald_remove_user', 'WITH c AS (DELETE FROM channel WHERE uaid = $1) DELETE FROM router WHERE uaid = $1', [uaid]);
  }

  async removeNodeId(uaid: string, nodeId: string, connectedAt: number): Promise<boolean> {
    const r = await this.#query(
      'herald_remove_node_id',
      'UPDATE router SET node_id = NULL WHERE uaid = $1 AND node_id = $2 AND connected_at = $3',
      [uaid, nodeId, connectedAt],
    );
    return r.rowCount !== null && r.rowCount > 0;
  }

  async addChannel(uaid: string, channelId: string): Promise<void> {
    // A register is a sign of life (docs/protocol.md#router-record); an expired record stays expired (no resurrection).
    const now = this.#now();
    await this.#query(
      'herald_add_channel',
      `WITH c AS (INSERT INTO channel (uaid, channel_id) VALUES ($1, $2) ON CONFLICT DO NOTHING)
       UPDATE router SET last_update = GREATEST(last_update, $3) WHERE uaid = $1 AND last_update >= $4`,
      [uaid, channelId, now, now - this.#routerTtlMs],
    );
  }

  async getChannels(uaid: string): Promise<Set<string>> {
    const { rows } = await this.#query<{ channel_id: string }>('herald_get_channels', 'SELECT channel_id FROM channel WHERE uaid = $1', [uaid]);
    return new Set(rows.map((r) => r.channel_id));
  }

  async hasChannel(uaid: string, channelId: string): Promise<boolean> {
    const { rows } = await this.#query('herald_has_channel', 'SELECT 1 FROM channel WHERE uaid = $1 AND channel_id = $2', [uaid, channelId]);
    return rows.length > 0;
  }

  async lookupChannel(uaid: string, channelId: string): Promise<ChannelLookup | null> {
    const { rows } = await this.#query<RouterRow & { channel_exists: boolean }>(
      'herald_lookup_channel',
      `SELECT uaid, connected_at, router_type, node_id, record_version, read_pointer, last_update, router_data,
         EXISTS (SELECT 1 FROM channel WHERE channel.uaid = router.uaid AND channel_id = $3) AS channel_exists
       FROM router WHERE uaid = $1 AND last_update >= $2`,
      [uaid, this.#now() - this.#routerTtlMs, channelId],
    );
    const row = rows[0];
    if (!row) return null;
    return { user: toUserRecord(row), channelExists: row.channel_exists };
  }

  async removeChannel(uaid: string, channelId: string): Promise<boolean> {
    const r = await this.#query('herald_remove_channel', 'DELETE FROM channel WHERE uaid = $1 AND channel_id = $2', [uaid, channelId]);
    return r.rowCount !== null && r.rowCount > 0;
  }

  /**
   * Inserts only when the uaid has a live router record; else rejects with `UnknownUserError`
   * and stores nothing. Re-saving a stored message id replaces it.
   */
  async saveMessage(uaid: string, message: Notification): Promise<number> {
    return (await this.#save(uaid, [message]))[0] as number;
  }

  async saveMessages(uaid: string, messages: readonly Notification[]): Promise<void> {
    if (messages.length > 0) await this.#save(uaid, messages);
  }

  async fetchTopicMessages(uaid: string, limit: number): Promise<StoredNotification[]> {
    const { rows } = await this.#query<MessageRow>(
      'herald_fetch_topic',
      `SELECT sort_key, channel_id, version, ttl, timestamp, topic, data, headers, urgency, receipt FROM message
       WHERE uaid = $1 AND topic IS NOT NULL AND expiry > $2 ORDER BY sort_key LIMIT $3`,
      [uaid, this.#nowSeconds(), limit],
    );
    return rows.map(toNotification);
  }

  async fetchTimestampMessages(uaid: string, after: number, limit: number): Promise<StoredNotification[]> {
    const { rows } = await this.#query<MessageRow>(
      'herald_fetch_timestamp',
      `SELECT sort_key, channel_id, version, ttl, timestamp, topic, data, headers, urgency, receipt FROM message
       WHERE uaid = $1 AND sort_key > $2 AND topic IS NULL AND expiry > $3 ORDER BY sort_key LIMIT $4`,
      [uaid, after, this.#nowSeconds(), limit],
    );
    return rows.map(toNotification);
  }

  async incrementStorage(uaid: string, sortKey: number): Promise<void> {
    const now = this.#now();
    // Everything at or below the pointer was acked; topic messages are deleted on their own ack.
    await this.#query(
      'herald_increment_storage',
      `WITH r AS (
         UPDATE router SET read_pointer = GREATEST(read_pointer, $2), last_update = GREATEST(last_update, $3)
         WHERE uaid = $1 AND last_update >= $4 RETURNING read_pointer)
       DELETE FROM message WHERE uaid = $1 AND topic IS NULL AND sort_key <= (SELECT read_pointer FROM r)`,
      [uaid, sortKey, now, now - this.#routerTtlMs],
    );
  }

  async removeMessage(uaid: string, version: string): Promise<boolean> {
    const r = await this.#query('herald_remove_message', 'DELETE FROM message WHERE uaid = $1 AND version = $2', [uaid, version]);
    return r.rowCount !== null && r.rowCount > 0;
  }

  async countMessages(uaid: string): Promise<number> {
    const { rows } = await this.#query<{ n: number }>('herald_count_messages', 'SELECT count(*) AS n FROM message WHERE uaid = $1 AND expiry > $2', [
      uaid,
      this.#nowSeconds(),
    ]);
    return rows[0]?.n ?? 0;
  }

  /** Counts every row deleted: stale router records with their channels and messages, then expired messages. */
  async purgeExpired(nowMs: number): Promise<number> {
    let total = 0;
    for (;;) {
      // SKIP LOCKED: a record a node is writing right now is live, and two purging nodes split the work.
      const { rows } = await this.#query<{ users: number; deleted: number }>(
        'herald_purge_routers',
        `WITH u AS (SELECT uaid FROM router WHERE last_update < $1 LIMIT $2 FOR UPDATE SKIP LOCKED),
              c AS (DELETE FROM channel WHERE uaid IN (SELECT uaid FROM u) RETURNING 1),
              m AS (DELETE FROM message WHERE uaid IN (SELECT uaid FROM u) RETURNING 1),
              r AS (DELETE FROM router WHERE uaid IN (SELECT uaid FROM u) RETURNING 1)
         SELECT (SELECT count(*) FROM u) AS users,
                (SELECT count(*) FROM c) + (SELECT count(*) FROM m) + (SELECT count(*) FROM r) AS deleted`,
        [nowMs - this.#routerTtlMs, PURGE_BATCH],
      );
      total += rows[0]?.deleted ?? 0;
      if ((rows[0]?.users ?? 0) < PURGE_BATCH) break;
    }
    for (;;) {
      const r = await this.#query(
        'herald_purge_messages',
        `DELETE FROM message WHERE (uaid, sort_key) IN
           (SELECT uaid, sort_key FROM message WHERE expiry <= $1 LIMIT $2 FOR UPDATE SKIP LOCKED)`,
        [Math.floor(nowMs / 1000), PURGE_BATCH],
      );
      total += r.rowCount ?? 0;
      if ((r.rowCount ?? 0) < PURGE_BATCH) break;
    }
    return total;
  }

  async healthCheck(): Promise<boolean> {
    if (this.#closed) return false;
    try {
      const { rows } = await this.#pool.query<{ ok: number }>('SELECT 1 AS ok');
      return rows[0]?.ok === 1;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pool.end();
  }

  /** The sort-key transaction described in the module header. */
  #save(uaid: string, messages: readonly Notification[]): Promise<number[]> {
    return this.#tx(async (c) => {
      const now = this.#now();
      const { rows } = await c.query<{ first: number }>({
        name: 'herald_take_sort_keys',
        text: `UPDATE router SET next_sort_key = GREATEST(next_sort_key, $2, read_pointer + 1) + $3
               WHERE uaid = $1 AND last_update >= $4 RETURNING next_sort_key - $3 AS first`,
        values: [uaid, now, messages.length, now - this.#routerTtlMs],
      });
      const first = rows[0]?.first;
      if (first === undefined) throw new UnknownUserError(uaid);
      // Latest save wins: a re-save of a stored message id replaces it.
      await c.query({ name: 'herald_delete_versions', text: 'DELETE FROM message WHERE uaid = $1 AND version = ANY($2)', values: [uaid, messages.map((m) => m.version)] });
      const keys = messages.map((_, i) => first + i);
      for (const [i, m] of messages.entries()) {
        await c.query({
          name: 'herald_insert_message',
          text: `INSERT INTO message (uaid, sort_key, channel_id, version, ttl, timestamp, expiry, topic, data, headers, urgency, receipt)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
                 ON CONFLICT (uaid, channel_id, topic) WHERE topic IS NOT NULL DO UPDATE SET
                   sort_key = EXCLUDED.sort_key, version = EXCLUDED.version, ttl = EXCLUDED.ttl,
                   timestamp = EXCLUDED.timestamp, expiry = EXCLUDED.expiry, data = EXCLUDED.data,
                   headers = EXCLUDED.headers, urgency = EXCLUDED.urgency, receipt = EXCLUDED.receipt`,
          values: [
            uaid,
            keys[i],
            m.channelID,
            m.version,
            m.ttl,
            m.timestamp,
            m.timestamp + m.ttl,
            m.topic,
            m.data ?? null,
            m.headers === undefined ? null : JSON.stringify(m.headers),
            m.urgency ?? null,
            receiptColumn(m),
          ],
        });
      }
      return keys;
    });
  }

  #nowSeconds(): number {
    return Math.floor(this.#now() / 1000);
  }

  /** One statement (its own transaction), prepared once per connection under `name`. */
  async #query<R extends pg.QueryResultRow = pg.QueryResultRow>(name: string, text: string, values: unknown[]): Promise<pg.QueryResult<R>> {
    if (this.#closed) throw new Error('PostgreSQL store is closed');
    try {
      return await this.#pool.query<R>({ name, text, values });
    } catch (err) {
      throw mapError(err);
    }
  }

  /** Several statements in one transaction on one pooled connection. */
  async #tx<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    if (this.#closed) throw new Error('PostgreSQL store is closed');
    let client: pg.PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (err) {
      throw mapError(err);
    }
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      client.release();
      return result;
    } catch (err) {
      // A connection that cannot even roll back is broken: destroy it rather than pool it.
      const rolledBack = await client.query('ROLLBACK').then(
        () => true,
        () => false,
      );
      client.release(!rolledBack);
      throw mapError(err);
    }
  }
}


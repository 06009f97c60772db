/**
 * The embedded SQLite backend (docs/protocol.md#storage-semantics) on better-sqlite3. Several processes
 * on one host may share the file: WAL lets readers run beside the one writer, `busy_timeout` makes
 * writers wait for each other, and every write runs under BEGIN IMMEDIATE so a read-then-write
 * transaction never has to upgrade its lock (the upgrade cannot wait and would fail at once).
 *
 * Sort keys: `max(now in ms, router.next_sort_key, read pointer + 1)`, then `next_sort_key` moves
 * past it in the same transaction. They read like autopush's millisecond sort keys, yet strictly
 * increase per uaid in commit order, across processes and within one millisecond.
 *
 * The methods are async per the contract. Reads and rare writes run synchronously (better-sqlite3
 * is synchronous, and each statement takes microseconds); the writes of every push and ack
 * (save, delete, read pointer, hello, register) are group-committed: those of one event-loop turn share one
 * transaction (group-commit.ts). WAL checkpoints run on a worker thread (wal-checkpointer.ts).
 */
import Database from 'better-sqlite3';
import type { Notification, StoredNotification } from '../../protocol/notification.js';
import { receiptColumn, toNotification, toUserRecord, type MessageRow, type RouterRow } from '../sql-rows.js';
import { StoreBusyError, UnknownUserError, USER_RECORD_VERSION, type ChannelLookup, type HelloOutcome, type NewUser, type RouterData, type Store, type UserRecord } from '../store.js';
import { GroupCommit } from './group-commit.js';
import { migrate } from './migrations.js';
import { preparePrivateDatabaseFile } from './private-file.js';
import { WalCheckpointer } from './wal-checkpointer.js';

export interface SqliteStoreOptions {
  /** Router records unseen for longer than this count as absent (autopush: 60 days). */
  routerTtlDays?: number;
  /** Clock in epoch milliseconds; tests inject one. Default `Date.now`. */
  now?: () => number;
  /** How long a write waits for another connection's lock before `StoreBusyError`. Default 5000. */
  busyTimeoutMs?: number;
}

const DAY_MS = 86_400_000;
/** Rows deleted per purge transaction, so a large purge never holds the write lock for long. */
const PURGE_BATCH = 500;

/**
 * Open (creating if needed) the database at `path`, or `:memory:`. Creates the parent directory
 * and applies pending migrations.
 */
export function openSqliteStore(path: string, opts: SqliteStoreOptions = {}): Promise<SqliteStore> {
  try {
    preparePrivateDatabaseFile(path);
    return Promise.resolve(new SqliteStore(new Database(path), opts));
  } catch (err) {
    return Promise.reject(mapError(err));
  }
}

export class SqliteStore implements Store {
  readonly #db: Database.Database;
  readonly #now: () => number;
  readonly #routerTtlMs: number;
  #closed = false;
  readonly #sql: Statements;
  readonly #tx: Transactions;
  readonly #group: GroupCommit;
  /** Runs the WAL checkpoints on a worker thread (null in memory). */
  readonly #checkpointer: WalCheckpointer | null;
  #closing: Promise<void> | undefined;

  /** Prefer `openSqliteStore`; this takes ownership of `db` and migrates it. */
  constructor(db: Database.Database, opts: SqliteStoreOptions = {}) {
    this.#db = db;
    this.#now = opts.now ?? Date.now;
    this.#routerTtlMs = (opts.routerTtlDays ?? 60) * DAY_MS;
    try {
      // busy_timeout first: the pragmas below and the migration may meet another process's lock.
      db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(opts.busyTimeoutMs ?? 5000))}`);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      // Every group-committed write runs in its own savepoint, whose journal of the pages it
      // changes spills to a temporary file past 64 KiB: a 4 KB message spans two pages, so a drain's
      // deletes wrote each of them to disk once more. In memory it is a copy; the journal is
      // bounded by one transaction's pages.
      db.pragma('temp_store = MEMORY');
      migrate(db);
    } catch (err) {
      db.close();
      throw err;
    }
    this.#sql = prepare(db);
    this.#tx = transactions(db, this.#sql, { now: this.#now, routerTtlMs: this.#routerTtlMs });
    this.#group = new GroupCommit(db, mapError);
    this.#checkpointer = WalCheckpointer.start(db);
  }

  addUser(user: NewUser): Promise<boolean> {
    return this.#write(() => this.#tx.addUser.immediate(user));
  }

  /** In one savepoint of the group-committed transaction: the read, the write and the message probe see one state. */
  connectUser(uaid: string, connectedAt: number, nodeId: string): Promise<HelloOutcome> {
    return this.#write((): HelloOutcome => {
      const now = this.#now();
      const row = this.#sql.getUser.get(uaid, now - this.#routerTtlMs) as RouterRow | undefined;
      if (!row) return { outcome: 'absent' };
      const user = toUserRecord(row);
      if (user.routerType !== 'webpush') return { outcome: 'bridged', user };
      if (user.connectedAt >= connectedAt) return { outcome: 'newer-connection', user };
      this.#sql.connectUser.run(nodeId, connectedAt, now, uaid);
      return { outcome: 'connected', user, mayHaveMessages: this.#sql.anyMessage.get(uaid) !== undefined };
    });
  }

  getUser(uaid: string): Promise<UserRecord | null> {
    return this.#run(() => {
      const row = this.#sql.getUser.get(uaid, this.#now() - this.#routerTtlMs) as RouterRow | undefined;
      if (!row) return null;
      return toUserRecord(row);
    });
  }

  updateRouter(uaid: string, routerType: string, routerData: RouterData | null): Promise<boolean> {
    return this.#write(() => {
      const now = this.#now();
      const data = routerData === null ? null : JSON.stringify(routerData);
      return this.#sql.updateRouter.run(routerType, data, now, uaid, now - this.#routerTtlMs).changes > 0;
    });
  }

  removeUser(uaid: string): Promise<void> {
    return this.#run(() => void this.#tx.removeUser.immediate(uaid));
  }

  removeNodeId(uaid: string, nodeId: string, connectedAt: number): Promise<boolean> {
    return this.#write(() => this.#sql.removeNodeId.run(uaid, nodeId, connectedAt).changes > 0);
  }

  addChannel(uaid: string, channelId: string): Promise<void> {
    return this.#write(() => void this.#tx.addChannel.immediate(uaid, channelId));
  }

  getChannels(uaid: string): Promise<Set<string>> {
    return this.#run(() => new Set(this.#sql.getChannels.all(uaid) as string[]));
  }

  hasChannel(uaid: string, channelId: string): Promise<boolean> {
    return this.#run(() => this.#sql.hasChannel.get(uaid, channelId) !== undefined);
  }

  lookupChannel(uaid: string, channelId: string): Promise<ChannelLookup | null> {
    return this.#run(() => {
      const row = this.#sql.lookupChannel.get(channelId, uaid, this.#now() - this.#routerTtlMs) as (RouterRow & { channel_exists: number }) | undefined;
      if (!row) return null;
      return { user: toUserRecord(row), channelExists: row.channel_exists === 1 };
    });
  }

  removeChannel(uaid: string, channelId: string): Promise<boolean> {
    return this.#run(() => this.#sql.removeChannel.run(uaid, channelId).changes > 0);
  }

  /**
   * Inserts only when the uaid has a live router record (the message row references it); else
   * rejects with `UnknownUserError` and stores nothing. Re-saving a stored message id replaces it.
   */
  saveMessage(uaid: string, message: Notification): Promise<number> {
    return this.#write(() => this.#tx.saveMessages.immediate(uaid, [message])[0] as number);
  }

  saveMessages(uaid: string, messages: readonly Notification[]): Promise<void> {
    return this.#write(() => {
      if (messages.length > 0) this.#tx.saveMessages.immediate(uaid, messages);
    });
  }

  fetchTopicMessages(uaid: string, limit: number): Promise<StoredNotification[]> {
    return this.#run(() => (this.#sql.fetchTopic.all(uaid, this.#nowSeconds(), limit) as MessageRow[]).map(toNotification));
  }

  fetchTimestampMessages(uaid: string, after: number, limit: number): Promise<StoredNotification[]> {
    return this.#run(() =>
      (this.#sql.fetchTimestamp.all(uaid, after, this.#nowSeconds(), limit) as MessageRow[]).map(toNotification),
    );
  }

  incrementStorage(uaid: string, sortKey: number): Promise<void> {
    return this.#write(() => void this.#tx.incrementStorage.immediate(uaid, sortKey));
  }

  removeMessage(uaid: string, version: string): Promise<boolean> {
    return this.#write(() => this.#sql.removeMessage.run(uaid, version).changes > 0);
  }

  countMessages(uaid: string): Promise<number> {
    return this.#run(() => this.#sql.countMessages.get(uaid, this.#nowSeconds()) as number);
  }

  /** Counts every row deleted: expired messages, stale router records, and their channels and messages. */
  purgeExpired(nowMs: number): Promise<number> {
    return this.#run(() => {
      let total = 0;
      // Stale router records first (with their channels and messages), then expired messages.
      for (;;) {
        const n = this.#tx.purgeRouters.immediate(nowMs - this.#routerTtlMs);
        total += n.rows;
        if (n.users < PURGE_BATCH) break;
      }
      for (;;) {
        const n = this.#sql.purgeMessages.run(Math.floor(nowMs / 1000), PURGE_BATCH).changes;
        total += n;
        if (n < PURGE_BATCH) break;
      }
      return total;
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
    return (this.#closing ??= (async () => {
      this.#group.flush(true);
      this.#closed = true;
      // The writer closes last, so its close checkpoints what is left and removes the WAL.
      await this.#checkpointer?.close();
      this.#db.close();
    })());
  }

  #nowSeconds(): number {
    return Math.floor(this.#now() / 1000);
  }

  /** Queue a write for this event-loop turn's shared transaction (group-commit.ts). */
  #write<T>(work: () => T): Promise<T> {
    if (this.#closed) return Promise.reject(new Error('SQLite store is closed'));
    return this.#group.run(work);
  }

  /** Run synchronous work as the async contract wants, with SQLite's lock errors mapped. */
  #run<T>(work: () => T): Promise<T> {
    if (this.#closed) return Promise.reject(new Error('SQLite store is closed'));
    try {
      return Promise.resolve(work());
    } catch (err) {
      return Promise.reject(mapError(err));
    }
  }
}

type Statements = ReturnType<typeof prepare>;
type Transactions = ReturnType<typeof transactions>;

/** The multi-statement writes, each run with `.immediate()` (see the module header). */
function transactions(db: Database.Database, sql: Statements, clock: { now: () => number; routerTtlMs: number }) {
  return {
    addUser: db.transaction((user: NewUser): boolean => {
      const now = clock.now();
      // A record past the router TTL is absent for getUser, so it is absent here too: replace it
      // with a fresh one rather than resurrect its old channels and messages.
      if (sql.existsLive.get(user.uaid, now - clock.routerTtlMs) !== undefined) return false;
      sql.deleteChannels.run(user.uaid);
      sql.deleteUser.run(user.uaid); // cascades to its messages
      sql.insertUser.run(
        user.uaid,
        user.connectedAt,
        user.routerType ?? 'webpush',
        user.nodeId,
        user.recordVersion ?? USER_RECORD_VERSION,
        user.currentTimestamp ?? 0,
        now,
        user.routerData === undefined || user.routerData === null ? null : JSON.stringify(user.routerData),
      );
      return true;
    }),

    removeUser: db.transaction((uaid: string) => {
      sql.deleteChannels.run(uaid);
      sql.deleteUser.run(uaid);
    }),

    addChannel: db.transaction((uaid: string, channelId: string) => {
      sql.addChannel.run(uaid, channelId);
      // A register is a sign of life (docs/protocol.md#router-record); an expired record stays expired (no resurrection).
      const now = clock.now();
      sql.touchUser.run(now, uaid, now - clock.routerTtlMs);
    }),

    saveMessages: db.transaction((uaid: string, messages: readonly Notification[]): number[] => {
      const now = clock.now();
      const counter = sql.sortKeyState.get(uaid, now - clock.routerTtlMs) as { next: number; pointer: number } | undefined;
      if (!counter) throw new UnknownUserError(uaid);
      let next = Math.max(counter.next, now, counter.pointer + 1);
      const keys: number[] = [];
      for (const m of messages) {
        // Latest save wins: a same-topic message, or a re-save of the same message id, replaces.
        sql.deleteVersion.run(uaid, m.version);
        if (m.topic !== null) sql.deleteTopic.run(uaid, m.channelID, m.topic);
        sql.insertMessage.run(
          uaid,
          next,
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
        );
        keys.push(next++);
      }
      sql.setNextSortKey.run(next, uaid);
      return keys;
    }),

    incrementStorage: db.transaction((uaid: string, sortKey: number) => {
      const now = clock.now();
      sql.movePointer.run(sortKey, now, uaid, now - clock.routerTtlMs);
      // Everything at or below the pointer was acked; topic messages are deleted on their own ack.
      sql.dropAcked.run(uaid, uaid);
    }),

    purgeRouters: db.transaction((cutoff: number) => {
      const uaids = sql.staleUsers.all(cutoff, PURGE_BATCH) as string[];
      let rows = 0;
      for (const uaid of uaids) {
        rows += sql.deleteChannels.run(uaid).changes;
        rows += sql.deleteMessages.run(uaid).changes;
        rows += sql.deleteUser.run(uaid).changes;
      }
      return { users: uaids.length, rows };
    }),
  };
}

function prepare(db: Database.Database) {
  const live = 'last_update >= ?';
  return {
    existsLive: db.prepare(`SELECT 1 FROM router WHERE uaid = ? AND ${live}`),
    insertUser: db.prepare(
      `INSERT INTO router (uaid, connected_at, router_type, node_id, record_version, read_pointer, last_update, router_data)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    connectUser: db.prepare('UPDATE router SET node_id = ?, connected_at = ?, last_update = ? WHERE uaid = ?'),
    getUser: db.prepare(
      `SELECT uaid, connected_at, router_type, node_id, record_version, read_pointer, last_update, router_data
       FROM router WHERE uaid = ? AND ${live}`,
    ),
    lookupChannel: db.prepare(
      `SELECT uaid, connected_at, router_type, node_id, record_version, read_pointer, last_update, router_data,
         EXISTS (SELECT 1 FROM channel WHERE channel.uaid = router.uaid AND channel_id = ?) AS channel_exists
       FROM router WHERE uaid = ? AND ${live}`,
    ),
    updateRouter: db.prepare(`UPDATE router SET router_type = ?, router_data = ?, last_update = max(last_update, ?) WHERE uaid = ? AND ${live}`),
    touchUser: db.prepare(`UPDATE router SET last_update = max(last_update, ?) WHERE uaid = ? AND ${live}`),
    deleteUser: db.prepare('DELETE FROM router WHERE uaid = ?'),
    removeNodeId: db.prepare('UPDATE router SET node_id = NULL WHERE uaid = ? AND node_id = ? AND connected_at = ?'),
    staleUsers: db.prepare('SELECT uaid FROM router WHERE last_update < ? LIMIT ?').pluck(),

    addChannel: db.prepare('INSERT OR IGNORE INTO channel (uaid, channel_id) VALUES (?, ?)'),
    getChannels: db.prepare('SELECT channel_id FROM channel WHERE uaid = ?').pluck(),
    hasChannel: db.prepare('SELECT 1 FROM channel WHERE uaid = ? AND channel_id = ?'),
    removeChannel: db.prepare('DELETE FROM channel WHERE uaid = ? AND channel_id = ?'),
    deleteChannels: db.prepare('DELETE FROM channel WHERE uaid = ?'),

    sortKeyState: db.prepare(`SELECT next_sort_key AS next, read_pointer AS pointer FROM router WHERE uaid = ? AND ${live}`),
    setNextSortKey: db.prepare('UPDATE router SET next_sort_key = ? WHERE uaid = ?'),
    deleteVersion: db.prepare('DELETE FROM message WHERE uaid = ? AND version = ?'),
    deleteTopic: db.prepare('DELETE FROM message WHERE uaid = ? AND channel_id = ? AND topic = ?'),
    insertMessage: db.prepare(
      `INSERT INTO message (uaid, sort_key, channel_id, version, ttl, timestamp, expiry, topic, data, headers, urgency, receipt)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    // Through the partial topic index: the planner would rather walk every stored row of the
    // uaid in sort-key order (to skip a sort) than sort the few topic rows it holds.
    fetchTopic: db.prepare(
      `SELECT sort_key, channel_id, version, ttl, timestamp, topic, data, headers, urgency, receipt FROM message INDEXED BY message_topic
       WHERE uaid = ? AND topic IS NOT NULL AND expiry > ? ORDER BY sort_key LIMIT ?`,
    ),
    fetchTimestamp: db.prepare(
      `SELECT sort_key, channel_id, version, ttl, timestamp, topic, data, headers, urgency, receipt FROM message
       WHERE uaid = ? AND sort_key > ? AND topic IS NULL AND expiry > ? ORDER BY sort_key LIMIT ?`,
    ),
    movePointer: db.prepare(
      `UPDATE router SET read_pointer = max(read_pointer, ?), last_update = max(last_update, ?) WHERE uaid = ? AND ${live}`,
    ),
    dropAcked: db.prepare(
      `DELETE FROM message WHERE uaid = ? AND topic IS NULL
       AND sort_key <= (SELECT read_pointer FROM router WHERE uaid = ?)`,
    ),
    removeMessage: db.prepare('DELETE FROM message WHERE uaid = ? AND version = ?'),
    anyMessage: db.prepare('SELECT 1 FROM message WHERE uaid = ? LIMIT 1'),
    countMessages: db.prepare('SELECT count(*) FROM message WHERE uaid = ? AND expiry > ?').pluck(),
    deleteMessages: db.prepare('DELETE FROM message WHERE uaid = ?'),
    purgeMessages: db.prepare('DELETE FROM message WHERE rowid IN (SELECT rowid FROM message WHERE expiry <= ? LIMIT ?)'),
    health: db.prepare('SELECT 1').pluck(),
  };
}

/** SQLITE_BUSY / SQLITE_LOCKED (and their extended codes) are worth a retry; the rest are not. */
function mapError(err: unknown): unknown {
  if (err instanceof Database.SqliteError && /^SQLITE_(BUSY|LOCKED)/.test(err.code)) {
    return new StoreBusyError(`SQLite database is locked (${err.code}); retry`, { cause: err });
  }
  return err;
}

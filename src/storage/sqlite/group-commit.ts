/**
 * Group commit for SQLite writes: the writes asked for in one turn of the event loop run in one
 * BEGIN IMMEDIATE transaction, each inside its own savepoint, and their promises settle after the
 * one COMMIT. Under load (a push stored, another deleted on ack, hundreds a second) a commit per
 * write costs more than the writes; batched, the cost is shared. A write that throws rolls back
 * only its savepoint and rejects only its own promise. Nothing resolves before it is committed,
 * so durability is as with one transaction per write.
 *
 * Waiting for the write lock never blocks the event loop. When another process (`serve
 * --workers`) holds it, SQLite's busy handler would sleep inside BEGIN, 1 to 100 ms at a time,
 * with every socket of this process stalled: in a reconnect storm on 7 workers that sleep was a
 * fifth of each worker's time. Instead BEGIN is tried without waiting, and while the lock is
 * taken the batch is tried again every millisecond, the event loop runs on and later writes join
 * the batch; after the connection's `busy_timeout` the batch is rejected as SQLite would have.
 */
import Database from 'better-sqlite3';

interface Pending {
  work: () => unknown;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

/** How long a batch that found the write lock taken waits before trying again. */
const RETRY_MS = 1;

export class GroupCommit {
  readonly #db: Database.Database;
  readonly #mapError: (err: unknown) => unknown;
  #queue: Pending[] = [];
  readonly #each: Database.Transaction<(work: () => unknown) => unknown>;
  readonly #begin: Database.Statement;
  readonly #commit: Database.Statement;
  readonly #rollback: Database.Statement;
  /** The connection's `busy_timeout`, ms: how long a batch may wait for the write lock. */
  readonly #waitMs: number;
  /** When the queued batch first found the write lock taken; null while it has not. */
  #lockedSince: number | null = null;
  #retry: NodeJS.Timeout | undefined;

  constructor(db: Database.Database, mapError: (err: unknown) => unknown) {
    this.#db = db;
    this.#mapError = mapError;
    // Inside the batch's transaction better-sqlite3 runs this as a savepoint.
    this.#each = db.transaction((work: () => unknown) => work());
    this.#begin = db.prepare('BEGIN IMMEDIATE');
    this.#commit = db.prepare('COMMIT');
    this.#rollback = db.prepare('ROLLBACK');
    this.#waitMs = Number(db.pragma('busy_timeout', { simple: true })) || 0;
  }

  /** Queue `work` (synchronous SQLite calls) for this turn's transaction. */
  run<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      // While a retry is pending the queue is not empty: the new write joins that batch.
      if (this.#queue.length === 0) setImmediate(() => this.flush());
      this.#queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
    });
  }

  /**
   * Commit what is queued now. `blocking` (before the database closes) waits for the write lock
   * inside SQLite as a plain transaction would; otherwise a taken lock means a retry shortly.
   */
  flush(blocking = false): void {
    clearTimeout(this.#retry);
    this.#retry = undefined;
    const queue = this.#queue;
    if (queue.length === 0) return;
    if (!this.#db.open) {
      this.#queue = [];
      this.#lockedSince = null;
      for (const p of queue) p.reject(new Error('SQLite store is closed'));
      return;
    }
    try {
      this.#beginTransaction(blocking);
    } catch (err) {
      if (!blocking && isLockTaken(err) && this.#mayWaitMore()) {
        this.#retry = setTimeout(() => this.flush(), RETRY_MS);
        return;
      }
      // Past busy_timeout (or another failure): nothing of the batch was kept.
      this.#queue = [];
      this.#lockedSince = null;
      const mapped = this.#mapError(err);
      for (const p of queue) p.reject(mapped);
      return;
    }
    this.#queue = [];
    this.#lockedSince = null;
    const outcomes = queue.map((p) => {
      try {
        return { value: this.#each(p.work) };
      } catch (error) {
        return { error };
      }
    });
    try {
      this.#commit.run();
    } catch (err) {
      if (this.#db.inTransaction) this.#rollback.run();
      const mapped = this.#mapError(err);
      for (const p of queue) p.reject(mapped);
      return;
    }
    outcomes.forEach((o, i) => ('error' in o ? queue[i]!.reject(this.#mapError(o.error)) : queue[i]!.resolve(o.value)));
  }

  /** BEGIN IMMEDIATE; unless `blocking`, without letting SQLite's busy handler sleep. */
  #beginTransaction(blocking: boolean): void {
    if (blocking || this.#waitMs === 0) {
      this.#begin.run();
      return;
    }
    this.#db.pragma('busy_timeout = 0');
    try {
      this.#begin.run();
    } finally {
      this.#db.pragma(`busy_timeout = ${this.#waitMs}`);
    }
  }

  #mayWaitMore(): boolean {
    const now = Date.now();
    this.#lockedSince ??= now;
    return now - this.#lockedSince < this.#waitMs;
  }
}

function isLockTaken(err: unknown): boolean {
  return err instanceof Database.SqliteError && /^SQLITE_(BUSY|LOCKED)/.test(err.code);
}

/**
 * Group commit for SQLite writes: the writes asked for in one turn of the event loop run in one
 * BEGIN IMMEDIATE transaction, each inside its own savepoint, and their promises settle after the
 * one COMMIT. Under load (a push stored, another deleted on ack, hundreds a second) a commit per
 * write costs more than the writes; batched, the cost is shared. A write that throws rolls back
 * only its savepoint and rejects only its own promise. Nothing resolves before it is committed,
 * so durability is as with one transaction per write.
 */
import type Database from 'better-sqlite3';

interface Pending {
  work: () => unknown;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

export class GroupCommit {
  readonly #db: Database.Database;
  readonly #mapError: (err: unknown) => unknown;
  #queue: Pending[] = [];
  readonly #batch: Database.Transaction<(queue: Pending[]) => { value?: unknown; error?: unknown }[]>;
  readonly #each: Database.Transaction<(work: () => unknown) => unknown>;

  constructor(db: Database.Database, mapError: (err: unknown) => unknown) {
    this.#db = db;
    this.#mapError = mapError;
    this.#each = db.transaction((work: () => unknown) => work());
    this.#batch = db.transaction((queue: Pending[]) =>
      queue.map((p) => {
        try {
          return { value: this.#each(p.work) };
        } catch (error) {
          return { error };
        }
      }),
    );
  }

  /** Queue `work` (synchronous SQLite calls) for this turn's transaction. */
  run<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.#queue.length === 0) setImmediate(() => this.flush());
      this.#queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
    });
  }

  /** Commit what is queued now (also called before the database closes). */
  flush(): void {
    const queue = this.#queue;
    if (queue.length === 0) return;
    this.#queue = [];
    if (!this.#db.open) {
      for (const p of queue) p.reject(new Error('SQLite store is closed'));
      return;
    }
    let outcomes;
    try {
      outcomes = this.#batch.immediate(queue);
    } catch (err) {
      // BEGIN or COMMIT failed (e.g. SQLITE_BUSY past busy_timeout): nothing of the batch was kept.
      const mapped = this.#mapError(err);
      for (const p of queue) p.reject(mapped);
      return;
    }
    outcomes.forEach((o, i) => ('error' in o ? queue[i]!.reject(this.#mapError(o.error)) : queue[i]!.resolve(o.value)));
  }
}

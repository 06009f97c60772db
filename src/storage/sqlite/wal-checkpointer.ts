/**
 * WAL checkpoints off the event loop. SQLite's automatic checkpoint runs inside the COMMIT that
 * takes the WAL past `wal_autocheckpoint` pages (1000), on the committing thread: it copies the
 * WAL into the database and fsyncs both files. Herald commits on its event loop, so each
 * checkpoint held every push, frame and ack for its duration: 8-15 ms, up to 40-57 ms on a busy
 * disk, about twice a second at 1,100 stored pushes/s (issue 12; docs/operations.md "SQLite").
 *
 * Here a worker thread with a connection of its own runs a PASSIVE checkpoint every
 * `CHECKPOINT_INTERVAL_MS`; PASSIVE never waits for the writer nor blocks it, and once the WAL is
 * fully copied the next write starts it over, so it stays small. The writer keeps an automatic
 * checkpoint only as a backstop, at `BACKSTOP_PAGES`, should the worker fall behind or fail.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';

/** How often the worker checkpoints. */
export const CHECKPOINT_INTERVAL_MS = 100;
/** WAL pages (4 KiB each) after which the writer checkpoints itself, as SQLite does by default at 1000. */
export const BACKSTOP_PAGES = 10_000;

// Plain CommonJS, so the same source runs from src/ under tsx and from dist/; the driver's path is
// resolved here because an evaluated worker has no module path of its own to resolve it from.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { fileMustExist: true });
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // Locked by a schema change or another process's checkpoint: the next tick tries again.
  }
}, workerData.intervalMs);
parentPort.once('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

export class WalCheckpointer {
  readonly #worker: Worker;
  readonly #exited: Promise<void>;

  private constructor(worker: Worker) {
    this.#worker = worker;
    this.#exited = new Promise((resolve) => worker.once('exit', () => resolve()));
    // A failed worker leaves the backstop in charge; it must not take the process down.
    worker.on('error', () => {});
    worker.unref();
  }

  /**
   * Move `db`'s checkpoints to a worker thread. `db` must be a file database in WAL mode; for an
   * in-memory one this does nothing and returns null.
   */
  static start(db: Database.Database, intervalMs = CHECKPOINT_INTERVAL_MS): WalCheckpointer | null {
    if (db.memory) return null;
    db.pragma(`wal_autocheckpoint = ${BACKSTOP_PAGES}`);
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    return new WalCheckpointer(new Worker(WORKER_SOURCE, { eval: true, workerData: { driver, path: db.name, intervalMs } }));
  }

  /** Stop the worker and close its connection (before the writer closes, so it is the last). */
  async close(): Promise<void> {
    this.#worker.ref(); // held until it has exited, so a closing process waits for it
    this.#worker.postMessage('close');
    await this.#exited;
  }
}

/**
 * One better-sqlite3 connection set up as the push store sets up its own (WAL, busy timeout,
 * foreign keys), with the accounts tables migrated. Each account-side store owns one.
 */
import Database from 'better-sqlite3';
import { StoreBusyError } from '../../store.js';
import { migrateAccounts } from './migrations.js';
import { preparePrivateDatabaseFile } from '../../sqlite/private-file.js';

export interface SqliteConnectionOptions {
  /** How long a write waits for another connection's lock before `StoreBusyError`. Default 5000. */
  busyTimeoutMs?: number;
}

/** Open (creating the file and its directory if needed) and migrate; `:memory:` is private. */
export function openAccountsDatabase(path: string, opts: SqliteConnectionOptions = {}): Database.Database {
  preparePrivateDatabaseFile(path);
  const db = new Database(path);
  try {
    db.pragma(`busy_timeout = ${Math.max(0, Math.trunc(opts.busyTimeoutMs ?? 5000))}`);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    migrateAccounts(db);
  } catch (err) {
    db.close();
    throw mapSqliteError(err);
  }
  return db;
}

/** SQLITE_BUSY / SQLITE_LOCKED (and extended codes) are worth a retry; the rest are not. */
export function mapSqliteError(err: unknown): unknown {
  if (err instanceof Database.SqliteError && /^SQLITE_(BUSY|LOCKED)/.test(err.code)) {
    return new StoreBusyError(`SQLite database is locked (${err.code}); retry`, { cause: err });
  }
  return err;
}

/** Run synchronous work as an async contract wants, with lock errors mapped. */
export function runSync<T>(closed: boolean, work: () => T): Promise<T> {
  if (closed) return Promise.reject(new Error('SQLite store is closed'));
  try {
    return Promise.resolve(work());
  } catch (err) {
    return Promise.reject(mapSqliteError(err));
  }
}

/**
 * The shared blocklist (`../blocklist-store.ts`) in the SQLite file every process on the host
 * shares: one table, created if absent (it is not part of the store's migrations, so the two
 * evolve apart), on its own connection.
 */
import Database from 'better-sqlite3';
import type { BlockEntry, BlocklistStore } from '../blocklist-store.js';
import { preparePrivateDatabaseFile } from './private-file.js';

export function openSqliteBlocklist(path: string): Promise<SqliteBlocklist> {
  try {
    preparePrivateDatabaseFile(path);
    return Promise.resolve(new SqliteBlocklist(new Database(path)));
  } catch (err) {
    return Promise.reject(err as Error);
  }
}

interface Row {
  ip: string;
  reason: string;
  created_at: number;
  expires_at: number;
}

const toEntry = (r: Row): BlockEntry => ({ ip: r.ip, reason: r.reason, createdAt: r.created_at, expiresAt: r.expires_at });

export class SqliteBlocklist implements BlocklistStore {
  readonly #db: Database.Database;
  readonly #add: Database.Statement;
  readonly #remove: Database.Statement;
  readonly #list: Database.Statement;
  readonly #get: Database.Statement;
  readonly #purge: Database.Statement;

  constructor(db: Database.Database) {
    this.#db = db;
    db.pragma('busy_timeout = 5000');
    db.pragma('journal_mode = WAL');
    db.exec(`CREATE TABLE IF NOT EXISTS blocklist (
      ip         TEXT PRIMARY KEY,
      reason     TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      expires_at INTEGER NOT NULL
    ) WITHOUT ROWID`);
    this.#add = db.prepare('INSERT OR REPLACE INTO blocklist (ip, reason, created_at, expires_at) VALUES (?, ?, ?, ?)');
    this.#remove = db.prepare('DELETE FROM blocklist WHERE ip = ? AND expires_at > ?');
    this.#list = db.prepare('SELECT ip, reason, created_at, expires_at FROM blocklist WHERE expires_at > ? ORDER BY expires_at, ip');
    this.#get = db.prepare('SELECT 1 FROM blocklist WHERE ip = ? AND expires_at > ?');
    this.#purge = db.prepare('DELETE FROM blocklist WHERE expires_at <= ?');
  }

  add(e: BlockEntry): Promise<void> {
    this.#add.run(e.ip, e.reason, e.createdAt, e.expiresAt);
    return Promise.resolve();
  }

  remove(ip: string, nowMs: number): Promise<boolean> {
    const removed = this.#remove.run(ip, nowMs).changes > 0;
    // An expired row for the IP is dead weight either way.
    this.#db.prepare('DELETE FROM blocklist WHERE ip = ?').run(ip);
    return Promise.resolve(removed);
  }

  list(nowMs: number): Promise<BlockEntry[]> {
    return Promise.resolve((this.#list.all(nowMs) as Row[]).map(toEntry));
  }

  isBlocked(ip: string, nowMs: number): Promise<boolean> {
    return Promise.resolve(this.#get.get(ip, nowMs) !== undefined);
  }

  purgeExpired(nowMs: number): Promise<number> {
    return Promise.resolve(this.#purge.run(nowMs).changes);
  }

  close(): Promise<void> {
    if (this.#db.open) this.#db.close();
    return Promise.resolve();
  }
}

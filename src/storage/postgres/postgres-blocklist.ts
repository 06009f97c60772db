/**
 * The shared blocklist (`../blocklist-store.ts`) in PostgreSQL: one table beside the store's,
 * created if absent (outside the store's migrations), on a small pool of its own.
 */
import pg from 'pg';
import type { BlockEntry, BlocklistStore } from '../blocklist-store.js';
import { mappedQuery, openPoolWithTables } from './pool.js';

interface Row {
  ip: string;
  reason: string;
  created_at: string;
  expires_at: string;
}

const toEntry = (r: Row): BlockEntry => ({ ip: r.ip, reason: r.reason, createdAt: Number(r.created_at), expiresAt: Number(r.expires_at) });

export async function openPostgresBlocklist(dsn: string): Promise<PostgresBlocklist> {
  const create = `CREATE TABLE IF NOT EXISTS herald_blocklist (
    ip TEXT PRIMARY KEY, reason TEXT NOT NULL, created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL)`;
  return new PostgresBlocklist(await openPoolWithTables(dsn, { poolSize: 2 }, [create]));
}

export class PostgresBlocklist implements BlocklistStore {
  readonly #pool: pg.Pool;
  #closed = false;

  constructor(pool: pg.Pool) {
    this.#pool = pool;
  }

  #query<R extends pg.QueryResultRow>(text: string, values: unknown[]): Promise<pg.QueryResult<R>> {
    return mappedQuery<R>(this.#pool, text, values);
  }

  async add(e: BlockEntry): Promise<void> {
    await this.#query(
      `INSERT INTO herald_blocklist (ip, reason, created_at, expires_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (ip) DO UPDATE SET reason = EXCLUDED.reason, created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at`,
      [e.ip, e.reason, e.createdAt, e.expiresAt],
    );
  }

  async remove(ip: string, nowMs: number): Promise<boolean> {
    const r = await this.#query<{ live: boolean }>('DELETE FROM herald_blocklist WHERE ip = $1 RETURNING expires_at > $2 AS live', [ip, nowMs]);
    return r.rows.some((row) => row.live);
  }

  async list(nowMs: number): Promise<BlockEntry[]> {
    const r = await this.#query<Row>('SELECT ip, reason, created_at, expires_at FROM herald_blocklist WHERE expires_at > $1 ORDER BY expires_at, ip', [nowMs]);
    return r.rows.map(toEntry);
  }

  async isBlocked(ip: string, nowMs: number): Promise<boolean> {
    const r = await this.#query('SELECT 1 FROM herald_blocklist WHERE ip = $1 AND expires_at > $2', [ip, nowMs]);
    return r.rowCount !== null && r.rowCount > 0;
  }

  async purgeExpired(nowMs: number): Promise<number> {
    const r = await this.#query('DELETE FROM herald_blocklist WHERE expires_at <= $1', [nowMs]);
    return r.rowCount ?? 0;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pool.end();
  }
}

/**
 * A PostgreSQL pool as every Herald store opens it: BIGINT as numbers, idle-connection errors
 * absorbed, and its schema migrated before the first call. The push store and the account
 * stores each bring their own migration.
 */
import pg from 'pg';
import { mapError } from './errors.js';

export interface PoolOptions {
  /** Connections in the pool. Default 10. */
  poolSize?: number;
  /** How long a call waits for a connection (new or pooled) before `StoreBusyError`. Default 5000. */
  connectTimeoutMs?: number;
}

/** BIGINT (int8) columns and count(*) as numbers: every value Herald keeps there is a time in ms or s, an index or a count. */
const INT8_OID = 20;
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary' ? parseInt8 : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

function parseInt8(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new RangeError(`BIGINT ${text} is beyond Number.MAX_SAFE_INTEGER`);
  return n;
}

/** Open a pool on `dsn` and run `migrate` on one of its connections; rejects (mapped) if the server is unreachable. */
export async function openMigratedPool(dsn: string, opts: PoolOptions, migrate: (client: pg.ClientBase) => Promise<void>): Promise<pg.Pool> {
  const pool = new pg.Pool({
    connectionString: dsn,
    max: opts.poolSize ?? 10,
    connectionTimeoutMillis: opts.connectTimeoutMs ?? 5000,
    application_name: 'herald',
    types,
  });
  // An idle connection lost (server restart, network): the pool drops it and the next call opens
  // another. Without a listener the error would crash the process.
  pool.on('error', () => undefined);
  try {
    const client = await pool.connect();
    try {
      await migrate(client);
      client.release();
    } catch (err) {
      client.release(true);
      throw err;
    }
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw mapError(err);
  }
  return pool;
}

/**
 * Open a pool whose tables are created if absent, outside any migration (the blocklist's and the
 * receipts' tables beside the store's).
 */
export function openPoolWithTables(dsn: string, opts: PoolOptions, statements: readonly string[]): Promise<pg.Pool> {
  return openMigratedPool(dsn, opts, async (client) => {
    // Several nodes may start at once: IF NOT EXISTS can still race on the type catalog, so retry once.
    for (const statement of statements) await client.query(statement).catch(() => client.query(statement));
  });
}

/** One query on `pool`; a failure is mapped (`StoreBusyError` for the retryable ones). */
export async function mappedQuery<R extends pg.QueryResultRow>(pool: pg.Pool, text: string, values: unknown[]): Promise<pg.QueryResult<R>> {
  try {
    return await pool.query<R>(text, values);
  } catch (err) {
    throw mapError(err);
  }
}

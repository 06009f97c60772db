/**
 * Picks the storage backend from a DSN, as autopush's `StorageType::from_dsn` does. The only
 * module that knows the concrete backends; each driver is imported lazily, so a deployment loads
 * only the one it uses.
 */
import type { Store } from './store.js';
import { redactDsn } from './redact-dsn.js';
import { isRedisDsn, parseRedisDsn } from './redis/redis-dsn.js';

export interface OpenStoreOptions {
  /** Router records unseen for longer than this count as absent (autopush: 60 days). */
  routerTtlDays?: number;
}

export type StoreDsn =
  | { backend: 'sqlite'; path: string }
  | { backend: 'postgres'; url: string }
  | { backend: 'redis'; url: string };

const ACCEPTED =
  'sqlite:PATH, sqlite://PATH, sqlite::memory:, a bare path ending in .db, .sqlite or .sqlite3, ' +
  'postgres://USER@HOST/DB (or postgresql://…), redis://HOST:PORT/DB (or rediss://… for TLS), ' +
  'or redis+cluster://HOST:PORT,HOST:PORT,… for a Redis Cluster (rediss+cluster://… for TLS)';

/** Parse a storage DSN; throws an Error naming the accepted forms when it is not one. */
export function parseStoreDsn(dsn: string): StoreDsn {
  const trimmed = dsn.trim();
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(trimmed)?.[1]?.toLowerCase();
  if (scheme === 'sqlite') {
    const path = trimmed.slice('sqlite:'.length).replace(/^\/\//, '');
    if (path === '') throw new Error(`Storage DSN "${dsn}" names no SQLite file; use ${ACCEPTED}`);
    return { backend: 'sqlite', path };
  }
  if (scheme === 'postgres' || scheme === 'postgresql') return { backend: 'postgres', url: trimmed };
  if (scheme !== undefined && isRedisDsn(scheme)) {
    // Malformed cluster node lists and Herald's own parameters fail here, at start-up.
    parseRedisDsn(trimmed);
    return { backend: 'redis', url: trimmed };
  }
  // A bare path; a one-letter "scheme" is a Windows drive (C:\data\herald.db).
  if ((scheme === undefined || scheme.length === 1) && /\.(db|sqlite3?)$/i.test(trimmed)) {
    return { backend: 'sqlite', path: trimmed };
  }
  throw new Error(`Unsupported storage DSN "${redactDsn(dsn)}"; use ${ACCEPTED}`);
}

/** Open the store a DSN names, migrating its schema if needed. */
export async function openStore(dsn: string, opts: OpenStoreOptions = {}): Promise<Store> {
  const parsed = parseStoreDsn(dsn);
  switch (parsed.backend) {
    case 'sqlite': {
      const { openSqliteStore } = await import('./sqlite/sqlite-store.js');
      return openSqliteStore(parsed.path, { routerTtlDays: opts.routerTtlDays });
    }
    case 'postgres': {
      const { openPostgresStore } = await import('./postgres/postgres-store.js');
      return openPostgresStore(parsed.url, { routerTtlDays: opts.routerTtlDays });
    }
    case 'redis': {
      const { openRedisStore } = await import('./redis/redis-store.js');
      return openRedisStore(parsed.url, { routerTtlDays: opts.routerTtlDays });
    }
  }
}

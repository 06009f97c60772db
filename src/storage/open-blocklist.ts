/**
 * Opens the shared blocklist in the database a storage DSN names (`open-store.ts` rules), with its
 * own connection: a table beside the store's (SQLite, PostgreSQL) or keys under its prefix (Redis).
 * An in-memory SQLite database is per process, so its blocklist is this node's alone.
 */
import type { BlocklistStore } from './blocklist-store.js';
import { parseStoreDsn } from './open-store.js';

export async function openBlocklistStore(dsn: string): Promise<BlocklistStore> {
  const parsed = parseStoreDsn(dsn);
  switch (parsed.backend) {
    case 'sqlite': {
      const { openSqliteBlocklist } = await import('./sqlite/sqlite-blocklist.js');
      return openSqliteBlocklist(parsed.path);
    }
    case 'postgres': {
      const { openPostgresBlocklist } = await import('./postgres/postgres-blocklist.js');
      return openPostgresBlocklist(parsed.url);
    }
    case 'redis': {
      const { openRedisBlocklist } = await import('./redis/redis-blocklist.js');
      return openRedisBlocklist(parsed.url);
    }
  }
}

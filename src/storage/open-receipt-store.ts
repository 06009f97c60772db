/**
 * Opens the shared receipt store (receipt-store.ts) in the database a storage DSN names
 * (`open-store.ts` rules), with its own connection, as `open-blocklist.ts` does. An in-memory
 * SQLite database is per process, so its receipts are this node's alone.
 */
import type { ReceiptStore } from './receipt-store.js';
import { parseStoreDsn } from './open-store.js';

export async function openReceiptStore(dsn: string): Promise<ReceiptStore> {
  const parsed = parseStoreDsn(dsn);
  switch (parsed.backend) {
    case 'sqlite': {
      const { openSqliteReceipts } = await import('./sqlite/sqlite-receipts.js');
      return openSqliteReceipts(parsed.path);
    }
    case 'postgres': {
      const { openPostgresReceipts } = await import('./postgres/postgres-receipts.js');
      return openPostgresReceipts(parsed.url);
    }
    case 'redis': {
      const { openRedisReceipts } = await import('./redis/redis-receipts.js');
      return openRedisReceipts(parsed.url);
    }
  }
}

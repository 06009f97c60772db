import { after } from 'node:test';
import { startPostgres, type PostgresServer } from '../../../test/support/servers.js';
import { runReceiptConformance } from '../receipt-conformance.js';
import { openPostgresReceipts } from './postgres-receipts.js';

// A real server for this file; without one a local run skips with the reason, CI fails.
let server: PostgresServer | undefined;
let unavailable: string | undefined;
try {
  server = await startPostgres();
  after(() => server?.stop());
} catch (err) {
  if (process.env.CI) throw err;
  unavailable = `no PostgreSQL server: ${(err as Error).message}`;
}

runReceiptConformance({ name: 'PostgreSQL', skip: unavailable, open: () => openPostgresReceipts(server?.dsn ?? '') });

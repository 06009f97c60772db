import { after } from 'node:test';
import { startRedis, type RedisServer } from '../../../test/support/servers.js';
import { runReceiptConformance } from '../receipt-conformance.js';
import { openRedisReceipts } from './redis-receipts.js';

// A real server for this file; without one a local run skips with the reason, CI fails.
let server: RedisServer | undefined;
let unavailable: string | undefined;
try {
  server = await startRedis();
  after(() => server?.stop());
} catch (err) {
  if (process.env.CI) throw err;
  unavailable = `no Redis server: ${(err as Error).message}`;
}

runReceiptConformance({ name: 'Redis', skip: unavailable, open: () => openRedisReceipts(server?.dsn ?? '') });

import { after } from 'node:test';
import { startRedisCluster, type RedisCluster } from '../../../test/support/servers.js';
import { runReceiptConformance } from '../receipt-conformance.js';
import { openRedisReceipts } from './redis-receipts.js';

// A real Redis Cluster (3 masters, 3 replicas) for this file; without one a local run skips with the reason, CI fails.
let cluster: RedisCluster | undefined;
let unavailable: string | undefined;
try {
  cluster = await startRedisCluster();
  after(() => cluster?.stop());
} catch (err) {
  if (process.env.CI) throw err;
  unavailable = `no Redis Cluster: ${(err as Error).message}`;
}

runReceiptConformance({ name: 'Redis Cluster', skip: unavailable, open: () => openRedisReceipts(cluster?.dsn ?? '') });

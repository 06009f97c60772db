import { after } from 'node:test';
import { startRedis, type RedisServer } from '../../../test/support/servers.js';
import { runBlocklistConformance } from '../blocklist-conformance.js';
import { openRedisBlocklist } from './redis-blocklist.js';

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

runBlocklistConformance({ name: 'Redis', skip: unavailable, open: () => openRedisBlocklist(server?.dsn ?? '') });

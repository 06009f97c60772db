import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startRedis, type RedisServer } from '../../../../test/support/servers.js';
import { runAccountStoreConformance, runMailboxStoreConformance } from '../conformance.js';
import { openAccountStores } from '../open-account-stores.js';
import { openRedisAccountStore } from './redis-account-store.js';
import { openRedisMailboxStore } from './redis-mailbox-store.js';

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
const dsn = server?.dsn ?? '';

runAccountStoreConformance({ name: 'Redis', skip: unavailable, open: () => openRedisAccountStore(dsn) });
runMailboxStoreConformance({ name: 'Redis', skip: unavailable, open: (o) => openRedisMailboxStore(dsn, o) });

describe('Redis account stores', { skip: unavailable }, () => {
  it('open through openAccountStores on a redis:// DSN, and report health until closed', async () => {
    const stores = await openAccountStores(dsn);
    assert.equal(await stores.accounts.healthCheck(), true);
    assert.equal(await stores.mailbox.healthCheck(), true);
    await stores.close();
    assert.equal(await stores.accounts.healthCheck(), false);
    assert.equal(await stores.mailbox.healthCheck(), false);
  });

  it('keep deployments apart by key prefix', async () => {
    const a = await openRedisAccountStore(dsn, { prefix: 'herald-a:' });
    const b = await openRedisAccountStore(dsn, { prefix: 'herald-b:' });
    const account = { uid: 'd'.repeat(32), email: 'prefix@example.com', passwordHash: 'h', displayName: null, createdAt: 1 };
    assert.equal(await a.createAccount(account), true);
    assert.equal(await b.getAccount(account.uid), null);
    assert.equal(await b.createAccount(account), true);
    await a.close();
    await b.close();
  });
});

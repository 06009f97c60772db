/**
 * The account and mailbox stores on a real Redis Cluster (3 masters, 3 replicas on loopback): the
 * shared suites, and the layout only a cluster checks: one account's keys in one slot, accounts
 * spread over the masters, pointers in their own slots.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster } from 'ioredis';
import { startRedisCluster, type RedisCluster } from '../../../../test/support/servers.js';
import { runAccountStoreConformance, runMailboxStoreConformance } from '../conformance.js';
import { openAccountStores } from '../open-account-stores.js';

// A real cluster for this file; without one a local run skips with the reason, CI fails.
let cluster: RedisCluster | undefined;
let unavailable: string | undefined;
try {
  cluster = await startRedisCluster();
  after(() => cluster?.stop());
} catch (err) {
  if (process.env.CI) throw err;
  unavailable = `no Redis Cluster: ${(err as Error).message}`;
}
const dsn = cluster?.dsn ?? '';

const { openRedisAccountStore } = await import('./redis-account-store.js');
const { openRedisMailboxStore } = await import('./redis-mailbox-store.js');

runAccountStoreConformance({ name: 'Redis Cluster', skip: unavailable, open: () => openRedisAccountStore(dsn) });
runMailboxStoreConformance({ name: 'Redis Cluster', skip: unavailable, open: (o) => openRedisMailboxStore(dsn, o) });

describe('Redis account stores on a Redis Cluster', { skip: unavailable }, () => {
  it('keep one account\'s keys, its devices\', sessions\', codes, secrets, events and its mailboxes, in one slot', async () => {
    const stores = await openAccountStores(dsn);
    const redis = new Cluster((cluster as RedisCluster).ports.map((port) => ({ host: '127.0.0.1', port })), { scaleReads: 'master', lazyConnect: true });
    try {
      await redis.connect();
      const uid = 'a1'.repeat(16);
      assert.equal(await stores.accounts.createAccount({ uid, email: 'slots@example.com', passwordHash: 'h', displayName: null, createdAt: 1 }), true);
      assert.equal(await stores.accounts.createSession({ id: 'f'.repeat(64), uid, createdAt: 1 }), true);
      assert.equal(
        await stores.accounts.createDevice({ uid, id: 'd1', sessionId: 'f'.repeat(64), name: 'phone', type: 'mobile', createdAt: 1, push: null, capabilities: [], availableCommands: {} }),
        true,
      );
      await stores.mailbox.append({ uid, deviceId: 'd1', box: 'messages' }, 'hello', 60);
      // The account-security keys (codes, secrets, events) too.
      assert.equal(await stores.accounts.putCode({ uid, purpose: 'verify-email', codeHash: 'h', expiresAt: 9, attempts: 0, data: null }), true);
      assert.equal(await stores.accounts.setAccountSecret(uid, 'totp', 's'), true);
      await stores.accounts.addSecurityEvent(uid, { kind: 'sign-in', at: 1, ip: null }, 10);
      const keys: string[] = [];
      for (const node of redis.nodes('master')) keys.push(...(await node.keys(`*{${uid}}*`)));
      assert.ok(keys.length >= 11, keys.join(', '));
      const slots = new Set(await Promise.all(keys.map((k) => redis.cluster('KEYSLOT', k))));
      assert.equal(slots.size, 1, keys.join(', '));
      assert.equal((await stores.accounts.getSession('f'.repeat(64)))?.deviceId, 'd1');
      assert.equal((await stores.accounts.findAccountByEmail('slots@example.com'))?.uid, uid);
      assert.equal(await stores.accounts.deleteAccount(uid), true);
      assert.equal(await stores.accounts.getSession('f'.repeat(64)), null);
      assert.equal(await redis.exists(`herald:session:{${'f'.repeat(64)}}`), 0, 'session pointer released');
      assert.equal(await redis.exists('herald:acct-email:{slots@example.com}'), 0, 'email pointer released');
    } finally {
      redis.disconnect();
      await stores.close();
    }
  });

  it('take over an email or session pointer left by a crash (it names nothing), never a live one', async () => {
    const stores = await openAccountStores(dsn);
    const redis = new Cluster((cluster as RedisCluster).ports.map((port) => ({ host: '127.0.0.1', port })), { scaleReads: 'master', lazyConnect: true });
    try {
      await redis.connect();
      await redis.set('herald:acct-email:{left-over@example.com}', 'b2'.repeat(16));
      await redis.set(`herald:session:{${'e'.repeat(64)}}`, 'b2'.repeat(16));
      const uid = 'b3'.repeat(16);
      assert.equal(await stores.accounts.createAccount({ uid, email: 'left-over@example.com', passwordHash: 'h', displayName: null, createdAt: 1 }), true);
      assert.equal(await stores.accounts.createSession({ id: 'e'.repeat(64), uid, createdAt: 1 }), true);
      assert.equal((await stores.accounts.getSession('e'.repeat(64)))?.uid, uid);
      const other = 'b4'.repeat(16);
      assert.equal(await stores.accounts.createAccount({ uid: other, email: 'left-over@example.com', passwordHash: 'h', displayName: null, createdAt: 1 }), false);
      assert.equal(await stores.accounts.createAccount({ uid: other, email: 'other@example.com', passwordHash: 'h', displayName: null, createdAt: 1 }), true);
      assert.equal(await stores.accounts.createSession({ id: 'e'.repeat(64), uid: other, createdAt: 1 }), false);
      assert.equal((await stores.accounts.getSession('e'.repeat(64)))?.uid, uid, 'the live session keeps its pointer');
    } finally {
      redis.disconnect();
      await stores.close();
    }
  });
});

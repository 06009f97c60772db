/**
 * The push store on a real Redis Cluster (3 masters, 3 replicas on loopback): the shared suite,
 * and what only a cluster shows: one user agent's keys in one slot, users spread over every
 * master, and a purge that reaches all of them.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster } from 'ioredis';
import { startRedisCluster, type RedisCluster } from '../../../test/support/servers.js';
import { runStoreConformance } from '../conformance.js';
import { alternating } from '../conformance/alternating.js';
import { openRedisStore } from './redis-store.js';

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

runStoreConformance({
  name: 'Redis Cluster',
  skip: unavailable,
  open: (opts) => openRedisStore(dsn, opts),
});

runStoreConformance({
  name: 'Redis Cluster, every call alternating between two clients',
  skip: unavailable,
  open: async (opts) => alternating(await openRedisStore(dsn, opts), await openRedisStore(dsn, opts)),
});

let uaids = 0;
const newUaid = () => `${(++uaids).toString(16).padStart(8, '0')}${'c'.repeat(24)}`;
const message = (version: string, topic: string | null = null) => ({
  channelID: '0c8e1b9e-6b0e-4b55-9d4b-4d1b3e1c0a01',
  version,
  ttl: 3600,
  topic,
  timestamp: Math.floor(Date.now() / 1000),
});

/** A plain cluster client for looking at the keys themselves. */
async function inspect<T>(look: (redis: Cluster) => Promise<T>): Promise<T> {
  const redis = new Cluster((cluster as RedisCluster).ports.map((port) => ({ host: '127.0.0.1', port })), { scaleReads: 'master', lazyConnect: true });
  try {
    await redis.connect();
    return await look(redis);
  } finally {
    redis.disconnect();
  }
}

describe('RedisStore on a Redis Cluster', { skip: unavailable }, () => {
  it('keeps every key of one user agent in one slot', async () => {
    const store = await openRedisStore(dsn, { prefix: 'slot-test:' });
    try {
      const uaid = newUaid();
      await store.addUser({ uaid, connectedAt: 1, nodeId: 'http://node-a' });
      await store.addChannel(uaid, 'c1');
      await store.saveMessages(uaid, [message('m1'), message('m2', 'weather')]);
      const keys = await inspect(async (r) => {
        const found: string[] = [];
        for (const node of r.nodes('master')) found.push(...(await node.keys(`slot-test:{${uaid}}*`)));
        return found;
      });
      assert.ok(keys.length >= 6, `user, chans, ts, tp, two bodies and a topic key: ${keys.join(', ')}`);
      const slots = new Set(await inspect((r) => Promise.all(keys.map((k) => r.cluster('KEYSLOT', k)))));
      assert.equal(slots.size, 1, `one slot for ${keys.join(', ')}`);
    } finally {
      await store.close();
    }
  });

  it('spreads user agents over every master, and the purge reaches all of them', async () => {
    let now = Date.now();
    // A prefix of its own: the purge then sees only this test's records.
    const store = await openRedisStore(dsn, { now: () => now, prefix: 'purge-cluster:' });
    try {
      const stale = Array.from({ length: 30 }, newUaid);
      for (const uaid of stale) await store.addUser({ uaid, connectedAt: 1, nodeId: null });
      const holders = await inspect(async (r) => {
        const counts: number[] = [];
        for (const node of r.nodes('master')) counts.push((await node.keys('purge-cluster:{*}:user')).length);
        return counts;
      });
      assert.equal(holders.length, 3);
      assert.ok(holders.every((n) => n > 0), `records on every master: ${holders.join(', ')}`);
      now += 61 * 86_400_000;
      assert.equal(await store.purgeExpired(now), stale.length);
      const left = await inspect(async (r) => {
        let n = 0;
        for (const node of r.nodes('master')) n += (await node.keys('purge-cluster:*')).length;
        return n;
      });
      assert.equal(left, 0);
    } finally {
      await store.close();
    }
  });

  it('waits for a replica after a save (WAIT 1, the cluster default)', async () => {
    const store = await openRedisStore(dsn);
    try {
      const uaid = newUaid();
      await store.addUser({ uaid, connectedAt: 1, nodeId: null });
      await store.saveMessage(uaid, message('replicated'));
      // Every master has its replica; the write was acknowledged by it before the save resolved.
      const onReplicas = await inspect(async (r) => {
        const found: number[] = [];
        for (const node of r.nodes('slave')) {
          await node.call('READONLY');
          // A replica answers for its own master's slots; for the others it redirects (MOVED).
          found.push(await node.exists(`herald:{${uaid}}:msg:replicated`).catch(() => 0));
        }
        return found;
      });
      assert.equal(onReplicas.filter((n) => n === 1).length, 1, 'the message body is on its master\'s replica');
    } finally {
      await store.close();
    }
  });
});

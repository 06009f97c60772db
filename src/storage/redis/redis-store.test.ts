import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { startRedis, type RedisServer } from '../../../test/support/servers.js';
import { runStoreConformance } from '../conformance.js';
import { alternating } from '../conformance/alternating.js';
import { StoreBusyError } from '../store.js';
import { openRedisStore } from './redis-store.js';

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

runStoreConformance({
  name: 'Redis',
  skip: unavailable,
  open: (opts) => openRedisStore(dsn, opts),
});

runStoreConformance({
  name: 'Redis, every call alternating between two clients on one server',
  skip: unavailable,
  open: async (opts) => alternating(await openRedisStore(dsn, opts), await openRedisStore(dsn, opts)),
});

let uaids = 0;
const newUaid = () => (++uaids).toString(16).padStart(32, 'e');
const message = (version: string, over: { ttl?: number; topic?: string } = {}) => ({
  channelID: '0c8e1b9e-6b0e-4b55-9d4b-4d1b3e1c0a01',
  version,
  ttl: over.ttl ?? 3600,
  topic: over.topic ?? null,
  timestamp: Math.floor(Date.now() / 1000),
});

/** A plain client for looking at the keys themselves. */
async function inspect<T>(look: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis(dsn);
  try {
    return await look(redis);
  } finally {
    redis.disconnect();
  }
}

describe('RedisStore', { skip: unavailable }, () => {
  describe('native expiry', () => {
    it('a message key and its topic key carry an expiry at timestamp + ttl, and are gone after it', async () => {
      const store = await openRedisStore(dsn, { expiryGraceMs: 0 });
      try {
        const uaid = newUaid();
        await store.addUser({ uaid, connectedAt: 1, nodeId: null });
        const timestamp = Math.floor(Date.now() / 1000);
        const plain = { ...message('short-lived', { ttl: 2 }), timestamp };
        const topic = { ...message('short-topic', { ttl: 2, topic: 'weather' }), timestamp };
        await store.saveMessages(uaid, [plain, topic]);
        const msgKey = `herald:{${uaid}}:msg:short-lived`;
        const topicKey = `herald:{${uaid}}:topic:${topic.channelID}:weather`;
        const before = await inspect((r) => Promise.all([r.pexpiretime(msgKey), r.pexpiretime(topicKey), r.pttl(`herald:{${uaid}}:user`)]));
        assert.deepEqual(before.slice(0, 2), [(timestamp + 2) * 1000, (timestamp + 2) * 1000]);
        assert.ok((before[2] as number) > 59 * 86_400_000, 'the record lives for the router TTL');

        await new Promise((r) => setTimeout(r, (timestamp + 2) * 1000 - Date.now() + 150));
        const after = await inspect((r) => Promise.all([r.ttl(msgKey), r.ttl(topicKey), r.exists(`herald:{${uaid}}:msg:short-topic`)]));
        assert.deepEqual(after, [-2, -2, 0], 'TTL -2: the keys no longer exist');
        assert.equal(await store.countMessages(uaid), 0);
        assert.deepEqual(await store.fetchTimestampMessages(uaid, 0, 10), []);
        assert.deepEqual(await store.fetchTopicMessages(uaid, 10), []);
        assert.equal(await inspect((r) => r.zcard(`herald:{${uaid}}:ts`)), 0, 'the fetch dropped the dangling index entry');
      } finally {
        await store.close();
      }
    });

    it('a record older than the router TTL is purged, and the purge removes index entries whose body expired', async () => {
      let now = Date.now();
      // A prefix of its own: the purge then sees only this test's records.
      const store = await openRedisStore(dsn, { now: () => now, expiryGraceMs: 0, prefix: 'purge-test:' });
      try {
        const [stale, live] = [newUaid(), newUaid()];
        await store.addUser({ uaid: stale, connectedAt: 1, nodeId: null });
        await store.addChannel(stale, 'c1');
        now += 30 * 86_400_000;
        await store.addUser({ uaid: live, connectedAt: 1, nodeId: null });
        await store.saveMessage(live, { ...message('gone'), timestamp: Math.floor(now / 1000) - 10, ttl: 5 });
        await store.saveMessage(live, { ...message('kept'), timestamp: Math.floor(now / 1000), ttl: 40 * 86_400 });
        now += 31 * 86_400_000 - 3600_000;
        // stale: user hash + 1 channel; live: the already expired message.
        assert.equal(await store.purgeExpired(now), 3);
        assert.equal(await inspect((r) => r.exists(`purge-test:{${stale}}:user`, `purge-test:{${stale}}:chans`)), 0);
        assert.deepEqual(await inspect((r) => r.zrange(`purge-test:{${live}}:ts`, '0', '-1')), ['kept']);
      } finally {
        await store.close();
      }
    });
  });

  describe('keys', () => {
    it('keeps every key under the prefix, so deployments can share a server', async () => {
      const [a, b] = [await openRedisStore(dsn, { prefix: 'tenant-a:' }), await openRedisStore(dsn, { prefix: 'tenant-b:' })];
      try {
        const uaid = newUaid();
        assert.equal(await a.addUser({ uaid, connectedAt: 1, nodeId: null }), true);
        assert.equal(await b.getUser(uaid), null);
        await a.saveMessage(uaid, message('tenant-a-1'));
        const keys = await inspect((r) => r.keys(`*${uaid}*`));
        assert.ok(keys.length > 0 && keys.every((k) => k.startsWith('tenant-a:')), keys.join(', '));
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
    });
  });

  describe('outages', () => {
    it('maps a stopped server to StoreBusyError quickly, and works again once it is back', async () => {
      const redisServer = server as RedisServer;
      const store = await openRedisStore(dsn);
      try {
        const uaid = newUaid();
        await store.addUser({ uaid, connectedAt: 1, nodeId: null });
        await redisServer.halt();
        try {
          const started = Date.now();
          await assert.rejects(store.saveMessage(uaid, message('during-outage')), StoreBusyError);
          await assert.rejects(store.getUser(uaid), StoreBusyError);
          assert.ok(Date.now() - started < 5000, `failed fast (${Date.now() - started} ms)`);
          assert.equal(await store.healthCheck(), false);
        } finally {
          await redisServer.resume();
        }
        // The data is gone with the restart (no persistence); the client reconnects by itself.
        const deadline = Date.now() + 10_000;
        while (!(await store.healthCheck()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
        assert.equal(await store.healthCheck(), true);
        assert.equal(await store.addUser({ uaid, connectedAt: 2, nodeId: null }), true);
        assert.ok((await store.saveMessage(uaid, message('after-outage'))) > 0);
      } finally {
        await store.close();
      }
    });

    it('opening against a server that is not there rejects with StoreBusyError', async () => {
      await assert.rejects(openRedisStore('redis://127.0.0.1:1/0', { connectTimeoutMs: 1000 }), StoreBusyError);
    });

    it('rejects calls on a closed store', async () => {
      const store = await openRedisStore(dsn);
      await store.close();
      await assert.rejects(store.getUser(newUaid()), /closed/);
    });
  });
});

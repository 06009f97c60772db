/** Several stores on one database (processes, cluster nodes), and the store lifecycle. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { type Fixture, assertIncreasing, versionsOf } from './fixture.js';

export function sharingCases(t: Fixture): void {
  describe('sharing one database', { skip: t.notShared }, () => {
    it("two stores opened on the same database see each other's writes", async () => {
      const other = await t.open();
      const uaid = t.newUaid();
      assert.equal(await t.store.addUser({ uaid, connectedAt: 1, nodeId: 'http://a' }), true);
      assert.equal(await other.addUser({ uaid, connectedAt: 2, nodeId: 'http://b' }), false);
      assert.equal((await other.connectUser(uaid, 3, 'http://b')).outcome, 'connected');
      assert.equal((await t.store.getUser(uaid))?.nodeId, 'http://b');

      const chid = randomUUID();
      await other.addChannel(uaid, chid);
      assert.equal(await t.store.hasChannel(uaid, chid), true);

      const m = t.message({ channelID: chid });
      const key = await t.store.saveMessage(uaid, m);
      assert.deepEqual(versionsOf(await other.fetchTimestampMessages(uaid, 0, 10)), [m.version]);
      await other.incrementStorage(uaid, key);
      assert.equal((await t.store.getUser(uaid))?.currentTimestamp, key);
      assert.equal(await t.store.countMessages(uaid), 0);

      await other.removeUser(uaid);
      assert.equal(await t.store.getUser(uaid), null);
    });

    it('sort keys keep increasing when two stores save alternately for one uaid', async () => {
      const other = await t.open();
      const uaid = await t.user();
      const keys: number[] = [];
      for (let i = 0; i < 100; i++) keys.push(await (i % 2 ? other : t.store).saveMessage(uaid, t.message()));
      assertIncreasing(keys);
      assert.equal((await other.fetchTimestampMessages(uaid, 0, 200)).length, 100);
    });

    it('concurrent saves from two stores get unique sort keys, increasing for each caller', async () => {
      const other = await t.open();
      const uaid = await t.user();
      const writer = async (s: typeof other) => {
        const keys: number[] = [];
        for (let i = 0; i < 200; i++) keys.push(await s.saveMessage(uaid, t.message()));
        return keys;
      };
      const results = await Promise.all([writer(t.store), writer(other), writer(t.store), writer(other)]);
      for (const keys of results) assertIncreasing(keys);
      assert.equal(new Set(results.flat()).size, 800, 'no two messages share a sort key');
      assert.equal((await other.fetchTimestampMessages(uaid, 0, 1000)).length, 800);
    });

    it('of concurrent hellos through two stores, only the newest connectedAt wins', async () => {
      const other = await t.open();
      const uaid = t.newUaid();
      await t.store.addUser({ uaid, connectedAt: 1, nodeId: null });
      const times = Array.from({ length: 40 }, (_, i) => 100 + ((i * 7) % 40));
      await Promise.all(times.map((at, i) => (i % 2 ? t.store : other).connectUser(uaid, at, `http://node-${at}`)));
      const got = await t.store.getUser(uaid);
      assert.equal(got?.connectedAt, Math.max(...times));
      assert.equal(got?.nodeId, `http://node-${Math.max(...times)}`);
    });
  });

  describe('lifecycle', () => {
    it('healthCheck resolves true on an open store', async () => {
      assert.equal(await t.store.healthCheck(), true);
    });

    it('close is idempotent', async () => {
      await t.store.close();
      await t.store.close();
    });

    it('healthCheck resolves false after close instead of throwing', async () => {
      await t.store.close();
      assert.equal(await t.store.healthCheck(), false);
    });
  });
}

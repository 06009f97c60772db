/** Message TTL at read time, removal, counting and the purge of expired rows (docs/protocol.md#storage-check, docs/protocol.md#storage-semantics). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { DAY_MS, type Fixture, ROUTER_TTL_DAYS, versionsOf } from './fixture.js';

export function expiryCases(t: Fixture): void {
  describe('expiry at read time', () => {
    it('a message past its TTL (timestamp now-100 s, ttl 50) is hidden from fetches and counts', async () => {
      const uaid = await t.user();
      const old = t.message({ timestamp: t.clock.seconds() - 100, ttl: 50 });
      const live = t.message();
      await t.store.saveMessage(uaid, old);
      await t.store.saveMessage(uaid, live);
      assert.deepEqual(versionsOf(await t.store.fetchTimestampMessages(uaid, 0, 10)), [live.version]);
      assert.equal(await t.store.countMessages(uaid), 1);
    });

    it('an expired topic message is hidden from fetchTopicMessages', async () => {
      const uaid = await t.user();
      await t.store.saveMessage(uaid, t.message({ topic: 'old', timestamp: t.clock.seconds() - 100, ttl: 50 }));
      assert.deepEqual(await t.store.fetchTopicMessages(uaid, 10), []);
      assert.equal(await t.store.countMessages(uaid), 0);
    });

    it('a message expires exactly at timestamp + ttl', async () => {
      const uaid = await t.user();
      const lastSecond = t.message({ timestamp: t.clock.seconds() - 100, ttl: 101 });
      const atExpiry = t.message({ timestamp: t.clock.seconds() - 100, ttl: 100 });
      await t.store.saveMessage(uaid, lastSecond);
      await t.store.saveMessage(uaid, atExpiry);
      assert.deepEqual(versionsOf(await t.store.fetchTimestampMessages(uaid, 0, 10)), [lastSecond.version]);
    });

    it('a stored message disappears once the clock passes its expiry', async () => {
      const uaid = await t.user();
      await t.store.saveMessage(uaid, t.message({ ttl: 60 }));
      await t.store.saveMessage(uaid, t.message({ ttl: 60, topic: 't' }));
      assert.equal(await t.store.countMessages(uaid), 2);
      t.clock.advance(60_000);
      assert.equal(await t.store.countMessages(uaid), 0);
      assert.deepEqual(await t.store.fetchTimestampMessages(uaid, 0, 10), []);
      assert.deepEqual(await t.store.fetchTopicMessages(uaid, 10), []);
    });

    it('expired messages do not use up the fetch limit', async () => {
      const uaid = await t.user();
      for (let i = 0; i < 5; i++) await t.store.saveMessage(uaid, t.message({ timestamp: t.clock.seconds() - 100, ttl: 50 }));
      const live = t.message();
      await t.store.saveMessage(uaid, live);
      assert.deepEqual(versionsOf(await t.store.fetchTimestampMessages(uaid, 0, 1)), [live.version]);
    });
  });

  describe('removing and counting messages', () => {
    it('removeMessage deletes by message id and reports whether it did', async () => {
      const uaid = await t.user();
      const [a, b] = [t.message(), t.message()];
      await t.store.saveMessages(uaid, [a, b]);
      assert.equal(await t.store.removeMessage(uaid, a.version), true);
      assert.equal(await t.store.removeMessage(uaid, a.version), false);
      assert.deepEqual(versionsOf(await t.store.fetchTimestampMessages(uaid, 0, 10)), [b.version]);
    });

    it("removeMessage of an unknown id, or of another user's message, returns false", async () => {
      const [u1, u2] = [await t.user(), await t.user()];
      const m = t.message();
      await t.store.saveMessage(u2, m);
      assert.equal(await t.store.removeMessage(u1, 'no-such-version'), false);
      assert.equal(await t.store.removeMessage(u1, m.version), false);
      assert.equal(await t.store.countMessages(u2), 1);
    });

    it('countMessages counts unexpired topic and timestamp messages of one user', async () => {
      const [uaid, other] = [await t.user(), await t.user()];
      await t.store.saveMessages(uaid, [t.message(), t.message(), t.message({ topic: 'a' }), t.message({ timestamp: t.clock.seconds() - 100, ttl: 50 })]);
      await t.store.saveMessage(other, t.message());
      assert.equal(await t.store.countMessages(uaid), 3);
      assert.equal(await t.store.countMessages(t.newUaid()), 0);
    });
  });

  describe('purgeExpired', () => {
    it('deletes expired messages, returns how many, and keeps live ones', async () => {
      await t.store.purgeExpired(t.clock.now()); // leftovers of earlier tests on a shared database
      const uaid = await t.user();
      const expired = [
        t.message({ timestamp: t.clock.seconds() - 100, ttl: 50 }),
        t.message({ timestamp: t.clock.seconds() - 100, ttl: 100, topic: 'gone' }),
      ];
      const live = [t.message(), t.message({ topic: 'kept' })];
      await t.store.saveMessages(uaid, [...expired, ...live]);
      assert.equal(await t.store.purgeExpired(t.clock.now()), 2);
      assert.equal(await t.store.countMessages(uaid), 2);
      for (const m of expired) assert.equal(await t.store.removeMessage(uaid, m.version), false, 'expired row deleted');
      assert.notEqual(await t.store.getUser(uaid), null);
      assert.equal(await t.store.purgeExpired(t.clock.now()), 0, 'nothing left to purge');
    });

    it('deletes router records older than the router TTL with their channels and messages, and keeps live ones', async () => {
      const stale = await t.user();
      const chid = randomUUID();
      await t.store.addChannel(stale, chid);
      await t.store.saveMessage(stale, t.message({ channelID: chid, ttl: 365 * 86400 }));
      t.clock.advance((ROUTER_TTL_DAYS / 2) * DAY_MS);
      const live = await t.user();
      await t.store.addChannel(live, chid);
      await t.store.saveMessage(live, t.message({ channelID: chid, ttl: 365 * 86400 }));
      t.clock.advance((ROUTER_TTL_DAYS / 2 + 1) * DAY_MS);

      assert.ok((await t.store.purgeExpired(t.clock.now())) >= 1);
      assert.equal(await t.store.getUser(stale), null);
      assert.equal(await t.store.hasChannel(stale, chid), false);
      // Re-adding the uaid shows the purge removed the messages rather than hiding them.
      await t.user({ uaid: stale });
      assert.equal(await t.store.countMessages(stale), 0);

      assert.notEqual(await t.store.getUser(live), null);
      assert.equal(await t.store.hasChannel(live, chid), true);
      assert.equal(await t.store.countMessages(live), 1);
    });
  });
}

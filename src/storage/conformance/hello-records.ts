/** A hello's write into the router record (`connectUser`): docs/protocol.md#hello, docs/protocol.md#storage-check. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { DAY_MS, type Fixture, ROUTER_TTL_DAYS } from './fixture.js';

export function helloRecordCases(t: Fixture): void {
  describe('connectUser (a hello)', () => {
    it('of an unknown uaid is absent and creates nothing', async () => {
      const uaid = t.newUaid();
      assert.deepEqual(await t.store.connectUser(uaid, t.clock.now(), 'http://node-a'), { outcome: 'absent' });
      assert.equal(await t.store.getUser(uaid), null);
    });

    it('of a record past the router TTL is absent and does not bring it back', async () => {
      const uaid = await t.user({ connectedAt: 1 });
      t.clock.advance((ROUTER_TTL_DAYS + 1) * DAY_MS);
      assert.deepEqual(await t.store.connectUser(uaid, t.clock.now(), 'http://node-a'), { outcome: 'absent' });
      assert.equal(await t.store.getUser(uaid), null);
    });

    it('with a newer connectedAt returns the record as it was and sets connectedAt, nodeId and lastUpdate', async () => {
      const uaid = await t.user({ connectedAt: 1000, nodeId: 'http://node-a:8081' });
      const before = await t.store.getUser(uaid);
      t.clock.advance(10);
      const hello = await t.store.connectUser(uaid, 2000, 'http://node-b:8081');
      assert.equal(hello.outcome, 'connected');
      assert.deepEqual(hello.outcome === 'connected' && hello.user, before, 'the previous record, naming the node to take over from');
      assert.deepEqual(await t.store.getUser(uaid), { ...before, connectedAt: 2000, nodeId: 'http://node-b:8081', lastUpdate: t.clock.now() });
    });

    it('returns the read pointer and record version the session starts from', async () => {
      const uaid = await t.user({ connectedAt: 1, recordVersion: 0, currentTimestamp: 77 });
      const hello = await t.store.connectUser(uaid, 2, 'http://node-a');
      assert.equal(hello.outcome, 'connected');
      assert.equal(hello.outcome === 'connected' && hello.user.currentTimestamp, 77);
      assert.equal(hello.outcome === 'connected' && hello.user.recordVersion, 0);
    });

    for (const [what, connectedAt] of [
      ['an equal', 2000],
      ['an older', 1999],
    ] as const) {
      it(`with ${what} connectedAt finds a newer connection and changes nothing`, async () => {
        const uaid = await t.user({ connectedAt: 2000, nodeId: 'http://holder' });
        const before = await t.store.getUser(uaid);
        t.clock.advance(10);
        assert.deepEqual(await t.store.connectUser(uaid, connectedAt, 'http://late'), { outcome: 'newer-connection', user: before });
        assert.deepEqual(await t.store.getUser(uaid), before);
      });
    }

    it("of a bridged app's record returns it and changes nothing", async () => {
      const routerData = { token: 'device-token', app_id: 'org.example' };
      const uaid = await t.user({ connectedAt: 1000, nodeId: null, routerType: 'fcm', routerData });
      const before = await t.store.getUser(uaid);
      t.clock.advance(10);
      assert.deepEqual(await t.store.connectUser(uaid, 2000, 'http://node-a'), { outcome: 'bridged', user: before });
      assert.deepEqual(await t.store.getUser(uaid), before);
    });

    it('keeps the record alive', async () => {
      const halfTtl = (ROUTER_TTL_DAYS / 2) * DAY_MS;
      const uaid = await t.user({ connectedAt: 1 });
      t.clock.advance(halfTtl + DAY_MS);
      assert.equal((await t.store.connectUser(uaid, 2, 'http://node-a')).outcome, 'connected');
      t.clock.advance(halfTtl + DAY_MS);
      assert.notEqual(await t.store.getUser(uaid), null);
    });

    describe('whether messages may be stored', () => {
      let connectedAt = 1;
      const mayHaveMessages = async (uaid: string): Promise<boolean> => {
        const hello = await t.store.connectUser(uaid, ++connectedAt, 'http://node-a');
        assert.equal(hello.outcome, 'connected');
        return hello.outcome === 'connected' && hello.mayHaveMessages;
      };

      it('false for a user with nothing stored', async () => {
        const uaid = await t.user({ connectedAt: 0 });
        await t.store.addChannel(uaid, randomUUID());
        assert.equal(await mayHaveMessages(uaid), false);
      });

      it('true with a timestamp message stored, false once the read pointer passed it', async () => {
        const uaid = await t.user({ connectedAt: 0 });
        const key = await t.store.saveMessage(uaid, t.message());
        assert.equal(await mayHaveMessages(uaid), true);
        await t.store.incrementStorage(uaid, key);
        assert.equal(await mayHaveMessages(uaid), false);
      });

      it('true with a topic message stored, false once it was removed', async () => {
        const uaid = await t.user({ connectedAt: 0 });
        const m = t.message({ topic: 'news' });
        await t.store.saveMessage(uaid, m);
        assert.equal(await mayHaveMessages(uaid), true);
        assert.equal(await t.store.removeMessage(uaid, m.version), true);
        assert.equal(await mayHaveMessages(uaid), false);
      });

      it("true for another user's hello only when that user has messages", async () => {
        const busy = await t.user({ connectedAt: 0 });
        const idle = await t.user({ connectedAt: 0 });
        await t.store.saveMessage(busy, t.message());
        assert.equal(await mayHaveMessages(idle), false);
        assert.equal(await mayHaveMessages(busy), true);
      });
    });
  });
}

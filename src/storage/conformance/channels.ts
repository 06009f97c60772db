/** Channel registrations of a user agent: docs/protocol.md#storage-semantics. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { type Fixture } from './fixture.js';

export function channelCases(t: Fixture): void {
  describe('channels', () => {
    it('getChannels of an unknown uaid is empty', async () => {
      assert.deepEqual(await t.store.getChannels(t.newUaid()), new Set());
    });

    it('addChannel makes hasChannel true and getChannels list it', async () => {
      const uaid = await t.user();
      const [a, b] = [randomUUID(), randomUUID()];
      await t.store.addChannel(uaid, a);
      await t.store.addChannel(uaid, b);
      assert.equal(await t.store.hasChannel(uaid, a), true);
      assert.deepEqual(await t.store.getChannels(uaid), new Set([a, b]));
    });

    it('adding a channel twice is idempotent', async () => {
      const uaid = await t.user();
      const chid = randomUUID();
      await t.store.addChannel(uaid, chid);
      await t.store.addChannel(uaid, chid);
      assert.deepEqual(await t.store.getChannels(uaid), new Set([chid]));
    });

    it("hasChannel is false for an unknown channel and for another user's channel", async () => {
      const uaid = await t.user();
      const other = await t.user();
      const chid = randomUUID();
      await t.store.addChannel(other, chid);
      assert.equal(await t.store.hasChannel(uaid, randomUUID()), false);
      assert.equal(await t.store.hasChannel(uaid, chid), false);
      assert.equal((await t.store.getChannels(uaid)).size, 0);
    });

    it('removeChannel returns true when the channel existed, and it is gone after', async () => {
      const uaid = await t.user();
      const [a, b] = [randomUUID(), randomUUID()];
      await t.store.addChannel(uaid, a);
      await t.store.addChannel(uaid, b);
      assert.equal(await t.store.removeChannel(uaid, a), true);
      assert.equal(await t.store.hasChannel(uaid, a), false);
      assert.deepEqual(await t.store.getChannels(uaid), new Set([b]));
      assert.equal(await t.store.removeChannel(uaid, a), false, 'a second remove finds nothing');
    });

    it('removeChannel of an unknown channel or uaid returns false', async () => {
      const uaid = await t.user();
      assert.equal(await t.store.removeChannel(uaid, randomUUID()), false);
      assert.equal(await t.store.removeChannel(t.newUaid(), randomUUID()), false);
    });

    it("removeChannel leaves the channel's stored messages alone", async () => {
      const uaid = await t.user();
      const chid = randomUUID();
      await t.store.addChannel(uaid, chid);
      await t.store.saveMessage(uaid, t.message({ channelID: chid }));
      await t.store.removeChannel(uaid, chid);
      assert.equal(await t.store.countMessages(uaid), 1);
    });

    it('lookupChannel returns the router record with whether the channel is registered', async () => {
      const uaid = await t.user();
      const other = await t.user();
      const [mine, theirs] = [randomUUID(), randomUUID()];
      await t.store.addChannel(uaid, mine);
      await t.store.addChannel(other, theirs);
      const found = await t.store.lookupChannel(uaid, mine);
      assert.deepEqual(found, { user: await t.store.getUser(uaid), channelExists: true });
      assert.deepEqual(await t.store.lookupChannel(uaid, theirs), { user: await t.store.getUser(uaid), channelExists: false });
      assert.equal((await t.store.lookupChannel(uaid, randomUUID()))?.channelExists, false);
      await t.store.removeChannel(uaid, mine);
      assert.equal((await t.store.lookupChannel(uaid, mine))?.channelExists, false);
    });

    it('lookupChannel of an unknown or removed uaid is null', async () => {
      assert.equal(await t.store.lookupChannel(t.newUaid(), randomUUID()), null);
      const uaid = await t.user();
      const chid = randomUUID();
      await t.store.addChannel(uaid, chid);
      await t.store.removeUser(uaid);
      assert.equal(await t.store.lookupChannel(uaid, chid), null);
    });
  });
}

/** Router records (hello, takeover, delete) and router-record expiry: docs/protocol.md#storage-check, docs/protocol.md#hello. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { UnknownUserError, USER_RECORD_VERSION } from '../store.js';
import { DAY_MS, type Fixture, ROUTER_TTL_DAYS } from './fixture.js';

export function routerRecordCases(t: Fixture): void {
  describe('router records', () => {
    it('getUser returns null for an unknown uaid', async () => {
      assert.equal(await t.store.getUser(t.newUaid()), null);
    });

    it('addUser creates the record with defaults: webpush, current record version, pointer 0, lastUpdate now', async () => {
      const uaid = t.newUaid();
      assert.equal(await t.store.addUser({ uaid, connectedAt: 1234, nodeId: 'http://node-a:8081' }), true);
      assert.deepEqual(await t.store.getUser(uaid), {
        uaid,
        connectedAt: 1234,
        routerType: 'webpush',
        nodeId: 'http://node-a:8081',
        recordVersion: USER_RECORD_VERSION,
        currentTimestamp: 0,
        lastUpdate: t.clock.now(),
        routerData: null,
      });
    });

    it('addUser keeps a given routerType, recordVersion, currentTimestamp and a null nodeId', async () => {
      const uaid = await t.user({ routerType: 'fcm', recordVersion: 0, currentTimestamp: 77, nodeId: null });
      const got = await t.store.getUser(uaid);
      assert.equal(got?.routerType, 'fcm');
      assert.equal(got?.recordVersion, 0);
      assert.equal(got?.currentTimestamp, 77);
      assert.equal(got?.nodeId, null);
    });

    it('addUser of an existing uaid returns false and leaves the first record unchanged', async () => {
      const uaid = await t.user({ connectedAt: 1000, nodeId: 'http://first' });
      const before = await t.store.getUser(uaid);
      t.clock.advance(5000);
      assert.equal(await t.store.addUser({ uaid, connectedAt: 2000, nodeId: 'http://second', routerType: 'fcm' }), false);
      assert.deepEqual(await t.store.getUser(uaid), before);
    });

    it('removeUser deletes the record, its channels and its messages', async () => {
      const uaid = await t.user();
      const chid = randomUUID();
      await t.store.addChannel(uaid, chid);
      await t.store.saveMessage(uaid, t.message({ channelID: chid }));
      await t.store.saveMessage(uaid, t.message({ channelID: chid, topic: 'news' }));
      await t.store.removeUser(uaid);
      assert.equal(await t.store.getUser(uaid), null);
      assert.equal(await t.store.hasChannel(uaid, chid), false);
      assert.equal((await t.store.getChannels(uaid)).size, 0);
      assert.equal(await t.store.countMessages(uaid), 0);
      // A new record under the same uaid starts empty: nothing of the old one comes back.
      await t.user({ uaid });
      assert.equal((await t.store.getChannels(uaid)).size, 0);
      assert.deepEqual(await t.store.fetchTimestampMessages(uaid, 0, 10), []);
      assert.deepEqual(await t.store.fetchTopicMessages(uaid, 10), []);
    });

    it('removeUser leaves other users alone', async () => {
      const gone = await t.user();
      const kept = await t.user();
      await t.store.addChannel(kept, 'c0ffee00-0000-4000-8000-000000000001');
      await t.store.saveMessage(kept, t.message());
      await t.store.removeUser(gone);
      assert.notEqual(await t.store.getUser(kept), null);
      assert.equal((await t.store.getChannels(kept)).size, 1);
      assert.equal(await t.store.countMessages(kept), 1);
    });

    it('removeUser of an unknown uaid does not throw', async () => {
      await t.store.removeUser(t.newUaid());
    });

    it('removeNodeId clears nodeId when both nodeId and connectedAt still match', async () => {
      const uaid = await t.user({ connectedAt: 1000, nodeId: 'http://node-a' });
      assert.equal(await t.store.removeNodeId(uaid, 'http://node-a', 1000), true);
      const got = await t.store.getUser(uaid);
      assert.equal(got?.nodeId, null);
      assert.equal(got?.connectedAt, 1000);
    });

    it('removeNodeId refuses when the record now names another node', async () => {
      const uaid = await t.user({ connectedAt: 1000, nodeId: 'http://node-a' });
      assert.equal(await t.store.removeNodeId(uaid, 'http://node-b', 1000), false);
      assert.equal((await t.store.getUser(uaid))?.nodeId, 'http://node-a');
    });

    it('removeNodeId refuses when the record was taken over by a newer hello on the same node', async () => {
      const uaid = await t.user({ connectedAt: 1000, nodeId: 'http://node-a' });
      assert.equal((await t.store.connectUser(uaid, 2000, 'http://node-a')).outcome, 'connected');
      assert.equal(await t.store.removeNodeId(uaid, 'http://node-a', 1000), false);
      assert.equal((await t.store.getUser(uaid))?.nodeId, 'http://node-a');
    });

    it('removeNodeId of an unknown uaid returns false', async () => {
      assert.equal(await t.store.removeNodeId(t.newUaid(), 'http://node-a', 1000), false);
    });
  });

  describe('router TTL', () => {
    const pastTtl = (ROUTER_TTL_DAYS + 1) * DAY_MS;
    const halfTtl = (ROUTER_TTL_DAYS / 2) * DAY_MS;

    it('getUser returns null for a record unseen for longer than the router TTL', async () => {
      const uaid = await t.user();
      t.clock.advance(ROUTER_TTL_DAYS * DAY_MS - 1000);
      assert.notEqual(await t.store.getUser(uaid), null, 'still live just inside the TTL');
      t.clock.advance(2 * DAY_MS);
      assert.equal(await t.store.getUser(uaid), null);
    });

    it('lookupChannel is null for a record unseen for longer than the router TTL', async () => {
      const uaid = await t.user();
      const chid = randomUUID();
      await t.store.addChannel(uaid, chid);
      t.clock.advance(ROUTER_TTL_DAYS * DAY_MS - 1000);
      assert.equal((await t.store.lookupChannel(uaid, chid))?.channelExists, true, 'still live just inside the TTL');
      t.clock.advance(2 * DAY_MS);
      assert.equal(await t.store.lookupChannel(uaid, chid), null);
    });

    it('incrementStorage keeps the record alive', async () => {
      const uaid = await t.user();
      const key = await t.store.saveMessage(uaid, t.message({ ttl: 365 * 86400 }));
      t.clock.advance(halfTtl + DAY_MS);
      await t.store.incrementStorage(uaid, key);
      t.clock.advance(halfTtl + DAY_MS);
      assert.notEqual(await t.store.getUser(uaid), null);
    });

    it('addChannel (a register) keeps the record alive', async () => {
      const uaid = await t.user();
      t.clock.advance(halfTtl + DAY_MS);
      await t.store.addChannel(uaid, randomUUID());
      t.clock.advance(halfTtl + DAY_MS);
      assert.equal((await t.store.getUser(uaid))?.lastUpdate, t.clock.now() - halfTtl - DAY_MS);
    });

    it('addChannel and incrementStorage do not bring an expired record back', async () => {
      const uaid = await t.user();
      const key = await t.store.saveMessage(uaid, t.message({ ttl: 365 * 86400 }));
      t.clock.advance(pastTtl);
      await t.store.addChannel(uaid, randomUUID());
      await t.store.incrementStorage(uaid, key);
      assert.equal(await t.store.getUser(uaid), null);
    });

    it('addUser over an expired record succeeds and starts with no channels or messages', async () => {
      const uaid = await t.user();
      await t.store.addChannel(uaid, randomUUID());
      await t.store.saveMessage(uaid, t.message({ ttl: 365 * 86400 }));
      t.clock.advance(pastTtl);
      assert.equal(await t.store.addUser({ uaid, connectedAt: t.clock.now(), nodeId: null }), true);
      assert.equal((await t.store.getChannels(uaid)).size, 0);
      assert.equal(await t.store.countMessages(uaid), 0);
      assert.equal((await t.store.getUser(uaid))?.lastUpdate, t.clock.now());
    });

    it('saveMessage for an expired record throws UnknownUserError', async () => {
      const uaid = await t.user();
      t.clock.advance(pastTtl);
      await assert.rejects(t.store.saveMessage(uaid, t.message()), UnknownUserError);
    });
  });
}

/** Bridged users' router type and data (docs/bridges.md): what the registration API writes. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DAY_MS, type Fixture, ROUTER_TTL_DAYS } from './fixture.js';

const FCM_DATA = { token: 'fcm-device-token-1', app_id: 'org.example.app' };
const APNS_DATA = { token: 'a1b2c3d4e5f6', rel_channel: 'firefox', aps: { 'mutable-content': 1, alert: { 'loc-key': 'x' } } };

export function bridgeRecordCases(t: Fixture): void {
  describe('bridge records', () => {
    it('addUser keeps the router type and router data, nested JSON included', async () => {
      const uaid = await t.user({ routerType: 'apns', routerData: APNS_DATA, nodeId: null });
      const got = await t.store.getUser(uaid);
      assert.equal(got?.routerType, 'apns');
      assert.deepEqual(got?.routerData, APNS_DATA);
    });

    it('lookupChannel carries the router type and data, as getUser does (the push path reads only this)', async () => {
      const uaid = await t.user({ routerType: 'apns', routerData: APNS_DATA, nodeId: null });
      await t.store.addChannel(uaid, 'c1');
      const found = await t.store.lookupChannel(uaid, 'c1');
      assert.equal(found?.channelExists, true);
      assert.equal(found?.user.routerType, 'apns');
      assert.deepEqual(found?.user.routerData, APNS_DATA);
      assert.deepEqual(found?.user, await t.store.getUser(uaid));
    });

    it('a user added without router data reads back null', async () => {
      const uaid = await t.user();
      assert.equal((await t.store.getUser(uaid))?.routerData, null);
    });

    it('updateRouter replaces the type and data, and moves lastUpdate to now', async () => {
      const uaid = await t.user({ routerType: 'fcm', routerData: FCM_DATA, nodeId: null });
      t.clock.advance(5000);
      const fresh = { token: 'fcm-device-token-2', app_id: 'org.example.app' };
      assert.equal(await t.store.updateRouter(uaid, 'gcm', fresh), true);
      const got = await t.store.getUser(uaid);
      assert.equal(got?.routerType, 'gcm');
      assert.deepEqual(got?.routerData, fresh);
      assert.equal(got?.lastUpdate, t.clock.now());
    });

    it('updateRouter keeps channels and the rest of the record', async () => {
      const uaid = await t.user({ routerType: 'fcm', routerData: FCM_DATA, nodeId: null, connectedAt: 1234 });
      await t.store.addChannel(uaid, 'c1');
      assert.equal(await t.store.updateRouter(uaid, 'fcm', { ...FCM_DATA, token: 'other-token' }), true);
      assert.deepEqual(await t.store.getChannels(uaid), new Set(['c1']));
      assert.equal((await t.store.getUser(uaid))?.connectedAt, 1234);
    });

    it('updateRouter with null data clears it', async () => {
      const uaid = await t.user({ routerType: 'stub', routerData: FCM_DATA });
      assert.equal(await t.store.updateRouter(uaid, 'webpush', null), true);
      const got = await t.store.getUser(uaid);
      assert.equal(got?.routerType, 'webpush');
      assert.equal(got?.routerData, null);
    });

    it('updateRouter of an unknown uaid returns false and creates nothing', async () => {
      const uaid = t.newUaid();
      assert.equal(await t.store.updateRouter(uaid, 'fcm', FCM_DATA), false);
      assert.equal(await t.store.getUser(uaid), null);
    });

    it('updateRouter of an expired record returns false and does not revive it', async () => {
      const uaid = await t.user({ routerType: 'fcm', routerData: FCM_DATA });
      t.clock.advance(ROUTER_TTL_DAYS * DAY_MS + 1000);
      assert.equal(await t.store.updateRouter(uaid, 'fcm', FCM_DATA), false);
      assert.equal(await t.store.getUser(uaid), null);
    });

    it('updateRouter keeps a record alive past the router TTL counted from its creation', async () => {
      const uaid = await t.user({ routerType: 'fcm', routerData: FCM_DATA });
      t.clock.advance((ROUTER_TTL_DAYS - 1) * DAY_MS);
      assert.equal(await t.store.updateRouter(uaid, 'fcm', FCM_DATA), true);
      t.clock.advance(2 * DAY_MS);
      assert.deepEqual((await t.store.getUser(uaid))?.routerData, FCM_DATA);
    });

    it('removeUser deletes a bridged user and its data', async () => {
      const uaid = await t.user({ routerType: 'fcm', routerData: FCM_DATA });
      await t.store.addChannel(uaid, 'c1');
      await t.store.removeUser(uaid);
      assert.equal(await t.store.getUser(uaid), null);
      assert.equal(await t.store.hasChannel(uaid, 'c1'), false);
    });
  });
}

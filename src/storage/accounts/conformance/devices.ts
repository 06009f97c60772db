/** The device registry (docs/device-messages.md#device-registry, docs/device-messages.md#account-push-events): AccountStore's second half. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AccountFixture } from './fixture.js';
import { hex, newSessionId, samplePush } from './fixture.js';

export function deviceCases(f: AccountFixture): void {
  describe('devices', () => {
    it('stores a device as given, with pushEndpointExpired false and its session access time', async () => {
      const uid = await f.account();
      const commands = { 'https://identity.mozilla.com/cmd/open-uri': JSON.stringify({ kid: 'ab', IV: 'x'.repeat(24) }) + 'é'.repeat(300) };
      const device = await f.device(uid, { name: 'Ünïcode ☃ phone', type: 'mobile', capabilities: ['messages', 'x'], availableCommands: commands });
      const got = await f.store.getDevice(uid, device.id);
      assert.deepEqual(got, { ...device, pushEndpointExpired: false, lastAccessTime: f.clock.now() });
    });

    it('stores a device without a push subscription', async () => {
      const uid = await f.account();
      const device = await f.device(uid, { push: null, capabilities: [] });
      assert.equal((await f.store.getDevice(uid, device.id))?.push, null);
    });

    it('refuses a second device on one session, a session of another account, an unknown session and a taken id', async () => {
      const uid = await f.account();
      const other = await f.account();
      const first = await f.device(uid);
      const base = { uid, name: 'n', type: 'desktop', createdAt: 1, push: null, capabilities: [], availableCommands: {} };
      assert.equal(await f.store.createDevice({ ...base, id: hex(16), sessionId: first.sessionId }), false, 'session has a device');
      assert.equal(await f.store.createDevice({ ...base, id: hex(16), sessionId: await f.session(other) }), false, 'other account');
      assert.equal(await f.store.createDevice({ ...base, id: hex(16), sessionId: newSessionId() }), false, 'unknown session');
      assert.equal(await f.store.createDevice({ ...base, id: first.id, sessionId: await f.session(uid) }), false, 'taken id');
      assert.equal((await f.store.listDevices(uid)).length, 1);
    });

    it('hides devices of other accounts', async () => {
      const uid = await f.account();
      const other = await f.account();
      const device = await f.device(other);
      assert.equal(await f.store.getDevice(uid, device.id), null);
      assert.equal(await f.store.updateDevice(uid, device.id, { name: 'stolen' }), null);
      assert.equal(await f.store.deleteDevice(uid, device.id), false);
      assert.equal(await f.store.markPushEndpointExpired(uid, device.id, device.push!.callback), false);
      assert.equal((await f.store.getDevice(other, device.id))?.name, 'Laptop');
    });

    it('lists an account\'s devices oldest first', async () => {
      const uid = await f.account();
      const a = await f.device(uid, { name: 'a' });
      f.clock.advance(10);
      const b = await f.device(uid, { name: 'b' });
      await f.device(await f.account());
      assert.deepEqual((await f.store.listDevices(uid)).map((d) => d.id), [a.id, b.id]);
    });

    it('reports the lastAccessTime of the device\'s session', async () => {
      const uid = await f.account();
      const device = await f.device(uid);
      await f.store.touchSession(device.sessionId, f.clock.now() + 42_000);
      assert.equal((await f.store.getDevice(uid, device.id))?.lastAccessTime, f.clock.now() + 42_000);
      assert.equal((await f.store.listDevices(uid))[0]?.lastAccessTime, f.clock.now() + 42_000);
    });

    it('updates only the fields a patch names', async () => {
      const uid = await f.account();
      const device = await f.device(uid, { availableCommands: { a: '1' } });
      const renamed = await f.store.updateDevice(uid, device.id, { name: 'Renamed' });
      assert.equal(renamed?.name, 'Renamed');
      assert.deepEqual(renamed?.push, device.push);
      assert.deepEqual(renamed?.availableCommands, { a: '1' });
      const changed = await f.store.updateDevice(uid, device.id, { type: 'tablet', capabilities: [], availableCommands: { b: '2' } });
      assert.deepEqual(await f.store.getDevice(uid, device.id), changed);
      assert.equal(changed?.type, 'tablet');
      assert.deepEqual(changed?.capabilities, []);
      assert.deepEqual(changed?.availableCommands, { b: '2' });
      assert.equal(changed?.name, 'Renamed');
      assert.equal(await f.store.updateDevice(uid, hex(16), { name: 'x' }), null);
    });

    it('clears the push subscription with push: null', async () => {
      const uid = await f.account();
      const device = await f.device(uid);
      assert.equal((await f.store.updateDevice(uid, device.id, { push: null }))?.push, null);
      assert.equal((await f.store.getDevice(uid, device.id))?.push, null);
    });

    it('marks the push endpoint expired only while the failing callback is still the device\'s', async () => {
      const uid = await f.account();
      const device = await f.device(uid);
      assert.equal(await f.store.markPushEndpointExpired(uid, device.id, 'https://push.example.com/old'), false);
      assert.equal((await f.store.getDevice(uid, device.id))?.pushEndpointExpired, false);
      assert.equal(await f.store.markPushEndpointExpired(uid, device.id, device.push!.callback), true);
      assert.equal((await f.store.getDevice(uid, device.id))?.pushEndpointExpired, true);
    });

    it('keeps the expired flag when the same callback is registered again, and clears it for a new one', async () => {
      const uid = await f.account();
      const device = await f.device(uid);
      await f.store.markPushEndpointExpired(uid, device.id, device.push!.callback);
      assert.equal((await f.store.updateDevice(uid, device.id, { push: device.push, name: 'x' }))?.pushEndpointExpired, true);
      assert.equal((await f.store.updateDevice(uid, device.id, { name: 'y' }))?.pushEndpointExpired, true);
      const fresh = samplePush(2);
      const updated = await f.store.updateDevice(uid, device.id, { push: fresh });
      assert.equal(updated?.pushEndpointExpired, false);
      assert.deepEqual((await f.store.getDevice(uid, device.id))?.push, fresh);
    });

    it('deletes a device together with its session', async () => {
      const uid = await f.account();
      const device = await f.device(uid);
      assert.equal(await f.store.deleteDevice(uid, device.id), true);
      assert.equal(await f.store.getDevice(uid, device.id), null);
      assert.equal(await f.store.getSession(device.sessionId), null, 'the device\'s session ends with it');
      assert.equal(await f.store.deleteDevice(uid, device.id), false);
    });
  });

  describe('account stores sharing one database', () => {
    it('see each other\'s writes', async (t) => {
      if (f.notShared) return t.skip(f.notShared);
      const second = await f.open();
      const uid = await f.account();
      const device = await f.device(uid);
      assert.equal((await second.getDevice(uid, device.id))?.id, device.id);
      assert.equal(await second.deleteSession(device.sessionId), true);
      assert.equal(await f.store.getDevice(uid, device.id), null);
    });
  });
}

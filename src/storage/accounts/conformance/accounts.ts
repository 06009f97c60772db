/** Accounts and sessions (docs/device-messages.md#accounts-and-sessions): AccountStore's first half. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AccountFixture } from './fixture.js';
import { newSessionId, newUid } from './fixture.js';

export function accountCases(f: AccountFixture): void {
  describe('accounts', () => {
    it('creates an account and finds it by uid and by email', async () => {
      const uid = newUid();
      const account = { uid, email: `${uid}@example.com`, passwordHash: 'scrypt$x', displayName: 'Ann', createdAt: f.clock.now() };
      assert.equal(await f.store.createAccount(account), true);
      assert.deepEqual(await f.store.getAccount(uid), { ...account, emailVerified: false });
      assert.deepEqual(await f.store.findAccountByEmail(account.email), { ...account, emailVerified: false });
      assert.equal(await f.store.getAccount(newUid()), null);
      assert.equal(await f.store.findAccountByEmail('nobody@example.com'), null);
    });

    it('refuses a second account with a taken email and keeps the first unchanged', async () => {
      const uid = await f.account();
      const email = `${uid}@example.com`;
      const other = newUid();
      assert.equal(await f.store.createAccount({ uid: other, email, passwordHash: 'other', displayName: null, createdAt: 1 }), false);
      assert.equal((await f.store.findAccountByEmail(email))?.uid, uid);
      assert.equal(await f.store.getAccount(other), null);
    });

    it('updates the password hash and the display name, and says false for an unknown account', async () => {
      const uid = await f.account();
      assert.equal(await f.store.updateAccount(uid, { passwordHash: 'new-hash' }), true);
      assert.equal(await f.store.updateAccount(uid, { displayName: 'Bea' }), true);
      const got = await f.store.getAccount(uid);
      assert.equal(got?.passwordHash, 'new-hash');
      assert.equal(got?.displayName, 'Bea');
      assert.equal(await f.store.updateAccount(newUid(), { displayName: 'x' }), false);
    });

    it('deletes an account with its sessions and devices, leaving other accounts alone', async () => {
      const uid = await f.account();
      const other = await f.account();
      const session = await f.session(uid);
      const device = await f.device(uid);
      const otherDevice = await f.device(other);
      assert.equal(await f.store.deleteAccount(uid), true);
      assert.equal(await f.store.getAccount(uid), null);
      assert.equal(await f.store.getSession(session), null);
      assert.equal(await f.store.getSession(device.sessionId), null);
      assert.deepEqual(await f.store.listDevices(uid), []);
      assert.equal((await f.store.getDevice(other, otherDevice.id))?.id, otherDevice.id);
      assert.equal(await f.store.deleteAccount(uid), false);
    });
  });

  describe('sessions', () => {
    it('creates a session only for an existing account', async () => {
      assert.equal(await f.store.createSession({ id: newSessionId(), uid: newUid(), createdAt: f.clock.now() }), false);
      const uid = await f.account();
      const id = newSessionId();
      assert.equal(await f.store.createSession({ id, uid, createdAt: f.clock.now() }), true);
      assert.deepEqual(await f.store.getSession(id), { id, uid, createdAt: f.clock.now(), lastAccessTime: f.clock.now(), deviceId: null, verified: true });
      assert.equal(await f.store.createSession({ id, uid, createdAt: f.clock.now() }), false, 'a taken id');
    });

    it('names the device bound to a session', async () => {
      const uid = await f.account();
      const device = await f.device(uid);
      assert.equal((await f.store.getSession(device.sessionId))?.deviceId, device.id);
    });

    it('moves lastAccessTime forward, never back', async () => {
      const uid = await f.account();
      const id = await f.session(uid);
      const t0 = f.clock.now();
      await f.store.touchSession(id, t0 + 5000);
      assert.equal((await f.store.getSession(id))?.lastAccessTime, t0 + 5000);
      await f.store.touchSession(id, t0 + 1000);
      assert.equal((await f.store.getSession(id))?.lastAccessTime, t0 + 5000);
      await f.store.touchSession(newSessionId(), t0); // unknown: no error
    });

    it('deletes a session together with its device', async () => {
      const uid = await f.account();
      const device = await f.device(uid);
      const kept = await f.device(uid);
      assert.equal(await f.store.deleteSession(device.sessionId), true);
      assert.equal(await f.store.getSession(device.sessionId), null);
      assert.equal(await f.store.getDevice(uid, device.id), null);
      assert.deepEqual((await f.store.listDevices(uid)).map((d) => d.id), [kept.id]);
      assert.equal(await f.store.deleteSession(device.sessionId), false);
    });
  });
}

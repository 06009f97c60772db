/**
 * Account security storage (docs/accounts.md): email verification, one-time codes with counted
 * attempts, per-account secrets, sessions that owe a second step, signing out other sessions.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AccountFixture } from './fixture.js';
import { newSessionId, newUid } from './fixture.js';

export function securityCases(f: AccountFixture): void {
  describe('account security', () => {
    it('starts unverified (unless created verified) and records a verified email', async () => {
      const uid = await f.account();
      assert.equal((await f.store.getAccount(uid))?.emailVerified, false);
      assert.equal(await f.store.updateAccount(uid, { emailVerified: true }), true);
      assert.equal((await f.store.getAccount(uid))?.emailVerified, true);
      assert.equal((await f.store.findAccountByEmail(`${uid}@example.com`))?.emailVerified, true);
      await f.store.updateAccount(uid, { displayName: 'x' });
      assert.equal((await f.store.getAccount(uid))?.emailVerified, true, 'other changes keep it');
      const other = newUid();
      await f.store.createAccount({ uid: other, email: `${other}@example.com`, passwordHash: 'h', displayName: null, createdAt: 1, emailVerified: true });
      assert.equal((await f.store.getAccount(other))?.emailVerified, true);
    });

    it('keeps one code per purpose, counts every attempt atomically, and deletes it for one caller only', async () => {
      const uid = await f.account();
      const code = { uid, purpose: 'verify-email', codeHash: 'h1', expiresAt: 5000, attempts: 0, data: null };
      assert.equal(await f.store.putCode(code), true);
      assert.equal(await f.store.putCode({ ...code, uid: newUid() }), false, 'no code without an account');
      assert.deepEqual(await f.store.attemptCode(uid, 'verify-email'), { ...code, attempts: 1 });
      const counted = await Promise.all([1, 2, 3, 4].map(() => f.store.attemptCode(uid, 'verify-email')));
      assert.deepEqual(counted.map((c) => c?.attempts).sort(), [2, 3, 4, 5], 'concurrent attempts each count once');
      assert.equal(await f.store.attemptCode(uid, 'reset-password'), null, 'purposes are apart');
      await f.store.putCode({ ...code, codeHash: 'h2', data: 'payload' });
      assert.deepEqual(await f.store.attemptCode(uid, 'verify-email'), { ...code, codeHash: 'h2', data: 'payload', attempts: 1 }, 'a new code starts again');
      const deleted = await Promise.all([f.store.deleteCode(uid, 'verify-email'), f.store.deleteCode(uid, 'verify-email')]);
      assert.deepEqual(deleted.sort(), [false, true]);
      assert.equal(await f.store.attemptCode(uid, 'verify-email'), null);
    });

    it('sets, replaces and deletes per-account secrets, and deletes codes and secrets with the account', async () => {
      const uid = await f.account();
      assert.equal(await f.store.getAccountSecret(uid, 'totp'), null);
      assert.equal(await f.store.setAccountSecret(uid, 'totp', 'one'), true);
      assert.equal(await f.store.setAccountSecret(uid, 'totp', 'two'), true);
      assert.equal(await f.store.setAccountSecret(uid, 'recovery', 'r'), true);
      assert.equal(await f.store.getAccountSecret(uid, 'totp'), 'two');
      assert.equal(await f.store.setAccountSecret(uid, 'totp', null), true);
      assert.equal(await f.store.getAccountSecret(uid, 'totp'), null);
      assert.equal(await f.store.getAccountSecret(uid, 'recovery'), 'r');
      assert.equal(await f.store.setAccountSecret(newUid(), 'totp', 'x'), false);
      await f.store.putCode({ uid, purpose: 'p', codeHash: 'h', expiresAt: 1, attempts: 0, data: null });
      await f.store.deleteAccount(uid);
      assert.equal(await f.store.getAccountSecret(uid, 'recovery'), null);
      assert.equal(await f.store.attemptCode(uid, 'p'), null);
    });

    it('creates sessions verified or not, and verifies one', async () => {
      const uid = await f.account();
      const plain = await f.session(uid);
      assert.equal((await f.store.getSession(plain))?.verified, true);
      const id = newSessionId();
      assert.equal(await f.store.createSession({ id, uid, createdAt: 1, verified: false }), true);
      assert.equal((await f.store.getSession(id))?.verified, false);
      assert.equal(await f.store.verifySession(id), true);
      assert.equal((await f.store.getSession(id))?.verified, true);
      assert.equal(await f.store.verifySession(newSessionId()), false);
    });

    it('signs out every other session of the account with its device, and returns those devices', async () => {
      const uid = await f.account();
      const other = await f.account();
      const keep = await f.session(uid);
      const kept = await f.device(uid, { sessionId: keep });
      const a = await f.device(uid);
      const b = await f.device(uid);
      const idle = await f.session(uid);
      const foreign = await f.device(other);
      const gone = await f.store.deleteOtherSessions(uid, keep);
      assert.deepEqual(gone.sort(), [a.id, b.id].sort());
      assert.equal(await f.store.getSession(idle), null);
      assert.equal(await f.store.getSession(a.sessionId), null);
      assert.equal(await f.store.getDevice(uid, a.id), null);
      assert.equal((await f.store.getSession(keep))?.deviceId, kept.id);
      assert.equal((await f.store.getDevice(other, foreign.id))?.id, foreign.id, 'other accounts untouched');
      assert.deepEqual((await f.store.listDevices(uid)).map((d) => d.id), [kept.id]);
      assert.deepEqual(await f.store.deleteOtherSessions(uid, null), [kept.id], 'null: every session');
      assert.equal(await f.store.getSession(keep), null);
    });

    it('records security events newest first, keeps only the newest, and deletes them with the account', async () => {
      const uid = await f.account();
      for (let i = 1; i <= 5; i++) await f.store.addSecurityEvent(uid, { kind: `k${i}`, at: i, ip: i % 2 ? '192.0.2.1' : null }, 3);
      assert.deepEqual(await f.store.listSecurityEvents(uid), [
        { kind: 'k5', at: 5, ip: '192.0.2.1' },
        { kind: 'k4', at: 4, ip: null },
        { kind: 'k3', at: 3, ip: '192.0.2.1' },
      ]);
      await Promise.all([6, 7, 8, 9].map((i) => f.store.addSecurityEvent(uid, { kind: `k${i}`, at: i, ip: null }, 3)));
      assert.equal((await f.store.listSecurityEvents(uid)).length, 3, 'concurrent events trim too');
      const nobody = newUid();
      await f.store.addSecurityEvent(nobody, { kind: 'x', at: 1, ip: null }, 3);
      assert.deepEqual(await f.store.listSecurityEvents(nobody), []);
      await f.store.deleteAccount(uid);
      assert.deepEqual(await f.store.listSecurityEvents(uid), []);
    });
  });
}

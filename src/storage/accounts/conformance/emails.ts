/**
 * Secondary email addresses and the compare-and-set of one-time secrets (docs/accounts.md
 * "Secondary emails", "Two-step authentication"): every backend keeps an address unique across all
 * primaries and secondaries, bounds the count, swaps a primary atomically, and lets exactly one of
 * concurrent writers consume a secret.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AccountFixture } from './fixture.js';
import { newUid } from './fixture.js';

export function emailCases(f: AccountFixture): void {
  describe('secondary emails', () => {
    it('adds, lists, verifies and removes secondary addresses, bounded per account', async () => {
      const uid = await f.account();
      const b = `b-${uid}@example.com`;
      const a = `a-${uid}@example.com`;
      assert.equal(await f.store.addSecondaryEmail(uid, b, 20, 2), 'added');
      assert.equal(await f.store.addSecondaryEmail(uid, a, 10, 2), 'added');
      assert.equal(await f.store.addSecondaryEmail(uid, `c-${uid}@example.com`, 30, 2), 'limit');
      assert.deepEqual(await f.store.listSecondaryEmails(uid), [
        { email: a, verified: false, createdAt: 10 },
        { email: b, verified: false, createdAt: 20 },
      ]);
      assert.equal(await f.store.verifySecondaryEmail(uid, b), true);
      assert.equal(await f.store.verifySecondaryEmail(uid, `x-${uid}@example.com`), false);
      assert.equal((await f.store.listSecondaryEmails(uid))[1]?.verified, true);
      assert.equal(await f.store.findSecondaryEmailOwner(b), uid);
      assert.equal(await f.store.findAccountByEmail(b), null, 'a secondary is not a sign-in address');
      assert.equal(await f.store.removeSecondaryEmail(uid, b), true);
      assert.equal(await f.store.removeSecondaryEmail(uid, b), false);
      assert.equal(await f.store.findSecondaryEmailOwner(b), null);
      assert.equal(await f.store.addSecondaryEmail(newUid(), `n-${uid}@example.com`, 1, 5), 'no-account');
      assert.deepEqual(await f.store.listSecondaryEmails(newUid()), []);
    });

    it('refuses an address that is any account primary or secondary, and frees it when removed or deleted', async () => {
      const one = await f.account();
      const two = await f.account();
      const extra = `extra-${one}@example.com`;
      assert.equal(await f.store.addSecondaryEmail(one, `${one}@example.com`, 1, 5), 'taken', 'its own primary');
      assert.equal(await f.store.addSecondaryEmail(one, `${two}@example.com`, 1, 5), 'taken', 'another primary');
      const raced = await Promise.all([f.store.addSecondaryEmail(one, extra, 1, 5), f.store.addSecondaryEmail(two, extra, 1, 5)]);
      assert.deepEqual(raced.sort(), ['added', 'taken'], 'two accounts adding one address at once: one wins');
      const owner = (await f.store.findSecondaryEmailOwner(extra)) as string;
      const other = owner === one ? two : one;
      assert.equal(await f.store.addSecondaryEmail(owner, extra, 1, 5), 'taken', 'its own secondary');
      assert.equal(await f.store.createAccount({ uid: newUid(), email: extra, passwordHash: 'h', displayName: null, createdAt: 1 }), false, 'no account with a secondary address');
      await f.store.removeSecondaryEmail(owner, extra);
      assert.equal(await f.store.addSecondaryEmail(other, extra, 1, 5), 'added', 'free again once removed');
      await f.store.deleteAccount(other);
      assert.equal(await f.store.findSecondaryEmailOwner(extra), null);
      const fresh = newUid();
      assert.equal(await f.store.createAccount({ uid: fresh, email: extra, passwordHash: 'h', displayName: null, createdAt: 1 }), true, 'free again once its account is deleted');
      assert.equal((await f.store.findAccountByEmail(extra))?.uid, fresh);
    });

    it('makes a verified secondary the primary, and the old primary a secondary', async () => {
      const uid = await f.account();
      const primary = `${uid}@example.com`;
      const next = `next-${uid}@example.com`;
      await f.store.addSecondaryEmail(uid, next, 5, 5);
      assert.equal(await f.store.makeEmailPrimary(uid, next, 9), false, 'not while unverified');
      assert.equal(await f.store.makeEmailPrimary(uid, `none-${uid}@example.com`, 9), false);
      await f.store.verifySecondaryEmail(uid, next);
      assert.equal(await f.store.makeEmailPrimary(uid, next, 9), true);
      const account = await f.store.getAccount(uid);
      assert.equal(account?.email, next);
      assert.equal(account?.emailVerified, true);
      assert.equal((await f.store.findAccountByEmail(next))?.uid, uid);
      assert.equal(await f.store.findAccountByEmail(primary), null);
      assert.deepEqual(await f.store.listSecondaryEmails(uid), [{ email: primary, verified: false, createdAt: 9 }]);
      assert.equal(await f.store.findSecondaryEmailOwner(primary), uid);
      assert.equal(await f.store.createAccount({ uid: newUid(), email: primary, passwordHash: 'h', displayName: null, createdAt: 1 }), false, 'the old primary stays taken');
    });
  });

  describe('compare-and-set of a secret', () => {
    it('replaces or deletes a secret only while it holds the expected value, for one of concurrent callers', async () => {
      const uid = await f.account();
      await f.store.setAccountSecret(uid, 'totp', 'v1');
      assert.equal(await f.store.compareAndSetAccountSecret(uid, 'totp', 'v0', 'v2'), false);
      const raced = await Promise.all([1, 2, 3, 4].map((i) => f.store.compareAndSetAccountSecret(uid, 'totp', 'v1', `v2-${i}`)));
      assert.equal(raced.filter(Boolean).length, 1, 'exactly one writer wins');
      const now = (await f.store.getAccountSecret(uid, 'totp')) as string;
      assert.match(now, /^v2-\d$/);
      const deleted = await Promise.all([f.store.compareAndSetAccountSecret(uid, 'totp', now, null), f.store.compareAndSetAccountSecret(uid, 'totp', now, null)]);
      assert.deepEqual(deleted.sort(), [false, true]);
      assert.equal(await f.store.getAccountSecret(uid, 'totp'), null);
      assert.equal(await f.store.compareAndSetAccountSecret(uid, 'totp', now, 'x'), false, 'absent is not expected');
      assert.equal(await f.store.compareAndSetAccountSecret(newUid(), 'totp', 'v1', 'x'), false);
    });
  });
}

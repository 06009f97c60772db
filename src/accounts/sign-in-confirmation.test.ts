import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openSqliteAccountStore } from '../storage/accounts/sqlite/sqlite-account-store.js';
import type { AccountsContext } from './context.js';
import { KNOWN_PLACES_KEPT, needsConfirmation, placeOf, rememberPlace } from './sign-in-confirmation.js';

describe('known places', () => {
  it(`keeps only the ${KNOWN_PLACES_KEPT} most recently seen places of an account`, async () => {
    const store = await openSqliteAccountStore(':memory:');
    let now = 1_000_000;
    const ctx = { store, settings: { signInConfirmation: 3600 }, clock: { now: () => now } } as unknown as AccountsContext;
    const uid = 'a'.repeat(32);
    await store.createAccount({ uid, email: 'x@example.com', passwordHash: 'h', displayName: null, createdAt: 1 });
    const places = Array.from({ length: KNOWN_PLACES_KEPT + 1 }, (_, i) => placeOf(uid, '192.0.2.1', `Browser ${i}`));
    for (const p of places) {
      now += 1000;
      await rememberPlace(ctx, uid, p);
    }
    assert.equal(Object.keys(JSON.parse((await store.getAccountSecret(uid, 'known-places'))!)).length, KNOWN_PLACES_KEPT);
    assert.equal(await needsConfirmation(ctx, uid, places[0]!), true, 'the oldest place was forgotten');
    assert.equal(await needsConfirmation(ctx, uid, places[KNOWN_PLACES_KEPT]!), false);
    assert.equal(placeOf(uid, '192.0.2.1', 'B'), placeOf(uid, '192.0.2.200', 'B'), 'one /24 is one place');
    assert.notEqual(placeOf(uid, '192.0.2.1', 'B'), placeOf(uid, '192.0.3.1', 'B'));
    await store.close();
  });
});

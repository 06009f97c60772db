/** Herald's own secrets kept with the accounts (AccountStore.serviceKey): one value per name, shared. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AccountFixture } from './fixture.js';
import { hex } from './fixture.js';

export function serviceKeyCases(f: AccountFixture): void {
  describe('service keys', () => {
    it('stores the created value once and returns it ever after, without creating again', async () => {
      const name = `key-${hex(4)}`;
      assert.equal(await f.store.serviceKey(name, () => 'first'), 'first');
      let created = 0;
      assert.equal(
        await f.store.serviceKey(name, () => {
          created++;
          return 'second';
        }),
        'first',
      );
      assert.ok(created <= 1, 'create may be called, but its value is not kept');
      assert.equal(await f.store.serviceKey(`key-${hex(4)}`, () => 'other'), 'other', 'names are independent');
    });

    it('gives every store on the database the same value when they ask at the same moment', { skip: f.notShared }, async () => {
      const stores = [f.store, await f.open(), await f.open()];
      const name = `key-${hex(4)}`;
      const values = await Promise.all(stores.flatMap((s, i) => [0, 1, 2].map((j) => s.serviceKey(name, () => `value-${i}-${j}`))));
      assert.equal(new Set(values).size, 1, `one value for all: ${[...new Set(values)].join(', ')}`);
    });
  });
}

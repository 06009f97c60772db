import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openStore } from '../store.js';

const sub = (n) => ({ endpoint: `https://push.example/${n}`, keys: { p256dh: `p${n}`, auth: `a${n}` } });

describe('store', () => {
  it('adds a subscription once and refreshes the keys of a known endpoint', () => {
    const store = openStore(':memory:');
    assert.deepEqual(store.save(sub(1)), { id: 1, created: true });
    assert.deepEqual(store.save({ ...sub(1), keys: { p256dh: 'new', auth: 'new' } }), { id: 1, created: false });
    assert.equal(store.get(1).p256dh, 'new');
    assert.equal(store.list().length, 1);
  });

  it('replaces the endpoint a re-subscription names', () => {
    const store = openStore(':memory:');
    store.save(sub(1));
    const { id } = store.save(sub(2), sub(1).endpoint);
    assert.deepEqual(store.list().map((s) => [s.id, s.endpoint]), [[id, sub(2).endpoint]]);
  });

  it('keeps at most maxSubscriptions, and at most maxLogRows log rows', () => {
    const store = openStore(':memory:', { maxSubscriptions: 2, maxLogRows: 3 });
    store.save(sub(1));
    store.save(sub(2));
    assert.equal(store.save(sub(3)), null);
    assert.equal(store.list().length, 2);
    for (let i = 0; i < 5; i++) store.record(1, { status: 201, outcome: 'delivered', attempts: 1 });
    assert.equal(store.recentSends().length, 3);
    assert.deepEqual([store.get(1).last_outcome, store.get(1).last_status], ['delivered', 201]);
  });

  it('removes a subscription', () => {
    const store = openStore(':memory:');
    const { id } = store.save(sub(1));
    assert.equal(store.remove(id), true);
    assert.equal(store.remove(id), false);
    assert.equal(store.get(id), null);
  });
});

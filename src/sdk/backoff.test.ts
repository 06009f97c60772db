import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { reconnectDelay } from './backoff.js';

describe('reconnect backoff', () => {
  it('waits 5, 10, 20 s … like Firefox by default', () => {
    assert.deepEqual([0, 1, 2, 3].map((n) => reconnectDelay(n)), [5000, 10000, 20000, 40000]);
  });

  it('is capped at 30 minutes, even after very many attempts', () => {
    assert.equal(reconnectDelay(20), 30 * 60_000);
    assert.equal(reconnectDelay(10_000), 30 * 60_000);
  });

  it('honours a configured base and cap', () => {
    assert.deepEqual([0, 1, 2, 3].map((n) => reconnectDelay(n, 10, 50)), [10, 20, 40, 50]);
  });
});

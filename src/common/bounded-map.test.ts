import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BoundedMap } from './bounded-map.js';

describe('BoundedMap', () => {
  it('evicts the least recently used key beyond its capacity', () => {
    const m = new BoundedMap<string, number>(2);
    m.set('a', 1);
    m.set('b', 2);
    m.get('a');
    m.set('c', 3);
    assert.equal(m.get('b'), undefined, 'b was least recently used');
    assert.equal(m.get('a'), 1);
    assert.equal(m.get('c'), 3);
    assert.equal(m.size, 2);
  });
  it('refuses a capacity below one', () => {
    assert.throws(() => new BoundedMap(0), RangeError);
  });
});

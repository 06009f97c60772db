import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LazyMap } from './lazy-map.js';

describe('LazyMap', () => {
  it('behaves as a Map, empty or not', () => {
    const m = new LazyMap<string, number>();
    assert.equal(m.size, 0);
    assert.equal(m.get('a'), undefined);
    assert.equal(m.has('a'), false);
    assert.equal(m.delete('a'), false);
    assert.deepEqual([...m.keys(), ...m.values(), ...m], []);
    m.clear();
    m.set('a', 1).set('b', 2).set('a', 3);
    assert.equal(m.size, 2);
    assert.equal(m.get('a'), 3);
    assert.ok(m.has('b'));
    assert.deepEqual([...m], [['a', 3], ['b', 2]]);
    assert.deepEqual([...m.keys()], ['a', 'b']);
    assert.deepEqual([...m.values()], [3, 2]);
    assert.equal(m.delete('a'), true);
    assert.deepEqual([...m.entries()], [['b', 2]]);
    m.clear();
    assert.equal(m.size, 0);
  });
});

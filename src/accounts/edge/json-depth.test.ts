import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { jsonDeeperThan } from './json-depth.js';

const nested = (n: number) => '{"a":'.repeat(n) + '1' + '}'.repeat(n);

describe('jsonDeeperThan', () => {
  it('counts objects and arrays nested in one another', () => {
    assert.equal(jsonDeeperThan(nested(3), 3), false);
    assert.equal(jsonDeeperThan(nested(4), 3), true);
    assert.equal(jsonDeeperThan('[[[[1]]]]', 3), true);
    assert.equal(jsonDeeperThan('[[1],[2],[3]]', 2), false, 'siblings do not add up');
  });

  it('ignores brackets inside strings, escaped quotes included', () => {
    assert.equal(jsonDeeperThan(JSON.stringify({ s: '[[[[{{{{' }), 1), false);
    assert.equal(jsonDeeperThan(JSON.stringify({ s: 'a\\"[[[[' }), 1), false);
    assert.equal(jsonDeeperThan(JSON.stringify({ s: '\\' }) + '', 1), false);
  });

  it('handles 5,000 levels without recursion', () => {
    assert.equal(jsonDeeperThan(nested(5000), 32), true);
  });
});

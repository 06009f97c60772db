import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PenaltyBox } from './penalty-box.js';

describe('PenaltyBox', () => {
  it('trips exactly once when an IP reaches the threshold within the window', () => {
    const box = new PenaltyBox({ threshold: 3, windowMs: 10_000, maxKeys: 100 });
    assert.deepEqual([1, 2, 3, 4].map((t) => box.record('10.0.0.1', t)), [false, false, true, false]);
  });
  it('starts counting afresh after the window', () => {
    const box = new PenaltyBox({ threshold: 3, windowMs: 10_000, maxKeys: 100 });
    box.record('10.0.0.1', 0);
    box.record('10.0.0.1', 1);
    assert.equal(box.record('10.0.0.1', 10_000), false);
    assert.equal(box.count('10.0.0.1', 10_000), 1);
  });
  it('counts each IP on its own', () => {
    const box = new PenaltyBox({ threshold: 2, windowMs: 10_000, maxKeys: 100 });
    box.record('10.0.0.1', 0);
    assert.equal(box.record('10.0.0.2', 0), false);
    assert.equal(box.record('10.0.0.1', 0), true);
  });
  it('stays bounded under a flood of addresses', () => {
    const box = new PenaltyBox({ threshold: 2, windowMs: 10_000, maxKeys: 500 });
    for (let i = 0; i < 20_000; i++) box.record(`ip${i}`, 0);
    assert.equal(box.size, 500);
  });
});

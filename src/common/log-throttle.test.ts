import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LogThrottle } from './log-throttle.js';

describe('LogThrottle', () => {
  it('writes the first event, skips the rest of the interval, and reports how many it skipped', () => {
    let now = 1000;
    const t = new LogThrottle(10_000, () => now);
    const written: number[] = [];
    for (let i = 0; i < 5; i++) t.event((skipped) => written.push(skipped));
    assert.deepEqual(written, [0]);
    now += 9_999;
    t.event((skipped) => written.push(skipped));
    assert.deepEqual(written, [0]);
    now += 1;
    t.event((skipped) => written.push(skipped));
    assert.deepEqual(written, [0, 5]);
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseRateLimit, RateLimiter } from './rate-limit.js';

describe('parseRateLimit', () => {
  it('reads <per second>:<burst>, fractions allowed', () => {
    assert.deepEqual(parseRateLimit('10:200'), { perSecond: 10, burst: 200 });
    assert.deepEqual(parseRateLimit(' 0.5:3 '), { perSecond: 0.5, burst: 3 });
  });
  it('0, or a zero part, means no limit', () => {
    assert.equal(parseRateLimit('0'), null);
    assert.equal(parseRateLimit('0:10'), null);
    assert.equal(parseRateLimit('5:0'), null);
  });
  it('rejects anything else', () => {
    assert.throws(() => parseRateLimit('10'), /not <per second>:<burst>/);
    assert.throws(() => parseRateLimit('-1:5'));
  });
});

describe('RateLimiter', () => {
  it('admits a burst, then refuses with the seconds until the next token', () => {
    const l = new RateLimiter({ perSecond: 2, burst: 3 }, 100);
    assert.deepEqual([l.take('a', 0), l.take('a', 0), l.take('a', 0)], [0, 0, 0]);
    assert.equal(l.take('a', 0), 0.5);
    assert.equal(l.take('a', 250), 0.25, 'a refusal takes nothing and the wait shrinks');
    assert.equal(l.take('a', 500), 0, 'one token after half a second');
    assert.equal(l.take('a', 500), 0.5);
  });

  it('refills up to the burst, never beyond', () => {
    const l = new RateLimiter({ perSecond: 1, burst: 2 }, 100);
    l.take('a', 0);
    l.take('a', 0);
    assert.equal(l.take('a', 3_600_000), 0);
    assert.equal(l.take('a', 3_600_000), 0);
    assert.ok(l.take('a', 3_600_000) > 0, 'only two after an hour');
  });

  it('keys are independent: one over its limit leaves the others served', () => {
    const l = new RateLimiter({ perSecond: 1, burst: 1 }, 100);
    assert.equal(l.take('flooder', 0), 0);
    assert.ok(l.take('flooder', 0) > 0);
    assert.equal(l.take('other', 0), 0);
  });

  it('stays within its key bound under a flood of distinct keys', () => {
    const l = new RateLimiter({ perSecond: 1, burst: 1 }, 1000);
    for (let i = 0; i < 50_000; i++) l.take(`k${i}`, i);
    assert.equal(l.size, 1000);
  });
});

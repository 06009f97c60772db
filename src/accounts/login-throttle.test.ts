import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FAILURE_MEMORY_MS, LoginThrottle } from './login-throttle.js';

const throttle = () => new LoginThrottle({ failuresBeforeDelay: 3, maxDelaySeconds: 60, maxKeys: 100 });

describe('LoginThrottle', () => {
  it('lets the first failures through at once, then doubles the wait after each failure', () => {
    const t = throttle();
    let now = 1_000_000;
    for (let i = 0; i < 3; i++) {
      assert.equal(t.waitFor('a@example.com', now), 0);
      t.failed('a@example.com', now);
    }
    assert.equal(t.waitFor('a@example.com', now), 1, 'after 3 failures: 1 s');
    now += 1000;
    assert.equal(t.waitFor('a@example.com', now), 0);
    t.failed('a@example.com', now);
    assert.equal(t.waitFor('a@example.com', now), 2, 'after 4: 2 s');
    assert.equal(t.waitFor('b@example.com', now), 0, 'other emails are not affected');
  });

  it('never makes anyone wait longer than the cap, however many failures', () => {
    const t = throttle();
    for (let i = 0; i < 200; i++) t.failed('a@example.com', 5000);
    assert.equal(t.waitFor('a@example.com', 5000), 60);
    assert.equal(t.waitFor('a@example.com', 5000 + 60_000), 0, 'the owner gets in a minute after the last failure');
  });

  it('forgets an email after a success, and after a quiet spell', () => {
    const t = throttle();
    for (let i = 0; i < 10; i++) t.failed('a@example.com', 0);
    t.succeeded('a@example.com');
    assert.equal(t.waitFor('a@example.com', 0), 0);
    for (let i = 0; i < 10; i++) t.failed('b@example.com', 0);
    t.failed('b@example.com', FAILURE_MEMORY_MS);
    assert.equal(t.waitFor('b@example.com', FAILURE_MEMORY_MS), 0, 'only one failure counts after 15 quiet minutes');
  });

  it('does nothing with a threshold of 0', () => {
    const t = new LoginThrottle({ failuresBeforeDelay: 0, maxDelaySeconds: 60, maxKeys: 10 });
    for (let i = 0; i < 50; i++) t.failed('a@example.com', 0);
    assert.equal(t.waitFor('a@example.com', 0), 0);
  });
});

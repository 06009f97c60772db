import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BridgeFailure, failureApiError } from './upstream-failure.js';
import { withRetry } from './upstream-retry.js';

const busy = () => new BridgeFailure('busy', '500');

describe('upstream retry', () => {
  it('retries a busy upstream until it answers', async () => {
    let calls = 0;
    const result = await withRetry({ budgetMs: 1000, baseDelayMs: 1 }, async () => {
      if (++calls < 3) throw busy();
      return 'ok';
    });
    assert.equal(result, 'ok');
    assert.equal(calls, 3);
  });

  it('stops after maxAttempts and rethrows the last failure', async () => {
    let calls = 0;
    await assert.rejects(withRetry({ budgetMs: 1000, baseDelayMs: 1, maxAttempts: 3 }, async () => { calls++; throw busy(); }), BridgeFailure);
    assert.equal(calls, 3);
  });

  it('does not wait past the budget: with 0 it never retries', async () => {
    let calls = 0;
    await assert.rejects(withRetry({ budgetMs: 0 }, async () => { calls++; throw busy(); }));
    assert.equal(calls, 1);
  });

  it('does not retry what a retry cannot fix (unregistered, timeout, authentication)', async () => {
    for (const kind of ['unregistered', 'timeout', 'authentication'] as const) {
      let calls = 0;
      await assert.rejects(withRetry({ budgetMs: 1000, baseDelayMs: 1 }, async () => { calls++; throw new BridgeFailure(kind, kind); }));
      assert.equal(calls, 1, kind);
    }
  });

  it("honours the upstream's Retry-After, and gives up when it is past the budget", async () => {
    let calls = 0;
    await assert.rejects(withRetry({ budgetMs: 500 }, async () => { calls++; throw new BridgeFailure('busy', '429', { retryAfter: 1 }); }));
    assert.equal(calls, 1);
  });
});

describe('failure answers', () => {
  it('maps each failure to its status and errno', () => {
    const cases = [
      ['unregistered', 410, 106], ['no-routing-data', 410, 106], ['unknown-app-id', 400, 106], ['authentication', 502, 901],
      ['unavailable', 502, 902], ['timeout', 503, 903], ['busy', 503, 904], ['too-much-data', 413, 104],
    ] as const;
    for (const [kind, status, errno] of cases) {
      const e = failureApiError(new BridgeFailure(kind, kind));
      assert.equal(e.status, status, kind);
      assert.equal(e.errno, errno, kind);
    }
  });

  it("bounds the Retry-After it passes on to senders at 600 seconds", () => {
    assert.equal(failureApiError(new BridgeFailure('busy', 'x', { retryAfter: 86_400 })).retryAfter, 600);
    assert.equal(failureApiError(new BridgeFailure('timeout', 'x')).retryAfter, 30);
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../errors/api-error.js';
import { AccountLimits, noAccountLimits, type AccountAbuseGuard } from './account-limits.js';

function refusal(fn: () => void): ApiError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ApiError);
    return err;
  }
  assert.fail('expected a refusal');
}

const clock = () => {
  const c = { ms: 1_000_000, now: () => c.ms };
  return c;
};

describe('AccountLimits', () => {
  it('refuses sign-ins over the per-IP rate with 429, errno 114 and the seconds to wait', () => {
    const c = clock();
    const limits = new AccountLimits({ ...noAccountLimits, loginPerIp: '0.5:3' }, { now: c.now });
    for (let i = 0; i < 3; i++) limits.admitLogin('192.0.2.1', `user${i}@example.com`);
    const err = refusal(() => limits.admitLogin('192.0.2.1', 'other@example.com'));
    assert.equal(err.kind, 'account-throttled');
    assert.equal(err.status, 429);
    assert.equal(err.errno, 114);
    assert.equal(err.retryAfter, 2);
    limits.admitLogin('192.0.2.2', 'other@example.com'); // another IP has its own bucket
  });

  it('makes attempts for one email wait once it has failed too often, whichever IP they come from', () => {
    const c = clock();
    const limits = new AccountLimits({ ...noAccountLimits, loginFailuresBeforeDelay: 2, loginDelayMax: 60 }, { now: c.now });
    limits.admitLogin('192.0.2.1', 'a@example.com');
    limits.admitLogin('192.0.2.2', 'a@example.com'); // in flight, not yet answered: counts as failed
    const err = refusal(() => limits.admitLogin('192.0.2.3', 'a@example.com'));
    assert.equal(err.kind, 'account-throttled');
    assert.equal(err.retryAfter, 1);
    c.ms += 1000;
    limits.admitLogin('192.0.2.3', 'a@example.com');
    limits.loginSucceeded('a@example.com');
    limits.admitLogin('192.0.2.3', 'a@example.com');
  });

  it('refuses account creation and per-account writes over their rates', () => {
    const c = clock();
    const limits = new AccountLimits({ ...noAccountLimits, createPerIp: '0.01:1', writesPerAccount: '1:2' }, { now: c.now });
    limits.admitCreate('192.0.2.1');
    assert.equal(refusal(() => limits.admitCreate('192.0.2.1')).retryAfter, 100);
    limits.admitWrite('uid-a');
    limits.admitWrite('uid-a');
    assert.equal(refusal(() => limits.admitWrite('uid-a')).kind, 'account-throttled');
    limits.admitWrite('uid-b');
  });

  it('refuses a blocked IP, and counts failed sign-ins in the penalty box', () => {
    const bad: string[] = [];
    const guard: AccountAbuseGuard = {
      clientIp: (peer) => `via-guard:${peer}`,
      blockedFor: (ip) => (ip === '198.51.100.9' ? 42.5 : 0),
      recordBadOutcome: (ip, cause) => void bad.push(`${ip} ${cause}`),
    };
    const limits = new AccountLimits(noAccountLimits, { guard, now: clock().now });
    const err = refusal(() => limits.admitRequest('198.51.100.9'));
    assert.equal(err.kind, 'account-ip-blocked');
    assert.equal(err.status, 429);
    assert.equal(err.retryAfter, 43);
    limits.admitRequest('192.0.2.1');
    limits.loginFailed('192.0.2.1');
    assert.deepEqual(bad, ['192.0.2.1 login']);
    assert.equal(limits.clientIp('192.0.2.1', undefined), 'via-guard:192.0.2.1');
  });

  it('limits nothing with every limit at 0', () => {
    const limits = new AccountLimits(noAccountLimits, { now: clock().now });
    for (let i = 0; i < 1000; i++) {
      limits.admitRequest('192.0.2.1');
      limits.admitLogin('192.0.2.1', 'a@example.com');
      limits.admitCreate('192.0.2.1');
      limits.admitWrite('uid');
    }
  });
});

/**
 * CORS on the account API (docs/operations.md "Account API limits"): the endpoint app allows any
 * origin for the push API, as autopush does; the account routes allow only `corsOrigins` (none by
 * default), preflights included, so another website cannot drive sign-ins from its visitors'
 * browsers.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp } from '../../device-messages/test-harness.js';

const preflight = (origin: string, method = 'POST') => ({ origin, 'access-control-request-method': method, 'access-control-request-headers': 'content-type' });

describe('CORS on the account API', () => {
  it('grants no other origin, neither in a preflight nor on the answer, while the push API keeps *', async () => {
    const t = await startTestApp();
    try {
      const pre = await t.app.inject({ method: 'OPTIONS', url: '/v1/account/login', headers: preflight('https://evil.example') });
      assert.equal(pre.headers['access-control-allow-origin'], undefined, 'preflight not granted');
      const pre2 = await t.app.inject({ method: 'OPTIONS', url: '/v1/session/destroy', headers: preflight('https://evil.example') });
      assert.equal(pre2.headers['access-control-allow-origin'], undefined);
      const res = await t.call('POST', '/v1/account/login', { body: { email: 'a@example.com', password: 'whatever123' }, headers: { origin: 'https://evil.example' } });
      assert.equal(res.headers['access-control-allow-origin'], undefined, 'the answer is not readable cross-origin');
      const push = await t.app.inject({ method: 'OPTIONS', url: '/wpush/v1/abc', headers: preflight('https://evil.example') });
      assert.equal(push.headers['access-control-allow-origin'], '*');
    } finally {
      await t.close();
    }
  });

  it('grants the configured origins only', async () => {
    const t = await startTestApp({ corsOrigins: ['https://app.example.com'] });
    try {
      const ok = await t.app.inject({ method: 'OPTIONS', url: '/v1/account/login', headers: preflight('https://app.example.com') });
      assert.equal(ok.headers['access-control-allow-origin'], 'https://app.example.com');
      const res = await t.call('GET', '/v1/account/devices', { headers: { origin: 'https://app.example.com' } });
      assert.equal(res.headers['access-control-allow-origin'], 'https://app.example.com');
      const other = await t.app.inject({ method: 'OPTIONS', url: '/v1/account/login', headers: preflight('https://evil.example') });
      assert.notEqual(other.headers['access-control-allow-origin'], 'https://evil.example');
      assert.notEqual(other.headers['access-control-allow-origin'], '*');
    } finally {
      await t.close();
    }
  });
});

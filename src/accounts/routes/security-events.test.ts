import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../device-messages/test-harness.js';
import { SECURITY_EVENTS_KEPT } from '../security-events.js';

describe('security events', () => {
  let t: TestApp;
  before(async () => (t = await startTestApp()));
  after(() => t.close());

  it('records sign-ins, failures and changes for the owner only, newest first, with the client address', async () => {
    const a = await t.signUp();
    const other = await t.signUp();
    assert.equal((await t.call('POST', '/v1/account/login', { body: { email: a.email, password: 'wrong password' } })).status, 400);
    await t.signIn(a.email, a.password);
    await t.call('POST', '/v1/password/change', { token: a.token, body: { oldPassword: a.password, newPassword: 'a new passphrase' } });
    const events = (await t.call('GET', '/v1/account/security_events', { token: a.token })).json;
    assert.deepEqual(events.map((e: any) => e.kind), ['password-changed', 'sign-in', 'sign-in-failed', 'account-created']);
    assert.ok(events.every((e: any) => typeof e.at === 'number' && typeof e.ip === 'string'));
    assert.deepEqual((await t.call('GET', '/v1/account/security_events', { token: other.token })).json.map((e: any) => e.kind), ['account-created']);
    assert.equal((await t.call('GET', '/v1/account/security_events')).status, 401);
  });

  it(`keeps only the newest ${SECURITY_EVENTS_KEPT} events of an account`, async () => {
    const a = await t.signUp();
    for (let i = 0; i < SECURITY_EVENTS_KEPT + 5; i++) await t.accounts.addSecurityEvent(a.uid, { kind: 'sign-in', at: i, ip: null }, SECURITY_EVENTS_KEPT);
    const events = (await t.call('GET', '/v1/account/security_events', { token: a.token })).json;
    assert.equal(events.length, SECURITY_EVENTS_KEPT);
    assert.equal(events[0].at, SECURITY_EVENTS_KEPT + 4);
  });
});

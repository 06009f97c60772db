import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Secret, TOTP } from 'otpauth';
import { codeIn, type SmtpReceiver } from '../../mail/test-smtp-receiver.js';
import { startTestAppWithMail, type TestApp } from '../../device-messages/test-harness.js';
import { networkOf } from '../sign-in-confirmation.js';

const DAY = 86_400;

describe('sign-in confirmation', () => {
  let rx: SmtpReceiver;
  let t: TestApp;
  before(async () => ({ t, rx } = await startTestAppWithMail({ signInConfirmation: DAY, codeMaxAttempts: 3, codeLifetime: 600 })));
  after(() => t.close());

  let n = 0;
  async function account() {
    const email = `confirm${++n}-${Date.now()}@example.com`;
    const password = 'correct horse battery';
    const res = await t.call('POST', '/v1/account/create', { body: { email, password }, headers: { 'user-agent': 'Browser A' } });
    assert.equal(res.status, 200, res.body);
    return { email, password, token: res.json.sessionToken as string };
  }
  /** Sign in from `userAgent`; when a code was mailed, it comes back with the answer. */
  async function signIn(a: { email: string; password: string }, userAgent: string) {
    const seen = rx.mailsTo(a.email).length;
    const res = await t.call('POST', '/v1/account/login', { body: { email: a.email, password: a.password }, headers: { 'user-agent': userAgent } });
    assert.equal(res.status, 200, res.body);
    const mailed = res.json.verificationMethod === 'email-otp' ? await rx.nextMail(a.email, seen) : null;
    if (mailed) assert.equal(mailed.subject, 'Confirm a sign-in');
    return { token: res.json.sessionToken as string, verified: res.json.verified as boolean, method: res.json.verificationMethod as string | undefined, code: mailed ? codeIn(mailed) : null };
  }
  const verify = (token: string, code: string) => t.call('POST', '/v1/session/verify_code', { token, body: { code } });
  const wrongOf = (code: string) => String((Number(code) + 1) % 1e8).padStart(8, '0');

  it('lets a known place in at once, and holds a new one until the mailed code comes back', async () => {
    const a = await account();
    const known = await signIn(a, 'Browser A');
    assert.deepEqual([known.verified, known.method, known.code], [true, undefined, null], 'the place it signed up from');
    const fresh = await signIn(a, 'Browser B');
    assert.deepEqual([fresh.verified, fresh.method], [false, 'email-otp']);
    for (const res of [await t.call('GET', '/v1/account/profile', { token: fresh.token }), await t.call('GET', '/v1/recovery_emails', { token: fresh.token })]) {
      assert.deepEqual([res.status, res.json.errno], [400, 138], 'an unconfirmed session does nothing else');
    }
    assert.equal((await verify(fresh.token, wrongOf(fresh.code!))).json.errno, 105);
    const ok = await verify(fresh.token, fresh.code!);
    assert.deepEqual([ok.status, ok.json], [200, { verified: true }]);
    assert.equal((await t.call('GET', '/v1/account/profile', { token: fresh.token })).status, 200);
    assert.equal((await signIn(a, 'Browser B')).verified, true, 'now a known place');
    const events = ((await t.call('GET', '/v1/account/security_events', { token: a.token })).json as { kind: string }[]).map((e) => e.kind);
    assert.ok(events.includes('sign-in-confirmation-sent') && events.includes('sign-in-confirmed'));
  });

  it('asks again once the place was not seen for the configured time', async () => {
    const a = await account();
    t.clock.advance((DAY + 1) * 1000);
    const later = await signIn(a, 'Browser A');
    assert.deepEqual([later.verified, later.method], [false, 'email-otp']);
    assert.equal((await verify(later.token, later.code!)).status, 200);
  });

  it('refuses a reused code, a code of another sign-in, an expired code, and bounds the tries', async () => {
    const a = await account();
    const first = await signIn(a, 'Browser C');
    assert.equal((await verify(first.token, first.code!)).status, 200);
    const second = await signIn(a, 'Browser D');
    assert.equal((await verify(second.token, first.code!)).json.errno, 105, 'a used code');
    const third = await signIn(a, 'Browser E');
    assert.equal((await verify(second.token, second.code!)).json.errno, 105, 'replaced by the newer sign-in');
    assert.equal((await verify(second.token, third.code!)).json.errno, 105, 'the code of another sign-in');

    const seen = rx.mailsTo(a.email).length;
    assert.equal((await t.call('POST', '/v1/session/resend_code', { token: second.token })).status, 200);
    const resent = codeIn(await rx.nextMail(a.email, seen));
    t.clock.advance(601_000);
    assert.equal((await verify(second.token, resent)).json.errno, 183, 'expired');

    const fourth = await signIn(a, 'Browser F');
    for (let i = 0; i < 3; i++) assert.equal((await verify(fourth.token, wrongOf(fourth.code!))).json.errno, 105);
    assert.equal((await verify(fourth.token, fourth.code!)).json.errno, 904, 'dead after the tries, even the right code');
    assert.equal((await t.call('GET', '/v1/account/profile', { token: fourth.token })).json.errno, 138);
    assert.equal((await t.call('POST', '/v1/session/destroy', { token: fourth.token })).status, 200, 'it can still sign out');
  });

  it('leaves a two-step account to its TOTP code, never to a mailed one', async () => {
    const a = await account();
    const secret = (await t.call('POST', '/v1/totp/create', { token: a.token })).json.secret as string;
    const code = new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30 }).generate({ timestamp: t.clock.now() });
    assert.equal((await t.call('POST', '/v1/totp/verify', { token: a.token, body: { code } })).status, 200);
    const s = await signIn(a, 'Browser G');
    assert.deepEqual([s.verified, s.method, s.code], [false, 'totp-2fa', null]);
    assert.equal((await t.call('POST', '/v1/session/resend_code', { token: s.token })).json.errno, 107);
  });

  it('takes the IPv4 /24 and the IPv6 /48 as the network', () => {
    assert.equal(networkOf('192.0.2.77'), '192.0.2.0/24');
    assert.equal(networkOf('::ffff:192.0.2.77'), '192.0.2.0/24');
    assert.equal(networkOf('2001:db8:12:34::1'), '2001:db8:12::/48');
    assert.equal(networkOf('2001:db8::1'), '2001:db8:0::/48');
    assert.equal(networkOf('2001:0db8:0012:ffff:0:0:0:1'), '2001:db8:12::/48');
    assert.equal(networkOf('::1'), '0:0:0::/48');
  });
});

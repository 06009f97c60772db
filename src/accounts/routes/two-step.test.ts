import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Secret, TOTP } from 'otpauth';
import { smtpMailer, type Mailer } from '../../mail/mailer.js';
import { startSmtpReceiver, type SmtpReceiver } from '../../mail/test-smtp-receiver.js';
import { startTestApp, type TestApp } from '../../device-messages/test-harness.js';

describe('two-step authentication (TOTP and recovery codes)', () => {
  let rx: SmtpReceiver;
  let mailer: Mailer;
  let t: TestApp;
  before(async () => {
    rx = await startSmtpReceiver();
    mailer = smtpMailer(rx.smtp);
    t = await startTestApp({}, { mailer });
  });
  after(async () => {
    await t.close();
    mailer.close();
    await rx.close();
  });

  /** The code an authenticator app shows at the harness clock, `steps` periods away. */
  const codeAt = (secret: string, steps = 0) => new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30, algorithm: 'SHA1' }).generate({ timestamp: t.clock.now() + steps * 30_000 });
  const post = (url: string, token: string, body?: unknown) => t.call('POST', url, body === undefined ? { token } : { token, body });

  async function enrolled() {
    const a = await t.signUp();
    const created = await post('/v1/totp/create', a.token);
    assert.equal(created.status, 200, created.body);
    const { secret, uri, qrCode } = created.json;
    assert.match(uri, /^otpauth:\/\/totp\/Herald:.*\?.*secret=/);
    assert.ok(uri.includes(`secret=${secret}`));
    assert.match(qrCode, /^data:image\/png;base64,/);
    assert.deepEqual((await t.call('GET', '/v1/totp/exists', { token: a.token })).json, { exists: false, recoveryCodesLeft: 0 }, 'not on before confirmation');
    const confirmed = await post('/v1/totp/verify', a.token, { code: codeAt(secret) });
    assert.equal(confirmed.status, 200, confirmed.body);
    const codes: string[] = confirmed.json.recoveryCodes;
    assert.equal(codes.length, 10);
    assert.equal(new Set(codes).size, 10);
    return { ...a, secret, codes };
  }
  const signIn = async (a: { email: string; password: string }) => (await t.call('POST', '/v1/account/login', { body: { email: a.email, password: a.password } })).json;

  it('enrols with a confirmation code; sign-in then gives a session that can do nothing until its TOTP code', async () => {
    const a = await enrolled();
    assert.deepEqual((await t.call('GET', '/v1/totp/exists', { token: a.token })).json, { exists: true, recoveryCodesLeft: 10 });
    const s = await signIn(a);
    assert.equal(s.verified, false);
    for (const res of [await t.call('GET', '/v1/account/profile', { token: s.sessionToken }), await t.call('GET', '/v1/account/devices', { token: s.sessionToken }), await post('/v1/totp/destroy', s.sessionToken)]) {
      assert.deepEqual([res.status, res.json.errno], [400, 138]);
    }
    t.clock.advance(30_000);
    const ok = await post('/v1/session/verify/totp', s.sessionToken, { code: codeAt(a.secret) });
    assert.deepEqual([ok.status, ok.json], [200, { verified: true }]);
    assert.equal((await t.call('GET', '/v1/account/profile', { token: s.sessionToken })).status, 200);
  });

  it('accepts one step either side, refuses two steps off and a replayed code', async () => {
    const a = await enrolled();
    t.clock.advance(60_000);
    const s1 = await signIn(a);
    assert.equal((await post('/v1/session/verify/totp', s1.sessionToken, { code: codeAt(a.secret, -2) })).json.errno, 105, 'two steps behind');
    assert.equal((await post('/v1/session/verify/totp', s1.sessionToken, { code: codeAt(a.secret, 2) })).json.errno, 105, 'two steps ahead');
    const code = codeAt(a.secret, -1);
    assert.equal((await post('/v1/session/verify/totp', s1.sessionToken, { code })).status, 200, 'one step behind');
    const s2 = await signIn(a);
    const replay = await post('/v1/session/verify/totp', s2.sessionToken, { code });
    assert.deepEqual([replay.status, replay.json.errno], [400, 105], 'the same code again');
    assert.equal((await post('/v1/session/verify/totp', s2.sessionToken, { code: codeAt(a.secret, 0) })).status, 200, 'a later step works');
    assert.equal((await post('/v1/session/verify/totp', s2.sessionToken, { code: codeAt(a.secret, 0) })).json.errno, 105, 'and only once');
    assert.equal((await post('/v1/session/verify/totp', s2.sessionToken, { code: '12345' })).json.errno, 107);
  });

  it('lets each recovery code sign in once, and regenerates them', async () => {
    const a = await enrolled();
    const s1 = await signIn(a);
    const used = await post('/v1/session/verify/recovery_code', s1.sessionToken, { code: a.codes[0]!.toUpperCase() });
    assert.deepEqual([used.status, used.json], [200, { verified: true, recoveryCodesLeft: 9 }]);
    const s2 = await signIn(a);
    assert.equal((await post('/v1/session/verify/recovery_code', s2.sessionToken, { code: a.codes[0] })).json.errno, 105, 'used twice');
    assert.equal((await post('/v1/session/verify/recovery_code', s2.sessionToken, { code: 'abcdefghij' })).json.errno, 105);
    const fresh = await post('/v1/recovery_codes', s1.sessionToken);
    assert.equal(fresh.json.recoveryCodes.length, 10);
    assert.equal((await post('/v1/session/verify/recovery_code', s2.sessionToken, { code: a.codes[1] })).json.errno, 105, 'old codes stop working');
    assert.equal((await post('/v1/session/verify/recovery_code', s2.sessionToken, { code: fresh.json.recoveryCodes[0] })).status, 200);
  });

  it('lets exactly one of concurrent requests use a TOTP code or a recovery code', async () => {
    const a = await enrolled();
    t.clock.advance(30_000);
    const sessions = await Promise.all([1, 2, 3, 4].map(() => signIn(a)));
    const code = codeAt(a.secret);
    const totp = await Promise.all(sessions.map((s) => post('/v1/session/verify/totp', s.sessionToken, { code })));
    assert.deepEqual(totp.map((r) => r.status).sort(), [200, 400, 400, 400], 'one TOTP code, one sign-in');
    assert.deepEqual(totp.filter((r) => r.status === 400).map((r) => r.json.errno), [105, 105, 105]);
    const more = await Promise.all([1, 2, 3, 4].map(() => signIn(a)));
    const recovery = await Promise.all(more.map((s) => post('/v1/session/verify/recovery_code', s.sessionToken, { code: a.codes[0] })));
    assert.deepEqual(recovery.map((r) => r.status).sort(), [200, 400, 400, 400], 'one recovery code, one sign-in');
    assert.equal((await t.call('GET', '/v1/totp/exists', { token: a.token })).json.recoveryCodesLeft, 9);
    const two = await Promise.all([1, 2].map(() => signIn(a)));
    const different = await Promise.all(two.map((s, i) => post('/v1/session/verify/recovery_code', s.sessionToken, { code: a.codes[i + 1] })));
    assert.deepEqual(different.map((r) => r.status), [200, 200], 'two different codes at once both work');
    assert.equal((await t.call('GET', '/v1/totp/exists', { token: a.token })).json.recoveryCodesLeft, 7);
  });

  it('refuses a second enrolment, a confirmation without one, and turns off', async () => {
    const a = await enrolled();
    assert.equal((await post('/v1/totp/create', a.token)).json.errno, 107);
    const b = await t.signUp();
    assert.equal((await post('/v1/totp/verify', b.token, { code: '123456' })).json.errno, 107);
    const created = await post('/v1/totp/create', b.token);
    assert.equal((await post('/v1/totp/verify', b.token, { code: String((Number(codeAt(created.json.secret)) + 1) % 1e6).padStart(6, '0') })).json.errno, 105);
    assert.equal((await post('/v1/totp/destroy', a.token)).status, 200);
    assert.equal((await signIn(a)).verified, true);
  });

  it('bounds guessing with the sign-in limits', async () => {
    const limited = await startTestApp({ limits: { loginPerIp: '0', createPerIp: '0', requestsPerIp: '0', writesPerAccount: '0', loginFailuresBeforeDelay: 3, loginDelayMax: 60, trackedKeys: 1000 } }, { mailer });
    try {
      const a = await limited.signUp();
      const created = await limited.call('POST', '/v1/totp/create', { token: a.token });
      const secret = created.json.secret as string;
      const code = new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30 }).generate({ timestamp: limited.clock.now() });
      await limited.call('POST', '/v1/totp/verify', { token: a.token, body: { code } });
      const s = (await limited.call('POST', '/v1/account/login', { body: { email: a.email, password: a.password } })).json.sessionToken;
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) statuses.push((await limited.call('POST', '/v1/session/verify/recovery_code', { token: s, body: { code: 'aaaaaaaaaa' } })).status);
      assert.ok(statuses.includes(429), `guesses are throttled: ${statuses.join(',')}`);
    } finally {
      await limited.close();
    }
  });
});

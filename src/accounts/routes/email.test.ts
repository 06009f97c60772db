import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateSubscriptionKeys } from '../../crypto/ece.js';
import { codeIn, type SmtpReceiver } from '../../mail/test-smtp-receiver.js';
import { startTestApp, startTestAppWithMail, type TestApp } from '../../device-messages/test-harness.js';
import { accountsPlugin } from '../../device-messages/plugin.js';

describe('email verification', () => {
  let rx: SmtpReceiver;
  let t: TestApp;
  before(async () => ({ t, rx } = await startTestAppWithMail({ emailVerification: true, codeLifetime: 600, codeMaxAttempts: 3 })));
  after(() => t.close());

  let n = 0;
  async function create() {
    const email = `verify${++n}@example.com`;
    const res = await t.call('POST', '/v1/account/create', { body: { email, password: 'correct horse battery' } });
    assert.equal(res.status, 200, res.body);
    assert.equal(res.json.emailVerified, false);
    const mail = await rx.nextMail(email, 0);
    return { email, token: res.json.sessionToken as string, uid: res.json.uid as string, code: codeIn(mail), mail };
  }
  const verify = (token: string, code: unknown) => t.call('POST', '/v1/recovery_email/verify_code', { token, body: { code } });
  const status = async (token: string) => (await t.call('GET', '/v1/recovery_email/status', { token })).json;
  const register = (token: string) => {
    const keys = generateSubscriptionKeys();
    return t.call('POST', '/v1/account/device', {
      token,
      body: { name: 'Phone', pushCallback: 'https://push.example.com/wpush/v1/x', pushPublicKey: keys.publicKey.toString('base64url'), pushAuthKey: keys.auth.toString('base64url') },
    });
  };

  it('mails a code on sign-up, in text and HTML; the account is unverified until the code comes back', async () => {
    const a = await create();
    assert.equal(a.mail.subject, 'Confirm your email address');
    assert.ok(a.mail.html.includes(a.code));
    assert.deepEqual(await status(a.token), { email: a.email, verified: false });
    const ok = await verify(a.token, `${a.code.slice(0, 4)} ${a.code.slice(4)}`);
    assert.deepEqual([ok.status, ok.json], [200, { email: a.email, verified: true }]);
    assert.deepEqual(await status(a.token), { email: a.email, verified: true });
    assert.equal((await t.call('POST', '/v1/account/login', { body: { email: a.email, password: 'correct horse battery' } })).json.emailVerified, true);
    assert.equal((await register(a.token)).status, 200, 'a verified account registers devices');
  });

  it('refuses what the docs list for an unverified account, and allows the rest', async () => {
    const a = await create();
    const refused = [
      await register(a.token),
      await t.call('POST', '/v1/account/profile', { token: a.token, body: { displayName: 'Ann' } }),
      await t.call('POST', '/v1/account/devices/invoke_command', { token: a.token, body: { target: 'a'.repeat(32), command: 'x', payload: {} } }),
      await t.call('POST', '/v1/account/devices/messages', { token: a.token, body: { to: 'a'.repeat(32), topic: 'sendtab', data: 'AA' } }),
    ];
    for (const res of refused) assert.deepEqual([res.status, res.json.errno], [400, 104], res.body);
    assert.equal((await t.call('GET', '/v1/account/profile', { token: a.token })).status, 200);
    assert.deepEqual((await t.call('GET', '/v1/account/devices', { token: a.token })).json, []);
    assert.equal((await t.call('POST', '/v1/account/login', { body: { email: a.email, password: 'correct horse battery' } })).status, 200);
    assert.equal((await t.call('POST', '/v1/session/destroy', { token: a.token })).status, 200);
  });

  it('refuses a wrong code (105), a reused one (105), and a malformed one (107)', async () => {
    const a = await create();
    const wrong = String((Number(a.code) + 1) % 1e8).padStart(8, '0');
    assert.deepEqual((await verify(a.token, wrong)).json.errno, 105);
    for (const bad of ['1234', 'abcdefgh', 12345678, '1'.repeat(40)]) assert.equal((await verify(a.token, bad)).json.errno, 107, String(bad));
    assert.equal((await verify(a.token, a.code)).status, 200);
    const again = await t.call('POST', '/v1/account/login', { body: { email: a.email, password: 'correct horse battery' } });
    await t.accounts.updateAccount(a.uid, { emailVerified: false }); // as if not yet verified, to prove the code is gone
    assert.deepEqual((await verify(again.json.sessionToken, a.code)).json.errno, 105, 'a used code never works again');
  });

  it('kills a code after codeMaxAttempts tries, right or wrong (904), even when tried at once', async () => {
    const a = await create();
    const wrong = String((Number(a.code) + 1) % 1e8).padStart(8, '0');
    const tries = await Promise.all([1, 2, 3].map(() => verify(a.token, wrong)));
    assert.deepEqual(tries.map((r) => r.json.errno), [105, 105, 105]);
    const fourth = await verify(a.token, a.code);
    assert.deepEqual([fourth.status, fourth.json.errno], [400, 904], 'the right code after the last try is too late');
    assert.deepEqual((await verify(a.token, a.code)).json.errno, 105, 'and the code is gone');
    assert.equal((await status(a.token)).verified, false);
  });

  it('expires a code after codeLifetime (183), and a new code replaces the old one', async () => {
    const a = await create();
    t.clock.advance(600_000);
    assert.deepEqual((await verify(a.token, a.code)).json.errno, 183);
    const resent = await t.call('POST', '/v1/recovery_email/resend_code', { token: a.token });
    assert.equal(resent.status, 200);
    const second = codeIn(await rx.nextMail(a.email, 1));
    assert.equal((await t.call('POST', '/v1/recovery_email/resend_code', { token: a.token })).status, 200);
    const third = codeIn(await rx.nextMail(a.email, 2));
    if (second !== third) assert.equal((await verify(a.token, second)).json.errno, 105, 'the replaced code is dead');
    t.clock.advance(599_000);
    assert.equal((await verify(a.token, third)).status, 200, 'alive until its lifetime ends');
  });

  it('answers 503 errno 151 when the mail server refuses a resend, and sends nothing once verified', async () => {
    const a = await create();
    rx.refuse(true);
    try {
      const res = await t.call('POST', '/v1/recovery_email/resend_code', { token: a.token });
      assert.deepEqual([res.status, res.json.errno], [503, 151]);
    } finally {
      rx.refuse(false);
    }
    assert.equal((await t.call('POST', '/v1/recovery_email/resend_code', { token: a.token })).status, 200);
    assert.equal((await verify(a.token, codeIn(await rx.nextMail(a.email, 1)))).status, 200);
    const before = rx.mailsTo(a.email).length;
    assert.equal((await t.call('POST', '/v1/recovery_email/resend_code', { token: a.token })).status, 200);
    assert.equal(rx.mailsTo(a.email).length, before);
  });
});

describe('email verification without mail', () => {
  it('refuses to start with emailVerification on and no mailer, saying what to set', async () => {
    await assert.rejects(startTestApp({ emailVerification: true }), /--smtp-host and --mail-from/);
    void accountsPlugin;
  });

  it('answers 503 errno 202 to resend_code when no mail is configured, and leaves accounts usable', async () => {
    const t = await startTestApp();
    try {
      const a = await t.signUp();
      const res = await t.call('POST', '/v1/recovery_email/resend_code', { token: a.token });
      assert.deepEqual([res.status, res.json.errno], [503, 202]);
      await t.device(a);
    } finally {
      await t.close();
    }
  });
});

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { codeIn, type SmtpReceiver } from '../../mail/test-smtp-receiver.js';
import { startTestApp, startTestAppWithMail, type TestApp } from '../../device-messages/test-harness.js';

describe('secondary emails', () => {
  let rx: SmtpReceiver;
  let t: TestApp;
  before(async () => ({ t, rx } = await startTestAppWithMail({ maxSecondaryEmails: 2, codeMaxAttempts: 3, codeLifetime: 600 })));
  after(() => t.close());

  const post = (url: string, token: string, body?: unknown) => t.call('POST', url, body === undefined ? { token } : { token, body });
  const list = async (token: string) => (await t.call('GET', '/v1/recovery_emails', { token })).json;
  const events = async (token: string) => ((await t.call('GET', '/v1/account/security_events', { token })).json as { kind: string }[]).map((e) => e.kind);
  let n = 0;
  const address = (what: string) => `${what}-${++n}-${Date.now()}@example.org`;
  /** Add `email` and return the code mailed to it. */
  async function add(token: string, email: string) {
    const seen = rx.mailsTo(email).length;
    const res = await post('/v1/recovery_email', token, { email: email.toUpperCase() });
    assert.deepEqual([res.status, res.json], [200, {}], res.body);
    const mail = await rx.nextMail(email, seen);
    assert.equal(mail.subject, 'Confirm your new email address');
    return codeIn(mail);
  }
  /** The text of a mail to `to` (after the first `seen`) matching `pattern`, waiting for it: notices go out after the answer. */
  async function noticeMatching(to: string, seen: number, pattern: RegExp): Promise<string> {
    for (let i = seen; ; i++) {
      const text = (await rx.nextMail(to, i)).text;
      if (pattern.test(text)) return text;
    }
  }

  it('adds an address with a mailed code, verifies it, and lists it with isPrimary', async () => {
    const a = await t.signUp();
    const second = address('second');
    const primarySeen = rx.mailsTo(a.email).length;
    const code = await add(a.token, second);
    await noticeMatching(a.email, primarySeen, new RegExp(`The address ${second} was added`));
    assert.deepEqual(await list(a.token), [
      { email: a.email, verified: false, isPrimary: true },
      { email: second, verified: false, isPrimary: false },
    ]);
    const wrong = await post('/v1/recovery_email/secondary/verify_code', a.token, { email: second, code: String((Number(code) + 1) % 1e8).padStart(8, '0') });
    assert.deepEqual([wrong.status, wrong.json.errno], [400, 105]);
    const ok = await post('/v1/recovery_email/secondary/verify_code', a.token, { email: second, code });
    assert.equal(ok.status, 200, ok.body);
    assert.deepEqual((await list(a.token))[1], { email: second, verified: true, isPrimary: false });
    const reused = await post('/v1/recovery_email/secondary/verify_code', a.token, { email: address('other'), code });
    assert.deepEqual([reused.status, reused.json.errno], [400, 143], 'an address the account does not have');
    assert.deepEqual((await events(a.token)).slice(0, 2), ['secondary-email-verified', 'secondary-email-added']);
  });

  it('refuses a reused, expired or exhausted code, and one sent to another address', async () => {
    const a = await t.signUp();
    const one = address('one');
    const two = address('two');
    const codeOne = await add(a.token, one);
    const codeTwo = await add(a.token, two);
    const stale = await post('/v1/recovery_email/secondary/verify_code', a.token, { email: one, code: codeOne });
    assert.deepEqual([stale.status, stale.json.errno], [400, 105], 'the newer code replaced it');
    const crossed = await post('/v1/recovery_email/secondary/verify_code', a.token, { email: one, code: codeTwo });
    assert.deepEqual([crossed.status, crossed.json.errno], [400, 105], 'a code sent to another address');
    const resent = rx.mailsTo(two).length;
    assert.equal((await post('/v1/recovery_email/secondary/resend_code', a.token, { email: two })).status, 200);
    const fresh = codeIn(await rx.nextMail(two, resent));
    t.clock.advance(601_000);
    assert.equal((await post('/v1/recovery_email/secondary/verify_code', a.token, { email: two, code: fresh })).json.errno, 183, 'expired');
    const again = rx.mailsTo(two).length;
    await post('/v1/recovery_email/secondary/resend_code', a.token, { email: two });
    const last = codeIn(await rx.nextMail(two, again));
    const bad = String((Number(last) + 1) % 1e8).padStart(8, '0');
    for (let i = 0; i < 3; i++) await post('/v1/recovery_email/secondary/verify_code', a.token, { email: two, code: bad });
    assert.equal((await post('/v1/recovery_email/secondary/verify_code', a.token, { email: two, code: last })).json.errno, 904, 'dead after the tries');
    assert.equal((await list(a.token))[2]?.verified, false);
  });

  it('bounds the addresses per account and refuses the primary and addresses of other accounts', async () => {
    const a = await t.signUp();
    const b = await t.signUp();
    assert.equal((await post('/v1/recovery_email', a.token, { email: a.email })).json.errno, 139);
    assert.equal((await post('/v1/recovery_email', a.token, { email: b.email })).json.errno, 144, 'another account primary');
    const mine = address('mine');
    await add(a.token, mine);
    assert.equal((await post('/v1/recovery_email', b.token, { email: mine })).json.errno, 144, 'another account secondary, even unverified');
    assert.equal((await t.call('POST', '/v1/account/create', { body: { email: mine, password: 'correct horse battery' } })).json.errno, 101, 'no new account with it');
    await add(a.token, address('two'));
    const over = await post('/v1/recovery_email', a.token, { email: address('three') });
    assert.deepEqual([over.status, over.json.errno], [400, 905]);
    assert.equal((await list(a.token)).length, 3, 'nothing stored over the limit');
    assert.equal((await post('/v1/recovery_email', a.token, { email: 'not-an-address' })).json.errno, 107);
  });

  it('signs in with the primary only, and after a change of primary with the new one', async () => {
    const a = await t.signUp();
    const next = address('next');
    const code = await add(a.token, next);
    const unverified = await post('/v1/recovery_email/set_primary', a.token, { email: next });
    assert.deepEqual([unverified.status, unverified.json.errno], [400, 906]);
    const login = (email: string, password = a.password) => t.call('POST', '/v1/account/login', { body: { email, password } });
    assert.equal((await login(next, 'wrong password!')).json.errno, 103, 'a wrong password says nothing about the address');
    assert.equal((await login(next)).json.errno, 142, 'a secondary address does not sign in');
    await post('/v1/recovery_email/secondary/verify_code', a.token, { email: next, code });

    const oldSeen = rx.mailsTo(a.email).length;
    const newSeen = rx.mailsTo(next).length;
    assert.equal((await post('/v1/recovery_email/set_primary', a.token, { email: next })).status, 200);
    await noticeMatching(a.email, oldSeen, /primary address of your account changed/); // the old primary is told
    await noticeMatching(next, newSeen, /primary address of your account changed/); // so is the new one
    assert.deepEqual(await list(a.token), [
      { email: next, verified: true, isPrimary: true },
      { email: a.email, verified: false, isPrimary: false },
    ]);
    assert.equal((await login(next)).status, 200, 'the new primary signs in');
    assert.equal((await login(a.email)).json.errno, 142, 'the old one no longer does');
    assert.equal((await t.call('GET', '/v1/account/profile', { token: a.token })).json.email, next);
    assert.equal((await t.call('GET', '/v1/recovery_email/status', { token: a.token })).json.email, next);
    assert.ok((await events(a.token)).includes('primary-email-changed'));
  });

  it('re-keys the password with the change of primary when asked, after checking the old one', async () => {
    const a = await t.signUp();
    const next = address('rekey');
    const code = await add(a.token, next);
    await post('/v1/recovery_email/secondary/verify_code', a.token, { email: next, code });
    const half = await post('/v1/recovery_email/set_primary', a.token, { email: next, newPassword: 'stretched with next' });
    assert.equal(half.json.errno, 107, 'both passwords or neither');
    const wrong = await post('/v1/recovery_email/set_primary', a.token, { email: next, oldPassword: 'not the password', newPassword: 'stretched with next' });
    assert.equal(wrong.json.errno, 103);
    assert.equal((await list(a.token))[0]?.email, a.email, 'nothing changed');
    const ok = await post('/v1/recovery_email/set_primary', a.token, { email: next, oldPassword: a.password, newPassword: 'stretched with next' });
    assert.equal(ok.status, 200, ok.body);
    const login = (password: string) => t.call('POST', '/v1/account/login', { body: { email: next, password } });
    assert.equal((await login('stretched with next')).status, 200);
    assert.equal((await login(a.password)).json.errno, 103);
  });

  it('removes a secondary address, never the primary, and frees it for others', async () => {
    const a = await t.signUp();
    const b = await t.signUp();
    const gone = address('gone');
    await add(a.token, gone);
    assert.equal((await post('/v1/recovery_email/destroy', a.token, { email: a.email })).json.errno, 143, 'the primary stays');
    const seen = rx.mailsTo(a.email).length;
    assert.equal((await post('/v1/recovery_email/destroy', a.token, { email: gone })).status, 200);
    await noticeMatching(a.email, seen, new RegExp(`The address ${gone} was removed`));
    assert.equal((await post('/v1/recovery_email/destroy', a.token, { email: gone })).json.errno, 143);
    assert.equal((await list(a.token)).length, 1);
    await add(b.token, gone);
    assert.ok((await events(a.token)).includes('secondary-email-removed'));
  });

  it('answers 503 without mail and stores nothing', async () => {
    const noMail = await startTestApp();
    try {
      const a = await noMail.signUp();
      const res = await noMail.call('POST', '/v1/recovery_email', { token: a.token, body: { email: address('x') } });
      assert.deepEqual([res.status, res.json.errno], [503, 202]);
      assert.equal((await noMail.call('GET', '/v1/recovery_emails', { token: a.token })).json.length, 1);
    } finally {
      await noMail.close();
    }
  });
});

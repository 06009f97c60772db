import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { codeIn, type SmtpReceiver } from '../../mail/test-smtp-receiver.js';
import { startTestAppWithMail, type TestApp } from '../../device-messages/test-harness.js';

const hex = (c: string, n: number) => c.repeat(n);

describe('password change, reset and the recovery key', () => {
  let rx: SmtpReceiver;
  let t: TestApp;
  before(async () => ({ t, rx } = await startTestAppWithMail({ codeLifetime: 600, codeMaxAttempts: 3 })));
  after(() => t.close());

  const login = (email: string, password: string) => t.call('POST', '/v1/account/login', { body: { email, password } });
  async function accountWithKeys() {
    const a = await t.signUp();
    assert.equal((await t.call('POST', '/v1/account/keys', { token: a.token, body: { wrapKB: hex('a', 64) } })).status, 200);
    return a;
  }
  async function resetCode(email: string) {
    const seen = rx.mailsTo(email).length;
    assert.equal((await t.call('POST', '/v1/password/forgot/send_code', { body: { email } })).status, 200);
    const mail = await rx.nextMail(email, seen);
    assert.equal(mail.subject, 'Reset your password');
    return codeIn(mail);
  }

  it('keeps wrapKB once, and refuses to overwrite it outside a password change', async () => {
    const a = await accountWithKeys();
    assert.deepEqual((await t.call('GET', '/v1/account/keys', { token: a.token })).json, { wrapKB: hex('a', 64) });
    const again = await t.call('POST', '/v1/account/keys', { token: a.token, body: { wrapKB: hex('b', 64) } });
    assert.deepEqual([again.status, again.json.errno], [400, 107]);
    assert.equal((await t.call('POST', '/v1/account/keys', { token: a.token, body: { wrapKB: 'xyz' } })).json.errno, 107);
  });

  it('changes the password with the old one and a session: re-wraps the keys, signs out the others, tells devices, mails the owner', async () => {
    const a = await accountWithKeys();
    const other = await t.device(a);
    const mine = await t.device(a);
    const change = (body: unknown) => t.call('POST', '/v1/password/change', { token: mine.token, body });
    assert.equal((await change({ oldPassword: 'wrong password', newPassword: 'a new passphrase', wrapKB: hex('c', 64) })).json.errno, 103);
    assert.equal((await change({ oldPassword: a.password, newPassword: 'a new passphrase' })).json.errno, 107, 'wrapKB is required with keys');
    assert.equal((await change({ oldPassword: a.password, newPassword: 'short', wrapKB: hex('c', 64) })).json.errno, 107);
    const seen = rx.mailsTo(a.email).length;
    assert.equal((await change({ oldPassword: a.password, newPassword: 'a new passphrase', wrapKB: hex('c', 64) })).status, 200);
    assert.equal((await login(a.email, a.password)).json.errno, 103, 'the old password is gone');
    assert.equal((await login(a.email, 'a new passphrase')).status, 200);
    assert.deepEqual((await t.call('GET', '/v1/account/keys', { token: mine.token })).json, { wrapKB: hex('c', 64) });
    assert.equal((await t.call('GET', '/v1/account/profile', { token: other.token })).status, 401, 'other sessions signed out');
    assert.equal((await t.call('GET', '/v1/account/profile', { token: a.token })).status, 401);
    assert.deepEqual((await t.call('GET', '/v1/account/devices', { token: mine.token })).json.map((d: any) => d.id), [mine.id]);
    assert.deepEqual((await t.pushesOf(other)).at(-1), { version: 1, command: 'fxaccounts:password_changed' });
    const notice = await rx.nextMail(a.email, seen);
    assert.match(notice.subject, /Security notice/);
    assert.match(notice.text, /password was changed/);
  });

  it('resets a forgotten password without a recovery key: keys dropped, everyone signed out, devices told', async () => {
    const a = await accountWithKeys();
    const d = await t.device(a);
    await t.call('POST', '/v1/recovery_key', { token: d.token, body: { recoveryKeyId: hex('1', 32), recoveryData: hex('Q', 40) } });
    const code = await resetCode(a.email);
    const grant = await t.call('POST', '/v1/password/forgot/verify_code', { body: { email: a.email, code } });
    assert.equal(grant.status, 200);
    assert.equal(grant.json.recoveryData, null, 'no recovery data without the key\'s id');
    const keepRefused = await t.call('POST', '/v1/password/forgot/reset', { body: { email: a.email, resetToken: grant.json.resetToken, newPassword: 'reset passphrase', keepKeys: true } });
    assert.deepEqual([keepRefused.status, keepRefused.json.errno], [400, 107], 'keepKeys needs the recovery key');
    const reset = await t.call('POST', '/v1/password/forgot/reset', { body: { email: a.email, resetToken: grant.json.resetToken, newPassword: 'reset passphrase', wrapKB: hex('d', 64) } });
    assert.equal(reset.status, 200, reset.body);
    assert.equal(reset.json.emailVerified, true);
    assert.deepEqual((await t.call('GET', '/v1/account/keys', { token: reset.json.sessionToken })).json, { wrapKB: hex('d', 64) });
    assert.deepEqual((await t.call('GET', '/v1/recovery_key/exists', { token: reset.json.sessionToken })).json, { exists: false }, 'the recovery data wrapped the old key');
    assert.equal((await t.call('GET', '/v1/account/profile', { token: d.token })).status, 401);
    assert.deepEqual((await t.call('GET', '/v1/account/devices', { token: reset.json.sessionToken })).json, []);
    assert.deepEqual((await t.pushesOf(d)).at(-1), { version: 1, command: 'fxaccounts:password_reset', data: { keysKept: false } });
    assert.equal((await login(a.email, 'reset passphrase')).status, 200);
    const reuse = await t.call('POST', '/v1/password/forgot/reset', { body: { email: a.email, resetToken: grant.json.resetToken, newPassword: 'another passphrase' } });
    assert.equal(reuse.json.errno, 105, 'a reset token works once');
    assert.equal((await t.call('POST', '/v1/password/forgot/verify_code', { body: { email: a.email, code } })).json.errno, 105, 'so does the code');
  });

  it('resets with the recovery key: the recovery data comes back, keys and devices are kept', async () => {
    const a = await accountWithKeys();
    const d = await t.device(a);
    const idle = await t.signIn(a.email, a.password);
    const recovery = { recoveryKeyId: hex('2', 32), recoveryData: hex('R', 40) };
    assert.equal((await t.call('POST', '/v1/recovery_key', { token: d.token, body: recovery })).status, 200);
    assert.deepEqual((await t.call('GET', '/v1/recovery_key/exists', { token: d.token })).json, { exists: true });
    const code = await resetCode(a.email);
    const grant = await t.call('POST', '/v1/password/forgot/verify_code', { body: { email: a.email, code, recoveryKeyId: recovery.recoveryKeyId } });
    assert.equal(grant.json.recoveryData, recovery.recoveryData);
    const reset = await t.call('POST', '/v1/password/forgot/reset', {
      body: { email: a.email, resetToken: grant.json.resetToken, newPassword: 'reset passphrase', wrapKB: hex('e', 64), keepKeys: true },
    });
    assert.equal(reset.status, 200);
    assert.equal((await t.call('GET', '/v1/account/profile', { token: d.token })).status, 200, 'the device stays');
    assert.equal((await t.call('GET', '/v1/account/profile', { token: idle })).status, 401, 'a session without a device is signed out');
    assert.deepEqual((await t.pushesOf(d)).at(-1), { version: 1, command: 'fxaccounts:password_reset', data: { keysKept: true } });
    assert.deepEqual((await t.call('GET', '/v1/recovery_key/exists', { token: d.token })).json, { exists: false }, 'a used recovery key is spent');
  });

  it('a wrong recovery key id gets no data; codes and reset tokens are bounded, expire, and say nothing about unknown emails', async () => {
    const a = await accountWithKeys();
    const d = await t.device(a);
    await t.call('POST', '/v1/recovery_key', { token: d.token, body: { recoveryKeyId: hex('3', 32), recoveryData: hex('S', 40) } });
    const unknown = await t.call('POST', '/v1/password/forgot/send_code', { body: { email: 'nobody-here@example.com' } });
    assert.deepEqual([unknown.status, unknown.json], [200, {}], 'the same answer for an unknown email');
    assert.equal(rx.mailsTo('nobody-here@example.com').length, 0);
    assert.equal((await t.call('POST', '/v1/password/forgot/verify_code', { body: { email: 'nobody-here@example.com', code: '12345678' } })).json.errno, 105);

    let code = await resetCode(a.email);
    const wrong = String((Number(code) + 1) % 1e8).padStart(8, '0');
    for (let i = 0; i < 3; i++) assert.equal((await t.call('POST', '/v1/password/forgot/verify_code', { body: { email: a.email, code: wrong } })).json.errno, 105);
    assert.equal((await t.call('POST', '/v1/password/forgot/verify_code', { body: { email: a.email, code } })).json.errno, 904);

    code = await resetCode(a.email);
    t.clock.advance(600_000);
    assert.equal((await t.call('POST', '/v1/password/forgot/verify_code', { body: { email: a.email, code } })).json.errno, 183);

    code = await resetCode(a.email);
    const grant = await t.call('POST', '/v1/password/forgot/verify_code', { body: { email: a.email, code, recoveryKeyId: hex('4', 32) } });
    assert.equal(grant.json.recoveryData, null, 'another key id gets nothing');
    const bad = hex('0', 64);
    for (let i = 0; i < 3; i++) {
      assert.equal((await t.call('POST', '/v1/password/forgot/reset', { body: { email: a.email, resetToken: bad, newPassword: 'reset passphrase' } })).json.errno, 105);
    }
    const late = await t.call('POST', '/v1/password/forgot/reset', { body: { email: a.email, resetToken: grant.json.resetToken, newPassword: 'reset passphrase' } });
    assert.equal(late.json.errno, 904, 'the token dies after the bounded tries');
    assert.equal((await login(a.email, a.password)).status, 200, 'nothing changed');
  });
});

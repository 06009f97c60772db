import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../device-messages/test-harness.js';

describe('accounts and sessions', () => {
  let t: TestApp;
  before(async () => (t = await startTestApp()));
  after(() => t.close());

  it('creates an account and answers a uid and a 64-hex session token', async () => {
    const res = await t.call('POST', '/v1/account/create', { body: { email: 'Ann@Example.com', password: 'long enough' } });
    assert.equal(res.status, 200);
    assert.match(res.json.uid, /^[0-9a-f]{32}$/);
    assert.match(res.json.sessionToken, /^[0-9a-f]{64}$/);
    assert.equal(res.headers['cache-control'], 'no-store');
    const profile = await t.call('GET', '/v1/account/profile', { token: res.json.sessionToken });
    assert.deepEqual(profile.json, { uid: res.json.uid, email: 'ann@example.com', displayName: null, emailVerified: false });
  });

  it('stores only a scrypt hash of the password and a SHA-256 of the token', async () => {
    const { uid, token, email } = await t.signUp();
    const account = await t.accounts.findAccountByEmail(email);
    assert.match(account!.passwordHash, /^scrypt\$10\$8\$1\$/);
    assert.equal(await t.accounts.getSession(token), null, 'the token itself is no session id');
    assert.equal(account!.uid, uid);
  });

  it('refuses a second account for the same email, in any case, with 400 errno 101', async () => {
    const { email } = await t.signUp();
    const res = await t.call('POST', '/v1/account/create', { body: { email: email.toUpperCase(), password: 'another password' } });
    assert.equal(res.status, 400);
    assert.equal(res.json.errno, 101);
  });

  it('signs in with the right password into a new session', async () => {
    const a = await t.signUp();
    const token = await t.signIn(a.email, a.password);
    assert.notEqual(token, a.token);
    assert.equal((await t.call('GET', '/v1/account/profile', { token })).json.uid, a.uid);
  });

  it('answers a wrong password and an unknown email alike: 400 errno 103', async () => {
    const a = await t.signUp();
    const wrong = await t.call('POST', '/v1/account/login', { body: { email: a.email, password: 'wrong password' } });
    const unknown = await t.call('POST', '/v1/account/login', { body: { email: 'nobody@example.com', password: 'wrong password' } });
    for (const res of [wrong, unknown]) {
      assert.equal(res.status, 400);
      assert.deepEqual({ errno: res.json.errno, message: res.json.message }, { errno: 103, message: 'Incorrect email or password' });
    }
  });

  it('validates credentials at the edge: 400 errno 107 naming the field', async () => {
    for (const body of [{ email: 'not-an-email', password: 'long enough' }, { email: 'a@b.c', password: 'short' }, { email: 'a@b.c' }]) {
      const res = await t.call('POST', '/v1/account/create', { body });
      assert.equal(res.status, 400);
      assert.equal(res.json.errno, 107);
      assert.match(res.json.message, /email|password/);
    }
  });

  it('answers bad JSON and other content types with 400 errno 106, in FxA\'s error shape', async () => {
    const bad = await t.call('POST', '/v1/account/create', { raw: '{nope', headers: { 'content-type': 'application/json' } });
    assert.equal(bad.status, 400);
    assert.deepEqual(Object.keys(bad.json).sort(), ['code', 'errno', 'error', 'info', 'message']);
    assert.equal(bad.json.errno, 106);
    const text = await t.call('POST', '/v1/account/create', { raw: 'email=a', headers: { 'content-type': 'text/plain' } });
    assert.equal(text.status, 400);
    assert.equal(text.json.errno, 106);
  });

  it('answers 401 errno 110 without a token, with a malformed one, an unknown one or another scheme', async () => {
    const { token } = await t.signUp();
    for (const authorization of [undefined, 'Bearer', 'Bearer xyz', `Bearer ${'0'.repeat(64)}`, `Hawk ${token}`, `Bearer ${token}x`]) {
      const res = await t.call('GET', '/v1/account/devices', { headers: authorization === undefined ? {} : { authorization } });
      assert.equal(res.status, 401, String(authorization));
      assert.equal(res.json.errno, 110);
    }
    assert.equal((await t.call('GET', '/v1/account/devices', { token: token.toUpperCase() })).status, 200, 'hex is case-insensitive');
  });

  it('signs out: the token stops working, other sessions keep working', async () => {
    const a = await t.signUp();
    const other = await t.signIn(a.email, a.password);
    assert.equal((await t.call('POST', '/v1/session/destroy', { token: a.token })).status, 200);
    assert.equal((await t.call('GET', '/v1/account/devices', { token: a.token })).status, 401);
    assert.equal((await t.call('POST', '/v1/session/destroy', { token: a.token })).status, 401);
    assert.equal((await t.call('GET', '/v1/account/devices', { token: other })).status, 200);
  });

  it('signing out a device\'s session disconnects the device and tells it', async () => {
    const a = await t.signUp();
    const phone = await t.device(a);
    const laptop = await t.device(a);
    assert.equal((await t.call('POST', '/v1/session/destroy', { token: phone.token })).status, 200);
    const devices = await t.call('GET', '/v1/account/devices', { token: laptop.token });
    assert.deepEqual(devices.json.map((d: { id: string }) => d.id), [laptop.id]);
    assert.deepEqual((await t.pushesOf(phone)).at(-1), { version: 1, command: 'fxaccounts:device_disconnected', data: { id: phone.id } });
  });

  it('updates the display name and pushes profile_updated to every device', async () => {
    const a = await t.signUp();
    const d = await t.device(a);
    assert.equal((await t.call('POST', '/v1/account/profile', { token: a.token, body: { displayName: 'Ann ☃' } })).status, 200);
    assert.equal((await t.call('GET', '/v1/account/profile', { token: a.token })).json.displayName, 'Ann ☃');
    assert.deepEqual((await t.pushesOf(d)).at(-1), { version: 1, command: 'fxaccounts:profile_updated' });
  });

  it('deletes an account only with its password, then every token is 401 and devices hear account_destroyed', async () => {
    const a = await t.signUp();
    const d = await t.device(a);
    await t.call('POST', '/v1/account/devices/invoke_command', { token: a.token, body: { target: d.id, command: 'x', payload: {} } });
    const wrong = await t.call('POST', '/v1/account/destroy', { token: a.token, body: { password: 'not it at all' } });
    assert.deepEqual([wrong.status, wrong.json.errno], [400, 103]);
    assert.equal((await t.call('POST', '/v1/account/destroy', { token: a.token, body: { password: a.password } })).status, 200);
    for (const token of [a.token, d.token]) assert.equal((await t.call('GET', '/v1/account/devices', { token })).status, 401);
    assert.deepEqual((await t.pushesOf(d)).at(-1), { version: 1, command: 'fxaccounts:account_destroyed', data: { uid: a.uid } });
    assert.equal(await t.mailbox.latestIndex({ uid: a.uid, deviceId: d.id, box: 'commands' }), 0, 'its mailboxes are gone');
    assert.equal((await t.call('POST', '/v1/account/login', { body: { email: a.email, password: a.password } })).status, 400);
  });
});

/**
 * Quotas of the account API on its real routes (docs/device-messages.md "Quotas"): devices and
 * sessions per account, and unexpired mailbox entries per device and per account.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp, type TestDevice } from '../../device-messages/test-harness.js';

const OPEN_URI = 'https://identity.mozilla.com/cmd/open-uri';

const invoke = (t: TestApp, from: TestDevice, to: TestDevice, payload: object = {}) =>
  t.call('POST', '/v1/account/devices/invoke_command', { token: from.token, body: { target: to.id, command: OPEN_URI, payload, ttl: 3600 } });

describe('account quotas', () => {
  it('refuses a device beyond maxDevicesPerAccount with 400, errno 901, and takes one after another leaves', async () => {
    const t = await startTestApp({ maxDevicesPerAccount: 2 });
    try {
      const account = await t.signUp();
      const first = await t.device(account);
      await t.device(account);
      const token = await t.signIn(account.email, account.password);
      const register = () => t.call('POST', '/v1/account/device', { token, body: { name: 'third' } });
      const res = await register();
      assert.equal(res.status, 400, res.body);
      assert.equal(res.json.errno, 901);
      assert.equal((await t.call('GET', '/v1/account/devices', { token })).json.length, 2);
      assert.equal((await t.call('POST', '/v1/account/device/destroy', { token, body: { id: first.id } })).status, 200);
      assert.equal((await register()).status, 200);
    } finally {
      await t.close();
    }
  });

  it('keeps at most maxSessionsPerAccount sessions by signing out the least recently used idle ones, never a device\'s', async () => {
    const t = await startTestApp({ maxSessionsPerAccount: 3 });
    try {
      const account = await t.signUp(); // session 1: idle, oldest
      const device = await t.device(account); // session 2, with a device
      t.clock.advance(1000);
      const s3 = await t.signIn(account.email, account.password);
      t.clock.advance(1000);
      const s4 = await t.signIn(account.email, account.password); // over 3: session 1 goes
      const profile = (token: string) => t.call('GET', '/v1/account/profile', { token });
      assert.equal((await profile(account.token)).status, 401, 'the least recently used idle session was signed out');
      for (const token of [device.token, s3, s4]) assert.equal((await profile(token)).status, 200);
    } finally {
      await t.close();
    }
  });

  it('refuses a sign-in with 400, errno 903, when every session has a device', async () => {
    const t = await startTestApp({ maxSessionsPerAccount: 2, maxDevicesPerAccount: 0 });
    try {
      const account = await t.signUp();
      await t.device(account);
      await t.device(account); // the sign-up's idle session made room for this one
      const res = await t.call('POST', '/v1/account/login', { body: { email: account.email, password: account.password } });
      assert.equal(res.status, 400, res.body);
      assert.equal(res.json.errno, 903);
    } finally {
      await t.close();
    }
  });

  it('answers 507, errno 902, once the target device holds deviceMailboxMaxMessages, stores nothing more, and takes more once entries expire', async () => {
    const t = await startTestApp({ deviceMailboxMaxMessages: 3 });
    try {
      const account = await t.signUp();
      const sender = await t.device(account);
      const target = await t.device(account, { availableCommands: { [OPEN_URI]: 'bundle' } });
      for (let i = 0; i < 3; i++) assert.equal((await invoke(t, sender, target)).status, 200);
      const res = await invoke(t, sender, target);
      assert.equal(res.status, 507, res.body);
      assert.equal(res.json.errno, 902);
      assert.equal((await t.mailbox.usage(target.uid, target.id)).device.messages, 3, 'nothing stored');
      t.clock.advance(3600 * 1000);
      assert.equal((await invoke(t, sender, target)).status, 200);
    } finally {
      await t.close();
    }
  });

  it('counts bytes per device and entries per account', async () => {
    const t = await startTestApp({ deviceMailboxMaxBytes: 10_000, accountMailboxMaxMessages: 4 });
    try {
      const account = await t.signUp();
      const sender = await t.device(account);
      const a = await t.device(account, { availableCommands: { [OPEN_URI]: 'bundle' } });
      const b = await t.device(account, { availableCommands: { [OPEN_URI]: 'bundle' } });
      assert.equal((await invoke(t, sender, a, { blob: 'x'.repeat(6000) })).status, 200);
      const bytes = await invoke(t, sender, a, { blob: 'x'.repeat(6000) });
      assert.deepEqual([bytes.status, bytes.json.errno], [507, 902], 'over 10,000 bytes on device a');
      assert.equal((await invoke(t, sender, b, { blob: 'x'.repeat(6000) })).status, 200, 'device b has its own bytes');
      assert.equal((await invoke(t, sender, b)).status, 200);
      assert.equal((await invoke(t, sender, a)).status, 200); // the account's 4th entry
      const account5 = await invoke(t, sender, b);
      assert.deepEqual([account5.status, account5.json.errno], [507, 902], 'over 4 entries in the account');
      assert.match(account5.json.message, /account/);
    } finally {
      await t.close();
    }
  });
});

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateSubscriptionKeys } from '../../crypto/ece.js';
import { verifyVapidToken } from '../../crypto/vapid.js';
import { PUBLIC_URL, startTestApp, vapidKeyOf, type TestApp } from '../../device-messages/test-harness.js';

const HOUR = 3600;

describe('device registry', () => {
  let t: TestApp;
  before(async () => (t = await startTestApp()));
  after(() => t.close());

  it('registers the session\'s device and lists it as the current one', async () => {
    const a = await t.signUp();
    const keys = generateSubscriptionKeys();
    const body = {
      name: 'Ann\'s phone',
      type: 'mobile',
      pushCallback: `${PUBLIC_URL}/wpush/v1/abc`,
      pushPublicKey: keys.publicKey.toString('base64url'),
      pushAuthKey: keys.auth.toString('base64url'),
      capabilities: ['messages'],
      availableCommands: { 'https://identity.mozilla.com/cmd/open-uri': '{"kid":"00"}' },
    };
    const res = await t.call('POST', '/v1/account/device', { token: a.token, body });
    assert.equal(res.status, 200);
    assert.match(res.json.id, /^[0-9a-f]{32}$/);
    const list = await t.call('GET', '/v1/account/devices', { token: a.token });
    assert.deepEqual(list.json, [
      {
        id: res.json.id,
        name: 'Ann\'s phone',
        type: 'mobile',
        createdAt: t.clock.now(),
        lastAccessTime: t.clock.now(),
        isCurrentDevice: true,
        pushCallback: body.pushCallback,
        pushPublicKey: body.pushPublicKey,
        pushAuthKey: body.pushAuthKey,
        pushEndpointExpired: false,
        capabilities: ['messages'],
        availableCommands: body.availableCommands,
      },
    ]);
  });

  it('keeps one device per session: a second registration updates it', async () => {
    const a = await t.signUp();
    const first = await t.call('POST', '/v1/account/device', { token: a.token, body: { name: 'one' } });
    const second = await t.call('POST', '/v1/account/device', { token: a.token, body: { type: 'tablet' } });
    assert.equal(second.json.id, first.json.id);
    assert.deepEqual([second.json.name, second.json.type], ['one', 'tablet']);
    assert.equal((await t.call('GET', '/v1/account/devices', { token: a.token })).json.length, 1);
  });

  it('shows the account\'s devices with isCurrentDevice for the caller only, and lastAccessTime', async () => {
    const a = await t.signUp();
    const one = await t.device(a, { name: 'one' });
    t.clock.advance(120_000);
    const two = await t.device(a, { name: 'two' });
    const list = (await t.call('GET', '/v1/account/devices', { token: two.token })).json;
    assert.deepEqual(list.map((d: any) => [d.name, d.isCurrentDevice]), [['one', false], ['two', true]]);
    assert.ok(list[1].lastAccessTime > list[0].lastAccessTime, 'the caller was seen later');
    const recent = await t.call('GET', `/v1/account/devices?filterIdleDevicesTimestamp=${t.clock.now() - 60_000}`, { token: two.token });
    assert.deepEqual(recent.json.map((d: any) => d.id), [two.id]);
    assert.ok(one.id);
  });

  it('renames another device of the account with {id, name}, and refuses anything more (124)', async () => {
    const a = await t.signUp();
    const phone = await t.device(a);
    const renamed = await t.call('POST', '/v1/account/device', { token: a.token, body: { id: phone.id, name: 'Old phone' } });
    assert.equal(renamed.status, 200);
    assert.equal(renamed.json.name, 'Old phone');
    assert.equal(renamed.json.isCurrentDevice, false);
    const steal = await t.call('POST', '/v1/account/device', { token: a.token, body: { id: phone.id, pushCallback: '', pushPublicKey: '', pushAuthKey: '' } });
    assert.deepEqual([steal.status, steal.json.errno], [400, 124]);
    assert.notEqual((await t.accounts.getDevice(a.uid, phone.id))?.push, null);
  });

  it('treats devices of other accounts as unknown (400 errno 123) for rename and destroy', async () => {
    const a = await t.signUp();
    const b = await t.signUp();
    const bDevice = await t.device(b);
    const rename = await t.call('POST', '/v1/account/device', { token: a.token, body: { id: bDevice.id, name: 'mine now' } });
    const destroy = await t.call('POST', '/v1/account/device/destroy', { token: a.token, body: { id: bDevice.id } });
    for (const res of [rename, destroy]) assert.deepEqual([res.status, res.json.errno], [400, 123]);
    assert.equal((await t.call('GET', '/v1/account/devices', { token: a.token })).json.length, 0);
    assert.equal((await t.accounts.getDevice(b.uid, bDevice.id))?.name, 'Device');
  });

  it('validates push fields: 400 errno 107 for a foreign push host, a bad key or a short auth key', async () => {
    const a = await t.signUp();
    const keys = generateSubscriptionKeys();
    const good = { pushCallback: `${PUBLIC_URL}/wpush/v1/x`, pushPublicKey: keys.publicKey.toString('base64url'), pushAuthKey: keys.auth.toString('base64url') };
    for (const body of [
      { ...good, pushCallback: 'https://elsewhere.example.net/wpush/v1/x' },
      { ...good, pushPublicKey: keys.publicKey.subarray(0, 64).toString('base64url') },
      { ...good, pushAuthKey: keys.auth.subarray(0, 8).toString('base64url') },
    ]) {
      const res = await t.call('POST', '/v1/account/device', { token: a.token, body });
      assert.deepEqual([res.status, res.json.errno], [400, 107], res.body);
    }
    assert.equal((await t.call('GET', '/v1/account/devices', { token: a.token })).json.length, 0, 'nothing was stored');
  });

  it('accepts callbacks on every configured push host', async () => {
    const t2 = await startTestApp({ allowedPushOrigins: ['https://*.push.services.mozilla.com', PUBLIC_URL] });
    try {
      const a = await t2.signUp();
      const keys = generateSubscriptionKeys();
      const res = await t2.call('POST', '/v1/account/device', {
        token: a.token,
        body: { pushCallback: 'https://updates.push.services.mozilla.com/wpush/v2/x', pushPublicKey: keys.publicKey.toString('base64url'), pushAuthKey: keys.auth.toString('base64url') },
      });
      assert.equal(res.status, 200, res.body);
    } finally {
      await t2.close();
    }
  });

  it('tells the other devices when a device connects, encrypted to their keys and signed with Herald\'s VAPID key', async () => {
    const a = await t.signUp();
    const first = await t.device(a);
    const before = t.pushes.length;
    await t.device(a, { name: 'New tablet' });
    assert.deepEqual(await t.pushesOf(first), [{ version: 1, command: 'fxaccounts:device_connected', data: { deviceName: 'New tablet' } }]);
    const push = t.pushes.slice(before).find((p) => p.url === first.callback)!;
    assert.equal(push.headers['content-encoding'], 'aes128gcm');
    assert.equal(push.headers.ttl, '0');
    const token = /t=([^,]+)/.exec(push.headers.authorization!)![1]!;
    const claims = verifyVapidToken(token, vapidKeyOf(push), { audience: PUBLIC_URL });
    assert.equal(claims.sub, PUBLIC_URL);
  });

  it('disconnects a device: its session ends, its mailbox empties, every device hears device_disconnected', async () => {
    const a = await t.signUp();
    const phone = await t.device(a);
    const laptop = await t.device(a);
    await t.accounts.updateDevice(a.uid, phone.id, { availableCommands: { x: '' } });
    await t.call('POST', '/v1/account/devices/invoke_command', { token: laptop.token, body: { target: phone.id, command: 'x', payload: {} } });
    assert.ok((await t.mailbox.latestIndex({ uid: a.uid, deviceId: phone.id, box: 'commands' })) > 0);

    const res = await t.call('POST', '/v1/account/device/destroy', { token: a.token, body: { id: phone.id } });
    assert.deepEqual([res.status, res.json], [200, {}]);
    assert.equal((await t.call('GET', '/v1/account/devices', { token: phone.token })).status, 401, 'the device must sign in again');
    assert.equal(await t.mailbox.latestIndex({ uid: a.uid, deviceId: phone.id, box: 'commands' }), 0);
    const disconnected = { version: 1, command: 'fxaccounts:device_disconnected', data: { id: phone.id } };
    assert.deepEqual((await t.pushesOf(phone)).at(-1), disconnected, 'the removed device hears it too');
    assert.deepEqual((await t.pushesOf(laptop)).at(-1), disconnected);
    const last = t.pushes.filter((p) => p.url === laptop.callback).at(-1)!;
    assert.equal(last.headers.ttl, String(5 * HOUR));
    const again = await t.call('POST', '/v1/account/device/destroy', { token: a.token, body: { id: phone.id } });
    assert.deepEqual([again.status, again.json.errno], [400, 123]);
  });

  for (const status of [404, 410]) {
    it(`marks a device pushEndpointExpired when its push service answers ${status}, and a new callback clears it`, async () => {
      const a = await t.signUp();
      const phone = await t.device(a);
      const laptop = await t.device(a);
      await t.accounts.updateDevice(a.uid, phone.id, { availableCommands: { x: '' } });
      t.pushStatus.set(phone.callback, status);
      const res = await t.call('POST', '/v1/account/devices/invoke_command', { token: laptop.token, body: { target: phone.id, command: 'x', payload: {} } });
      assert.deepEqual(res.json, { enqueued: true, notified: false, notifyError: 'endpointExpired' });
      const own = (await t.call('GET', '/v1/account/devices', { token: phone.token })).json.find((d: any) => d.isCurrentDevice);
      assert.equal(own.pushEndpointExpired, true);

      const pushesBefore = t.pushes.length;
      const skipped = await t.call('POST', '/v1/account/devices/invoke_command', { token: laptop.token, body: { target: phone.id, command: 'x', payload: {} } });
      assert.deepEqual(skipped.json, { enqueued: true, notified: false, notifyError: 'expiredCallback' });
      assert.equal(t.pushes.length, pushesBefore, 'no push goes to an expired endpoint');

      const keys = generateSubscriptionKeys();
      const renewed = await t.call('POST', '/v1/account/device', {
        token: phone.token,
        body: { pushCallback: `${PUBLIC_URL}/wpush/v1/renewed-${status}`, pushPublicKey: keys.publicKey.toString('base64url'), pushAuthKey: keys.auth.toString('base64url') },
      });
      assert.equal(renewed.json.pushEndpointExpired, false);
    });
  }

  it('marks the endpoint expired when the stored key cannot be encrypted to', async () => {
    const a = await t.signUp();
    const phone = await t.device(a);
    const laptop = await t.device(a);
    await t.accounts.updateDevice(a.uid, phone.id, { push: { callback: phone.callback, publicKey: 'AAAA', authKey: 'AAAA' }, availableCommands: { x: '' } });
    const res = await t.call('POST', '/v1/account/devices/invoke_command', { token: laptop.token, body: { target: phone.id, command: 'x', payload: {} } });
    assert.deepEqual(res.json, { enqueued: true, notified: false, notifyError: 'invalidKey' });
    assert.equal((await t.accounts.getDevice(a.uid, phone.id))?.pushEndpointExpired, true);
  });

  it('serves the device page with a strict content security policy', async () => {
    const page = await t.call('GET', '/devices');
    assert.equal(page.status, 200);
    assert.match(String(page.headers['content-type']), /^text\/html/);
    assert.match(String(page.headers['content-security-policy']), /default-src 'none'; script-src 'self'/);
    assert.match(page.body, /<script src="\/devices\/app.js" defer><\/script>/);
    const js = await t.call('GET', '/devices/app.js');
    assert.match(String(js.headers['content-type']), /^text\/javascript/);
    assert.doesNotMatch(js.body, /innerHTML/, 'server text never becomes markup');
    assert.equal((await t.call('GET', '/devices/app.css')).status, 200);
  });
});

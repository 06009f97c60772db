/**
 * `herald serve` as a user runs it mounts the account API: create an account, register a device
 * with a push callback on this server, list it, send it a device message, read the mailbox.
 * (The detailed behaviour is tested in device-messages.test.ts on an in-process server.)
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { b64uEncode } from '../../src/crypto/base64url.js';
import { PushUserAgent } from '../../src/sdk/index.js';
import { startHerald, type HeraldProcess } from './helpers/herald-process.js';
import { collectPushes } from './helpers/pushes.js';

describe('herald serve with accounts', () => {
  let herald: HeraldProcess;
  before(async () => {
    herald = await startHerald();
  });
  after(async () => herald?.dispose());

  const api = async (path: string, body: unknown, token?: string) => {
    const res = await fetch(`${herald.endpointUrl}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> & unknown[] };
  };

  it('creates an account, registers a pushable device and delivers a device message to it', async () => {
    const created = await api('/v1/account/create', { email: 'ann@example.com', password: 'a long passphrase' });
    assert.equal(created.status, 200);
    const token = created.json.sessionToken as string;
    assert.match(token, /^[0-9a-f]{64}$/);

    const ua = new PushUserAgent({ serverUrl: herald.wsUrl, reconnect: false, autoAck: true });
    const pushes = collectPushes(ua);
    await ua.connect();
    const sub = await ua.subscribe();
    const device = await api(
      '/v1/account/device',
      { name: 'Ann’s laptop', type: 'desktop', pushCallback: sub.endpoint, pushPublicKey: sub.keys.p256dh, pushAuthKey: sub.keys.auth, capabilities: ['messages'] },
      token,
    );
    assert.equal(device.status, 200, JSON.stringify(device.json));
    const listed = await api('/v1/account/devices', undefined, token);
    assert.equal(listed.status, 200);
    assert.equal((listed.json as unknown as Array<{ name: string; isCurrentDevice: boolean }>)[0]!.name, 'Ann’s laptop');

    const sent = await api('/v1/account/devices/messages', { to: device.json.id, topic: 'sendtab', data: b64uEncode(Buffer.from('opaque')), ttl: 60 }, token);
    assert.equal(sent.status, 200, JSON.stringify(sent.json));
    await pushes.waitCount(1);
    const mailbox = await api('/v1/account/device/messages?index=0&limit=10', undefined, token);
    assert.equal(mailbox.status, 200);
    assert.equal((mailbox.json.messages as unknown[]).length, 1);
    await ua.close();
  });

  it('refuses the account API without a session token', async () => {
    assert.equal((await api('/v1/account/devices', undefined)).status, 401);
  });
});

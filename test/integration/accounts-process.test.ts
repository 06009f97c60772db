/**
 * `herald serve` as a user runs it mounts the account API: create an account, register a device
 * with a push callback on this server, list it, send it a device message, read the mailbox.
 * Two nodes on one PostgreSQL share Herald's VAPID key and deliver device messages sent through
 * either. (The detailed behaviour is tested in device-messages.test.ts, once per backend.)
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { b64uEncode } from '../../src/crypto/base64url.js';
import { generateFernetKey } from '../../src/crypto/fernet.js';
import { PushUserAgent } from '../../src/sdk/index.js';
import { startPostgres, type PostgresServer } from '../support/servers.js';
import { freePort, startHerald, type HeraldProcess } from './helpers/herald-process.js';
import { collectPushes } from './helpers/pushes.js';

async function callApi(baseUrl: string, path: string, body: unknown, token?: string) {
  const res = await fetch(`${baseUrl}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> & unknown[] };
}

describe('herald serve with accounts', () => {
  let herald: HeraldProcess;
  before(async () => {
    herald = await startHerald();
  });
  after(async () => herald?.dispose());

  const api = (path: string, body: unknown, token?: string) => callApi(herald.endpointUrl, path, body, token);

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

describe('two herald serve nodes with accounts on one PostgreSQL', () => {
  let server: PostgresServer;
  let a: HeraldProcess;
  let b: HeraldProcess;
  before(async () => {
    server = await startPostgres();
    const portA = await freePort();
    const shared = { db: server.dsn, args: ['--crypto-keys', generateFernetKey()] };
    // Started at the same moment: both create Herald's VAPID key, one wins, both use the winner.
    // Both hand out endpoints under A's URL, as nodes behind one public address do.
    [a, b] = await Promise.all([startHerald({ ...shared, port: portA }), startHerald({ ...shared, endpointUrl: `http://127.0.0.1:${portA}` })]);
  });
  after(async () => {
    await Promise.all([a?.dispose(), b?.dispose()]);
    await server?.stop();
  });

  it("sign with one VAPID key: a device subscribed with Herald's key gets device messages sent through either node", async () => {
    const client = new pg.Client({ connectionString: server.dsn });
    await client.connect();
    const { rows } = await client.query<{ value: string }>("SELECT value FROM service_key WHERE name = 'vapid'");
    await client.end();
    assert.equal(rows.length, 1);
    const heraldKey = (JSON.parse(rows[0]!.value) as { publicKey: string }).publicKey;

    // A v2 endpoint bound to Herald's key: a push signed with any other key would get 401.
    const ua = new PushUserAgent({ serverUrl: b.wsUrl, reconnect: false, autoAck: true });
    const pushes = collectPushes(ua);
    await ua.connect();
    try {
      const sub = await ua.subscribe({ vapidPublicKey: heraldKey });
      const created = await callApi(a.endpointUrl, '/v1/account/create', { email: 'cluster@example.com', password: 'a long passphrase' });
      const token = created.json.sessionToken as string;
      const device = await callApi(
        b.endpointUrl,
        '/v1/account/device',
        { name: 'Phone', type: 'mobile', pushCallback: sub.endpoint, pushPublicKey: sub.keys.p256dh, pushAuthKey: sub.keys.auth, capabilities: ['messages'] },
        token,
      );
      assert.equal(device.status, 200, JSON.stringify(device.json));
      for (const node of [a, b]) {
        const sent = await callApi(node.endpointUrl, '/v1/account/devices/messages', { to: device.json.id, topic: 'sendtab', data: b64uEncode(Buffer.from('opaque')), ttl: 60 }, token);
        assert.equal(sent.status, 200, JSON.stringify(sent.json));
      }
      await pushes.waitCount(2);
      const listed = await callApi(a.endpointUrl, '/v1/account/devices', undefined, token);
      assert.equal((listed.json as unknown as Array<{ pushEndpointExpired: boolean }>)[0]!.pushEndpointExpired, false, 'no push was refused');
      const mailbox = await callApi(b.endpointUrl, '/v1/account/device/messages?index=0&limit=10', undefined, token);
      assert.deepEqual((mailbox.json.messages as Array<{ index: number }>).map((m) => m.index).length, 2);
    } finally {
      await ua.close();
    }
  });
});

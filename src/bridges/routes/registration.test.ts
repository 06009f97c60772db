/**
 * The registration API through `app.inject()` on the real endpoint app, with a real SQLite store
 * (in memory) and the stub bridge: every route, its auth and its errors (docs/bridges.md).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import webpush from 'web-push';
import { defaultSettings, type Settings } from '../../config/settings.js';
import { MultiFernet, generateFernetKey } from '../../crypto/fernet.js';
import { parseEndpointToken } from '../../crypto/endpoint-token.js';
import { buildEndpointApp } from '../../endpoint/app.js';
import type { NodeRouter } from '../../routing/node-router.js';
import { openSqliteStore } from '../../storage/sqlite/sqlite-store.js';
import type { Store } from '../../storage/store.js';
import { Bridges } from '../bridges.js';
import { StubRouter } from '../stub/stub-router.js';

const ENDPOINT_URL = 'https://push.example.com';
const AUTH_KEY = 'test-auth-key';
const settings: Settings = { ...defaultSettings, endpointUrl: ENDPOINT_URL, cryptoKeys: [generateFernetKey()], authKeys: [AUTH_KEY], maxChannelsPerUaid: 3 };
const cipher = new MultiFernet(settings.cryptoKeys);
const noRouter: NodeRouter = {
  push: async () => 'not-connected',
  notify: async () => 'not-connected',
  disconnect: async () => 'not-connected',
};

let store: Store;
let app: FastifyInstance;
let stub: StubRouter;

before(async () => {
  store = await openSqliteStore(':memory:');
  stub = new StubRouter();
  const bridges = new Bridges(new Map([['stub', stub]]), { store, authKeys: [AUTH_KEY] });
  app = buildEndpointApp({ settings, store, router: noRouter, cipher, bridges });
  await app.ready();
});
after(async () => {
  await app.close();
  await store.close();
});

interface Registered {
  uaid: string;
  channelID: string;
  endpoint: string;
  secret: string;
}

async function register(body: object = { token: 'device-token-1' }, appId = 'success'): Promise<Registered> {
  const res = await app.inject({ method: 'POST', url: `/v1/stub/${appId}/registration`, payload: body });
  assert.equal(res.statusCode, 200, res.body);
  return res.json() as Registered;
}

const auth = (r: Registered) => ({ authorization: `Bearer ${r.secret}` });
const pushPath = (endpoint: string) => new URL(endpoint).pathname;

describe('registration API', () => {
  it('registers a device: a uaid, a channel, a v1 endpoint for them and the secret', async () => {
    const r = await register();
    assert.match(r.uaid, /^[0-9a-f]{32}$/);
    assert.match(r.channelID, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.match(r.secret, /^[0-9a-f]{64}$/);
    assert.ok(r.endpoint.startsWith(`${ENDPOINT_URL}/wpush/v1/`));
    const info = parseEndpointToken(cipher, 'v1', r.endpoint.split('/').pop()!);
    assert.equal(info.uaid, r.uaid);
    assert.equal(info.channelID, r.channelID);
    const user = await store.getUser(r.uaid);
    assert.equal(user?.routerType, 'stub');
    assert.deepEqual(user?.routerData, { token: 'device-token-1', app_id: 'success' });
    assert.deepEqual(await store.getChannels(r.uaid), new Set([r.channelID]));
  });

  it('keeps a given channelID and makes a v2 endpoint for a VAPID key', async () => {
    const channelID = randomUUID();
    const key = webpush.generateVAPIDKeys().publicKey;
    const r = await register({ token: 'device-token-1', channelID: channelID.toUpperCase(), key });
    assert.equal(r.channelID, channelID);
    assert.ok(r.endpoint.includes('/wpush/v2/'));
  });

  it('refuses an unknown router type with 400 and errno 108, storing nothing', async () => {
    const res = await app.inject({ method: 'POST', url: '/v1/blackberry/x/registration', payload: { token: 'device-token-1' } });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().errno, 108);
  });

  it('refuses a router type with no bridge configured here, and an unknown app id, with 400 and errno 106', async () => {
    for (const url of ['/v1/fcm/org.example/registration', '/v1/stub/nope/registration']) {
      const res = await app.inject({ method: 'POST', url, payload: { token: 'device-token-1' } });
      assert.equal(res.statusCode, 400, url);
      assert.equal(res.json().errno, 106, url);
    }
  });

  it('refuses a bad token (short or with a space), bad JSON, a bad channelID or key with 400', async () => {
    const bodies: (object | string)[] = [{ token: 'short' }, { token: 'has a space' }, '{not json', { token: 'device-token-1', channelID: 'nope' }, { token: 'device-token-1', key: 'AAAA' }, { channelID: randomUUID() }];
    for (const payload of bodies) {
      const res = await app.inject({ method: 'POST', url: '/v1/stub/success/registration', payload, headers: { 'content-type': 'application/json' } });
      assert.equal(res.statusCode, 400, JSON.stringify(payload));
    }
  });

  it('answers 401 and errno 109 for a missing, wrong or other-scheme secret, before anything else', async () => {
    const r = await register();
    const other = await register();
    for (const authorization of [undefined, `Bearer ${other.secret}`, `Basic ${r.secret}`]) {
      const res = await app.inject({ method: 'GET', url: `/v1/stub/success/registration/${r.uaid}`, headers: authorization ? { authorization } : {} });
      assert.equal(res.statusCode, 401);
      assert.equal(res.json().errno, 109);
    }
    // Even with a bad router type: the secret is checked first.
    const res = await app.inject({ method: 'GET', url: `/v1/nope/x/registration/${r.uaid}` });
    assert.equal(res.statusCode, 401);
  });

  it('accepts the WebPush scheme too', async () => {
    const r = await register();
    const res = await app.inject({ method: 'GET', url: `/v1/stub/success/registration/${r.uaid}`, headers: { authorization: `WebPush ${r.secret}` } });
    assert.equal(res.statusCode, 200);
  });

  it('lists the channels of a registration', async () => {
    const r = await register();
    const res = await app.inject({ method: 'GET', url: `/v1/stub/success/registration/${r.uaid}`, headers: auth(r) });
    assert.deepEqual(res.json(), { uaid: r.uaid, channelIDs: [r.channelID] });
  });

  it('updates the token with PUT', async () => {
    const r = await register();
    const res = await app.inject({ method: 'PUT', url: `/v1/stub/success/registration/${r.uaid}`, headers: auth(r), payload: { token: 'device-token-2' } });
    assert.equal(res.statusCode, 200);
    assert.deepEqual((await store.getUser(r.uaid))?.routerData, { token: 'device-token-2', app_id: 'success' });
  });

  it('adds and removes channels', async () => {
    const r = await register();
    const add = await app.inject({ method: 'POST', url: `/v1/stub/success/registration/${r.uaid}/subscription`, headers: auth(r) });
    assert.equal(add.statusCode, 200);
    const { channelID, endpoint } = add.json() as { channelID: string; endpoint: string };
    assert.ok(endpoint.startsWith(`${ENDPOINT_URL}/wpush/v1/`));
    assert.deepEqual(await store.getChannels(r.uaid), new Set([r.channelID, channelID]));
    const del = await app.inject({ method: 'DELETE', url: `/v1/stub/success/registration/${r.uaid}/subscription/${channelID}`, headers: auth(r) });
    assert.equal(del.statusCode, 200);
    const again = await app.inject({ method: 'DELETE', url: `/v1/stub/success/registration/${r.uaid}/subscription/${channelID}`, headers: auth(r) });
    assert.equal(again.statusCode, 410);
    assert.equal(again.json().errno, 106);
    const bad = await app.inject({ method: 'DELETE', url: `/v1/stub/success/registration/${r.uaid}/subscription/not-a-uuid`, headers: auth(r) });
    assert.equal(bad.statusCode, 410);
  });

  it('refuses a channel beyond --max-channels-per-uaid with 413, adding nothing', async () => {
    const r = await register();
    for (let i = 0; i < 2; i++) {
      assert.equal((await app.inject({ method: 'POST', url: `/v1/stub/success/registration/${r.uaid}/subscription`, headers: auth(r) })).statusCode, 200);
    }
    const res = await app.inject({ method: 'POST', url: `/v1/stub/success/registration/${r.uaid}/subscription`, headers: auth(r) });
    assert.equal(res.statusCode, 413);
    assert.equal((await store.getChannels(r.uaid)).size, 3);
  });

  it('deletes a registration; then its uaid answers 410 with errno 103', async () => {
    const r = await register();
    const del = await app.inject({ method: 'DELETE', url: `/v1/stub/success/registration/${r.uaid}`, headers: auth(r) });
    assert.equal(del.statusCode, 200);
    assert.equal(await store.getUser(r.uaid), null);
    const res = await app.inject({ method: 'GET', url: `/v1/stub/success/registration/${r.uaid}`, headers: auth(r) });
    assert.equal(res.statusCode, 410);
    assert.equal(res.json().errno, 103);
  });

  it('delivers a push to a stub endpoint (201) and counts it', async () => {
    const r = await register();
    const before = stub.sent;
    const res = await app.inject({ method: 'POST', url: pushPath(r.endpoint), headers: { ttl: '60' } });
    assert.equal(res.statusCode, 201, res.body);
    assert.equal(stub.sent, before + 1);
  });

  it('answers 410 for an unregistered token and removes the user', async () => {
    const r = await register({ token: 'unregistered' });
    const res = await app.inject({ method: 'POST', url: pushPath(r.endpoint), headers: { ttl: '60' } });
    assert.equal(res.statusCode, 410);
    assert.equal(res.json().errno, 106);
    assert.equal(await store.getUser(r.uaid), null);
  });

  it('answers 502 with errno 902 when the bridge fails, keeping the user', async () => {
    const r = await register({ token: 'device-token-1' }, 'error');
    const res = await app.inject({ method: 'POST', url: pushPath(r.endpoint), headers: { ttl: '60' } });
    assert.equal(res.statusCode, 502);
    assert.equal(res.json().errno, 902);
    assert.notEqual(await store.getUser(r.uaid), null);
  });

  it('still runs the endpoint checks on a bridged endpoint (a body without Content-Encoding: 400, errno 110)', async () => {
    const r = await register();
    const res = await app.inject({ method: 'POST', url: pushPath(r.endpoint), headers: { ttl: '60' }, payload: Buffer.from('x') });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().errno, 110);
  });
});

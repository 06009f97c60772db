/**
 * The endpoint service end to end through `app.inject()`: a real SQLite store (in memory), a
 * fake node router that records what it is asked, and real senders (`web-push`, `jose`).
 * One test per row of docs/protocol.md#processing-order that applies to WebPush.
 */
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createECDH, createPrivateKey, randomBytes, randomUUID } from 'node:crypto';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import webpush from 'web-push';
import { SignJWT } from 'jose';
import { defaultSettings, type Settings } from '../config/settings.js';
import { MultiFernet, generateFernetKey } from '../crypto/fernet.js';
import { makeEndpoint } from '../crypto/endpoint-token.js';
import { b64uDecode } from '../crypto/base64url.js';
import { MORE_INFO_URL } from '../errors/api-error.js';
import type { Notification } from '../protocol/notification.js';
import type { NodeRouter, RouteOutcome } from '../routing/node-router.js';
import { openSqliteStore } from '../storage/sqlite/sqlite-store.js';
import { StoreBusyError, UnknownUserError, type Store } from '../storage/store.js';
import { buildEndpointApp } from './app.js';

const ENDPOINT_URL = 'https://push.example.com';
const settings: Settings = { ...defaultSettings, endpointUrl: ENDPOINT_URL, cryptoKeys: [generateFernetKey()] };
const cipher = new MultiFernet(settings.cryptoKeys);
const vapid = webpush.generateVAPIDKeys();
const NODE = 'http://node-a:8081';

/** Records every call; answers with the configured outcomes. */
class FakeRouter implements NodeRouter {
  pushes: Array<{ nodeId: string; uaid: string; notification: Notification; ackWindowMs?: number }> = [];
  notifies: Array<{ nodeId: string; uaid: string }> = [];
  pushOutcome: RouteOutcome = 'delivered';
  notifyOutcome: RouteOutcome = 'delivered';
  async push(nodeId: string, uaid: string, notification: Notification, ackWindowMs?: number): Promise<RouteOutcome> {
    this.pushes.push({ nodeId, uaid, notification, ...(ackWindowMs !== undefined ? { ackWindowMs } : {}) });
    return this.pushOutcome;
  }
  async notify(nodeId: string, uaid: string): Promise<RouteOutcome> {
    this.notifies.push({ nodeId, uaid });
    return this.notifyOutcome;
  }  async disconnect(): Promise<RouteOutcome> {
    return 'not-connected';
  }
}

/** The store with some methods replaced. */
function patched(store: Store, overrides: Partial<Store>): Store {
  return new Proxy(store, {
    get(target, prop, receiver) {
      const own = (overrides as Record<PropertyKey, unknown>)[prop];
      if (own !== undefined) return own;
      const value = Reflect.get(target, prop, receiver) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

interface Sub {
  uaid: string;
  channelID: string;
  endpoint: string;
  /** Path of the endpoint, for inject. */
  path: string;
  keys: { p256dh: string; auth: string };
}

let store: Store;
let router: FakeRouter;
let app: FastifyInstance;

async function subscribe(opts: { vapidKey?: string; nodeId?: string | null; routerType?: string; connectedAt?: number } = {}): Promise<Sub> {
  const uaid = randomUUID().replace(/-/g, '');
  const channelID = randomUUID();
  await store.addUser({ uaid, connectedAt: opts.connectedAt ?? Date.now(), nodeId: opts.nodeId ?? null, routerType: opts.routerType });
  await store.addChannel(uaid, channelID);
  const endpoint = makeEndpoint(cipher, ENDPOINT_URL, uaid, channelID, opts.vapidKey ? b64uDecode(opts.vapidKey) : undefined);
  const ecdh = createECDH('prime256v1');
  ecdh.generateKeys();
  const keys = { p256dh: ecdh.getPublicKey('base64url'), auth: randomBytes(16).toString('base64url') };
  return { uaid, channelID, endpoint, path: new URL(endpoint).pathname, keys };
}

function post(path: string, headers: Record<string, string> = {}, body?: Buffer | string) {
  return app.inject({ method: 'POST', url: path, headers, ...(body === undefined ? {} : { payload: body }) });
}

async function storedMessages(uaid: string) {
  return [...(await store.fetchTopicMessages(uaid, 100)), ...(await store.fetchTimestampMessages(uaid, 0, 100))];
}

function assertError(res: LightMyRequestResponse, status: number, errno: number | null, message?: string | RegExp) {
  assert.equal(res.statusCode, status, res.body);
  assert.match(String(res.headers['content-type']), /^application\/json/);
  const body = res.json() as Record<string, unknown>;
  assert.equal(body.code, status);
  assert.equal(body.errno, errno);
  assert.equal(typeof body.error, 'string');
  assert.equal(body.more_info, MORE_INFO_URL);
  if (typeof message === 'string') assert.equal(body.message, message);
  else if (message) assert.match(String(body.message), message);
}

function assertEmpty404(res: LightMyRequestResponse) {
  assert.equal(res.statusCode, 404);
  assert.equal(res.body, '');
}

/** A VAPID JWT signed by `keys` (raw base64url as web-push makes them) with chosen claims. */
async function jwt(keys: { publicKey: string; privateKey: string }, claims: Record<string, unknown>): Promise<string> {
  const pub = b64uDecode(keys.publicKey);
  const key = createPrivateKey({
    format: 'jwk',
    key: { kty: 'EC', crv: 'P-256', d: keys.privateKey, x: pub.subarray(1, 33).toString('base64url'), y: pub.subarray(33).toString('base64url') },
  });
  return new SignJWT(claims).setProtectedHeader({ alg: 'ES256', typ: 'JWT' }).sign(key);
}

const now = () => Math.floor(Date.now() / 1000);
const vapidHeader = (opts: { aud?: string; exp?: number; keys?: typeof vapid } = {}) =>
  webpush.getVapidHeaders(opts.aud ?? ENDPOINT_URL, 'mailto:ops@example.com', (opts.keys ?? vapid).publicKey, (opts.keys ?? vapid).privateKey, 'aes128gcm', opts.exp)
    .Authorization;

before(async () => {
  store = await openSqliteStore(':memory:');
});
after(async () => {
  await store.close();
});
beforeEach(async () => {
  await app?.close();
  router = new FakeRouter();
  app = buildEndpointApp({ settings, store, router, cipher, logger: false });
});

describe('POST /wpush: success', () => {
  it('answers 201 with an empty body, Location and TTL, and stores the message', async () => {
    const sub = await subscribe();
    const res = await post(sub.path, { TTL: '60' });
    assert.equal(res.statusCode, 201);
    assert.equal(res.body, '');
    assert.equal(res.headers.ttl, '60');
    const location = String(res.headers.location);
    assert.ok(location.startsWith(`${ENDPOINT_URL}/m/`), location);
    const [msg, ...rest] = await storedMessages(sub.uaid);
    assert.equal(rest.length, 0);
    assert.equal(msg?.version, location.slice(`${ENDPOINT_URL}/m/`.length));
    assert.equal(msg?.channelID, sub.channelID);
    assert.equal(msg?.ttl, 60);
    assert.equal(msg?.data, undefined);
    assert.equal(msg?.headers, undefined);
  });

  it('treats POST /wpush/{token} as v1', async () => {
    const sub = await subscribe();
    const token = sub.path.split('/').pop()!;
    const res = await post(`/wpush/${token}`, { TTL: '30' });
    assert.equal(res.statusCode, 201);
    assert.equal((await storedMessages(sub.uaid)).length, 1);
  });

  it('clamps a TTL above 30 days and echoes the clamped value', async () => {
    const sub = await subscribe();
    const res = await post(sub.path, { TTL: '99999999' });
    assert.equal(res.statusCode, 201);
    assert.equal(res.headers.ttl, String(settings.maxTtl));
    assert.equal((await storedMessages(sub.uaid))[0]?.ttl, settings.maxTtl);
  });

  it('stores a topic message and replaces it with a newer one of the same topic', async () => {
    const sub = await subscribe();
    await post(sub.path, { TTL: '60', Topic: 'scores', 'Content-Encoding': 'aes128gcm' }, 'first');
    await post(sub.path, { TTL: '60', Topic: 'scores', 'Content-Encoding': 'aes128gcm' }, 'second');
    const msgs = await storedMessages(sub.uaid);
    assert.equal(msgs.length, 1);
    assert.equal(msgs[0]?.topic, 'scores');
    assert.equal(msgs[0]?.data, Buffer.from('second').toString('base64url'));
  });

  it('stores a valid Urgency with the message', async () => {
    const sub = await subscribe();
    assert.equal((await post(sub.path, { TTL: '60', Urgency: 'high' })).statusCode, 201);
    assert.equal((await storedMessages(sub.uaid))[0]?.urgency, 'high');
  });

  it('refuses an invalid Urgency with 400 errno 117 and stores nothing', async () => {
    const sub = await subscribe();
    for (const urgency of ['asap', '', 'high, low']) {
      const res = await post(sub.path, { TTL: '60', Urgency: urgency });
      assert.equal(res.statusCode, 400, urgency);
      assert.equal(JSON.parse(res.body).errno, 117);
    }
    assert.equal((await storedMessages(sub.uaid)).length, 0);
  });

  it('refuses Push-Receipt with 400 errno 118 and stores nothing when the app keeps no receipts; no receipt Link', async () => {
    const sub = await subscribe();
    const res = await post(sub.path, { TTL: '60', 'Push-Receipt': `${ENDPOINT_URL}/receipts/AAAAAAAAAAAAAAAAAAAAAA`, Prefer: 'respond-async' });
    assertError(res, 400, 118, 'This server keeps no push receipts');
    assert.equal((await storedMessages(sub.uaid)).length, 0);
    const plain = await post(sub.path, { TTL: '60', Prefer: 'respond-async' });
    assert.equal(plain.statusCode, 201);
    assert.equal(plain.headers.link, undefined);
  });

  it('accepts a body of exactly maxDataBytes, whatever its Content-Type', async () => {
    const sub = await subscribe();
    const body = Buffer.alloc(settings.maxDataBytes, 7);
    for (const type of ['application/json', 'text/plain', 'application/octet-stream', 'not a media type;;']) {
      const res = await post(sub.path, { TTL: '60', 'Content-Encoding': 'aes128gcm', 'Content-Type': type }, body);
      assert.equal(res.statusCode, 201, `${type}: ${res.body}`);
    }
    const msgs = await storedMessages(sub.uaid);
    assert.ok(msgs.every((m) => m.data === body.toString('base64url')));
  });

  it('accepts a body without any Content-Type', async () => {
    const sub = await subscribe();
    const res = await app.inject({ method: 'POST', url: sub.path, headers: { ttl: '60', 'content-encoding': 'aes128gcm' }, payload: Buffer.from('abc') });
    assert.equal(res.statusCode, 201, res.body);
  });

  it('sends CORS headers on a push response', async () => {
    const sub = await subscribe();
    const res = await post(sub.path, { TTL: '60', Origin: 'https://app.example.org' });
    assert.equal(res.headers['access-control-allow-origin'], '*');
  });
});

describe('POST /wpush: delivery policy (docs/protocol.md#delivery-policy)', () => {
  it('hands the message to the node holding the UA with the ack window and stores nothing once acked', async () => {
    const sub = await subscribe({ nodeId: NODE });
    router.pushOutcome = 'acked';
    const res = await post(sub.path, { TTL: '60', 'Content-Encoding': 'aes128gcm' }, 'hi');
    assert.equal(res.statusCode, 201);
    assert.equal(router.pushes.length, 1);
    assert.equal(router.pushes[0]?.nodeId, NODE);
    assert.equal(router.pushes[0]?.uaid, sub.uaid);
    assert.equal(router.pushes[0]?.ackWindowMs, settings.ackWindowMs);
    assert.equal(router.pushes[0]?.notification.data, Buffer.from('hi').toString('base64url'));
    assert.equal(router.pushes[0]?.notification.stored, undefined);
    assert.equal(router.notifies.length, 0);
    assert.equal((await storedMessages(sub.uaid)).length, 0, 'acked in the window: never stored');
  });

  it('leaves storing to the node that stored the message once its window passed', async () => {
    const sub = await subscribe({ nodeId: NODE });
    router.pushOutcome = 'stored';
    assert.equal((await post(sub.path, { TTL: '60' })).statusCode, 201);
    assert.equal((await storedMessages(sub.uaid)).length, 0, 'the fake node stored nothing, and the endpoint did not either');
    assert.equal(router.notifies.length, 0);
  });

  it('stores the message itself when the node sent it but could not store it, without a nudge', async () => {
    const sub = await subscribe({ nodeId: NODE });
    router.pushOutcome = 'delivered';
    assert.equal((await post(sub.path, { TTL: '60' })).statusCode, 201);
    assert.equal((await storedMessages(sub.uaid)).length, 1);
    assert.equal(router.notifies.length, 0, 'the UA has the message on its socket already');
  });

  it('with ack-window-ms 0, stores the message first, then hands it, marked stored, to the node holding the UA', async () => {
    await app.close();
    app = buildEndpointApp({ settings: { ...settings, ackWindowMs: 0 }, store, router, cipher, logger: false });
    const sub = await subscribe({ nodeId: NODE });
    const res = await post(sub.path, { TTL: '60', 'Content-Encoding': 'aes128gcm' }, 'hi');
    assert.equal(res.statusCode, 201);
    assert.equal(router.pushes.length, 1);
    assert.equal(router.pushes[0]?.ackWindowMs, undefined, 'no waiting for the ack');
    assert.equal(router.pushes[0]?.notification.stored, true, 'the connection deletes the stored copy on ack');
    assert.equal(router.notifies.length, 0);
    // Kept until the UA acks, so a crash of the connection node loses nothing.
    assert.equal((await storedMessages(sub.uaid)).length, 1);
  });

  it('hands a TTL-0 message only to the live socket and stores nothing', async () => {
    const sub = await subscribe({ nodeId: NODE });
    assert.equal((await post(sub.path, { TTL: '0' })).statusCode, 201);
    assert.equal(router.pushes.length, 1);
    assert.equal(router.pushes[0]?.notification.stored, undefined);
    assert.equal(router.pushes[0]?.ackWindowMs, undefined, 'now or never: no ack to wait for');
    assert.equal((await storedMessages(sub.uaid)).length, 0);
  });

  it('stores the message and nudges the node when the node does not hold the UA', async () => {
    const sub = await subscribe({ nodeId: NODE });
    router.pushOutcome = 'not-connected';
    assert.equal((await post(sub.path, { TTL: '60' })).statusCode, 201);
    assert.equal((await storedMessages(sub.uaid)).length, 1);
    assert.deepEqual(router.notifies, [{ nodeId: NODE, uaid: sub.uaid }]);
    assert.equal((await store.getUser(sub.uaid))?.nodeId, NODE, 'a node that answered keeps its id');
  });

  it('clears the node id of an unreachable node and stores the message', async () => {
    const sub = await subscribe({ nodeId: NODE });
    router.pushOutcome = 'unreachable';
    assert.equal((await post(sub.path, { TTL: '60' })).statusCode, 201);
    assert.equal((await store.getUser(sub.uaid))?.nodeId, null);
    assert.equal((await storedMessages(sub.uaid)).length, 1);
    assert.equal(router.notifies.length, 0, 'no nudge: the re-read record has no node');
  });

  it('clears the node id when the nudge finds the node unreachable', async () => {
    const sub = await subscribe({ nodeId: NODE });
    router.pushOutcome = 'not-connected';
    router.notifyOutcome = 'unreachable';
    assert.equal((await post(sub.path, { TTL: '60' })).statusCode, 201);
    assert.equal((await store.getUser(sub.uaid))?.nodeId, null);
  });

  it('drops a TTL-0 message that cannot go live, still answering 201', async () => {
    const sub = await subscribe({ nodeId: NODE });
    router.pushOutcome = 'not-connected';
    const res = await post(sub.path, { TTL: '0' });
    assert.equal(res.statusCode, 201);
    assert.equal(res.headers.ttl, '0');
    assert.equal((await storedMessages(sub.uaid)).length, 0);
    const offline = await subscribe();
    assert.equal((await post(offline.path, { TTL: '0' })).statusCode, 201);
    assert.equal((await storedMessages(offline.uaid)).length, 0);
  });

  it('stores without routing when the UA is not connected', async () => {
    const sub = await subscribe();
    assert.equal((await post(sub.path, { TTL: '60' })).statusCode, 201);
    assert.equal(router.pushes.length + router.notifies.length, 0);
  });
});

describe('POST /wpush: errors', () => {
  it('answers an unknown API version with an empty 404 (errno 102)', async () => {
    const sub = await subscribe();
    assertEmpty404(await post(sub.path.replace('/v1/', '/v3/'), { TTL: '60' }));
  });
  it('answers a token that does not decrypt with an empty 404 (errno 102)', async () => {
    assertEmpty404(await post('/wpush/v1/not-a-token', { TTL: '60' }));
    assertEmpty404(await post('/wpush/not-a-token', { TTL: '60' }));
  });
  it('answers a token of the wrong length for its version with an empty 404 (errno 102)', async () => {
    const sub = await subscribe();
    assertEmpty404(await post(sub.path.replace('/v1/', '/v2/'), { TTL: '60', Authorization: vapidHeader() }));
  });
  it('answers a body over maxDataBytes with 413 errno 104', async () => {
    const sub = await subscribe();
    const res = await post(sub.path, { TTL: '60', 'Content-Encoding': 'aes128gcm', 'Content-Type': 'application/json' }, Buffer.alloc(5631, 1));
    assertError(res, 413, 104);
    assert.equal((await storedMessages(sub.uaid)).length, 0);
  });
  it('answers 410 errno 105 when the user is deleted while the message is stored', async () => {
    const sub = await subscribe();
    const real = store;
    app = buildEndpointApp({
      settings,
      router,
      cipher,
      logger: false,
      store: patched(real, {
        saveMessage: async (uaid, m) => {
          const key = await real.saveMessage(uaid, m);
          await real.removeUser(uaid);
          return key;
        },
      }),
    });
    const res = await post(sub.path, { TTL: '60' });
    assertError(res, 410, 105);
    assert.equal(res.headers['cache-control'], 'max-age=86400');
  });
  it('answers 410 errno 105 when the store finds no user to save for', async () => {
    const sub = await subscribe();
    app = buildEndpointApp({ settings, router, cipher, logger: false, store: patched(store, { saveMessage: async (uaid) => Promise.reject(new UnknownUserError(uaid)) }) });
    assertError(await post(sub.path, { TTL: '60' }), 410, 105);
  });
  it('answers an unknown user with 410 errno 106 and Cache-Control', async () => {
    const sub = await subscribe();
    await store.removeUser(sub.uaid);
    const res = await post(sub.path, { TTL: '60' });
    assertError(res, 410, 106);
    assert.equal(res.headers['cache-control'], 'max-age=86400');
  });
  it('answers a channel the user never had with 410 errno 106', async () => {
    const sub = await subscribe();
    const other = makeEndpoint(cipher, ENDPOINT_URL, sub.uaid, randomUUID());
    assertError(await post(new URL(other).pathname, { TTL: '60' }), 410, 106);
  });
  it('answers an unregistered channel with 410 errno 106', async () => {
    const sub = await subscribe();
    await store.removeChannel(sub.uaid, sub.channelID);
    assertError(await post(sub.path, { TTL: '60' }), 410, 106);
  });
  it('deletes a user of another router type and answers 410 errno 106', async () => {
    const sub = await subscribe({ routerType: 'adm' });
    assertError(await post(sub.path, { TTL: '60' }), 410, 106);
    assert.equal(await store.getUser(sub.uaid), null);
  });
  it('keeps a bridged user whose bridge is not configured here and answers 400 errno 106 (as autopush)', async () => {
    const sub = await subscribe({ routerType: 'gcm' });
    assertError(await post(sub.path, { TTL: '60' }), 400, 106);
    assert.notEqual(await store.getUser(sub.uaid), null);
  });

  describe('VAPID (401 errno 109)', () => {
    it('rejects an unknown Authorization scheme', async () => {
      const sub = await subscribe();
      assertError(await post(sub.path, { TTL: '60', Authorization: 'Basic Zm9vOmJhcg==' }), 401, 109);
    });
    it('rejects a token whose signature is not by the given key', async () => {
      const sub = await subscribe();
      const forged = vapidHeader({ keys: webpush.generateVAPIDKeys() }).replace(/k=.*$/, `k=${vapid.publicKey}`);
      assertError(await post(sub.path, { TTL: '60', Authorization: forged }), 401, 109, /signature/);
    });
    it('rejects an aud other than our origin', async () => {
      const sub = await subscribe();
      assertError(await post(sub.path, { TTL: '60', Authorization: vapidHeader({ aud: 'https://evil.example.com' }) }), 401, 109, /aud/);
    });
    it('rejects an expired token', async () => {
      const sub = await subscribe();
      assertError(await post(sub.path, { TTL: '60', Authorization: vapidHeader({ exp: now() - 3600 }) }), 401, 109, /expired/);
    });
    it('rejects an exp more than 24 h ahead', async () => {
      const sub = await subscribe();
      const t = await jwt(vapid, { aud: ENDPOINT_URL, exp: now() + 25 * 3600, sub: 'mailto:a@example.com' });
      assertError(await post(sub.path, { TTL: '60', Authorization: `vapid t=${t}, k=${vapid.publicKey}` }), 401, 109, 'The VAPID token expiration is too long');
    });
    it('rejects a token without exp', async () => {
      const sub = await subscribe();
      const t = await jwt(vapid, { aud: ENDPOINT_URL });
      assertError(await post(sub.path, { TTL: '60', Authorization: `vapid t=${t}, k=${vapid.publicKey}` }), 401, 109);
    });
    it('accepts a token without sub, as autopush does', async () => {
      const sub = await subscribe();
      const t = await jwt(vapid, { aud: ENDPOINT_URL, exp: now() + 3600 });
      assert.equal((await post(sub.path, { TTL: '60', Authorization: `vapid t=${t}, k=${vapid.publicKey}` })).statusCode, 201);
    });
    it('rejects a v2 send without VAPID', async () => {
      const sub = await subscribe({ vapidKey: vapid.publicKey });
      assertError(await post(sub.path, { TTL: '60' }), 401, 109);
    });
    it('rejects a v2 send signed by another key with "VAPID public key mismatch"', async () => {
      const sub = await subscribe({ vapidKey: vapid.publicKey });
      assertError(await post(sub.path, { TTL: '60', Authorization: vapidHeader({ keys: webpush.generateVAPIDKeys() }) }), 401, 109, 'VAPID public key mismatch');
    });
    it('accepts a v2 send signed by the endpoint key', async () => {
      const sub = await subscribe({ vapidKey: vapid.publicKey });
      assert.equal((await post(sub.path, { TTL: '60', Authorization: vapidHeader() })).statusCode, 201);
    });
  });

  describe('encryption headers (400 errno 110)', () => {
    const cases: Array<[string, Record<string, string>, string]> = [
      ['a body without Content-Encoding', {}, 'Missing Content-Encoding header'],
      ['an unknown Content-Encoding', { 'Content-Encoding': 'gzip' }, 'Unknown Content-Encoding header'],
      ['aesgcm without Encryption', { 'Content-Encoding': 'aesgcm' }, 'Missing Encryption header'],
      ['aesgcm without salt', { 'Content-Encoding': 'aesgcm', Encryption: 'rs=4096' }, 'Missing salt value in Encryption header'],
      ['aesgcm with a salt that is not base64url', { 'Content-Encoding': 'aesgcm', Encryption: 'salt=a+b' }, 'Invalid salt value in Encryption header'],
      ['aesgcm whose Crypto-Key lacks dh', { 'Content-Encoding': 'aesgcm', Encryption: 'salt=abc', 'Crypto-Key': 'p256ecdsa=abc' }, 'Missing dh value in Crypto-Key header'],
      ['aesgcm with an unparseable Encryption', { 'Content-Encoding': 'aesgcm', Encryption: 'salt' }, 'Invalid Encryption header'],
      ['aes128gcm with a salt', { 'Content-Encoding': 'aes128gcm', Encryption: 'salt=abc' }, "Do not include 'salt' in the Encryption header with aes128gcm"],
      ['aes128gcm with a dh', { 'Content-Encoding': 'aes128gcm', 'Crypto-Key': 'dh=abc' }, "Do not include 'dh' in the Crypto-Key header with aes128gcm"],
    ];
    for (const [what, headers, message] of cases) {
      it(`rejects ${what}`, async () => {
        const sub = await subscribe();
        assertError(await post(sub.path, { TTL: '60', ...headers }, 'x'), 400, 110, message);
      });
    }
    it('rejects WebPush-scheme VAPID without Crypto-Key p256ecdsa', async () => {
      const sub = await subscribe();
      const t = await jwt(vapid, { aud: ENDPOINT_URL, exp: now() + 3600 });
      assertError(await post(sub.path, { TTL: '60', Authorization: `WebPush ${t}` }), 400, 110);
      assertError(await post(sub.path, { TTL: '60', Authorization: `WebPush ${t}`, 'Crypto-Key': 'dh=abc' }), 400, 110);
    });
    it('ignores the crypto headers of an empty body', async () => {
      const sub = await subscribe();
      assert.equal((await post(sub.path, { TTL: '60', 'Content-Encoding': 'gzip', Encryption: 'garbage' })).statusCode, 201);
      assert.equal((await storedMessages(sub.uaid))[0]?.headers, undefined);
    });
  });

  it('answers a missing TTL with 400 errno 111', async () => {
    const sub = await subscribe();
    assertError(await post(sub.path), 400, 111);
  });
  it('answers a non-numeric TTL with 400 errno 111', async () => {
    const sub = await subscribe();
    assertError(await post(sub.path, { TTL: 'soon' }), 400, 111);
  });
  it('answers an invalid Topic with 400 errno 113', async () => {
    const sub = await subscribe();
    assertError(await post(sub.path, { TTL: '60', Topic: 'no spaces allowed!' }), 400, 113);
    assertError(await post(sub.path, { TTL: '60', Topic: 'a'.repeat(33) }), 400, 113);
  });
  it('answers a negative TTL with 400 errno 114', async () => {
    const sub = await subscribe();
    assertError(await post(sub.path, { TTL: '-1' }), 400, 114);
  });
  it('leaves storage unchanged after a refused push', async () => {
    const sub = await subscribe();
    await post(sub.path, { TTL: '-1' });
    await post(sub.path, { TTL: '60', Topic: 'bad topic' });
    assert.equal((await storedMessages(sub.uaid)).length, 0);
  });

  it('answers a failing store with 500 errno 201', async () => {
    const sub = await subscribe();
    app = buildEndpointApp({ settings, router, cipher, logger: false, store: patched(store, { saveMessage: () => Promise.reject(new Error('disk on fire')) }) });
    const res = await post(sub.path, { TTL: '60' });
    assertError(res, 500, 201);
    assert.doesNotMatch(res.body, /disk on fire/, 'internal details stay in the log');
  });
  it('answers a busy store with 503 errno 201 and Retry-After: 120', async () => {
    const sub = await subscribe();
    app = buildEndpointApp({ settings, router, cipher, logger: false, store: patched(store, { lookupChannel: () => Promise.reject(new StoreBusyError('locked')) }) });
    const res = await post(sub.path, { TTL: '60' });
    assertError(res, 503, 201);
    assert.equal(res.headers['retry-after'], '120');
  });
  it('still answers 201 when only the re-read after storing fails', async () => {
    const sub = await subscribe();
    let rereads = 0;
    app = buildEndpointApp({
      settings,
      router,
      cipher,
      logger: false,
      // The push itself reads with lookupChannel; getUser is only the re-read after storing.
      store: patched(store, { getUser: () => (++rereads, Promise.reject(new Error('flaky'))) }),
    });
    assert.equal((await post(sub.path, { TTL: '60' })).statusCode, 201);
    assert.equal(rereads, 1, 'the re-read happened and failed');
    assert.equal((await storedMessages(sub.uaid)).length, 1);
  });

  it('answers a Content-Length that does not match the body with a JSON 400', async () => {
    const sub = await subscribe();
    const res = await app.inject({ method: 'POST', url: sub.path, headers: { ttl: '60', 'content-length': '10' }, payload: 'abc' });
    assertError(res, 400, null);
  });
});

describe('web-push library sends (RFC 8291 payloads, both encodings)', () => {
  for (const contentEncoding of ['aes128gcm', 'aesgcm'] as const) {
    for (const [withVapid, version] of [[false, 'v1'], [true, 'v1'], [true, 'v2']] as const) {
      it(`stores exactly what web-push sent: ${contentEncoding}, ${withVapid ? 'VAPID' : 'no VAPID'}, ${version}`, async () => {
        const sub = await subscribe(version === 'v2' ? { vapidKey: vapid.publicKey } : {});
        const details = webpush.generateRequestDetails({ endpoint: sub.endpoint, keys: sub.keys }, 'hello ünïcödé', {
          TTL: 120,
          contentEncoding,
          ...(withVapid ? { vapidDetails: { subject: 'mailto:ops@example.com', ...vapid } } : {}),
        });
        const res = await app.inject({
          method: details.method as 'POST',
          url: new URL(details.endpoint).pathname,
          headers: Object.fromEntries(Object.entries(details.headers).map(([k, v]) => [k, String(v)])),
          payload: details.body,
        });
        assert.equal(res.statusCode, 201, res.body);
        assert.equal(res.headers.ttl, '120');
        const [msg] = await storedMessages(sub.uaid);
        assert.equal(msg?.data, details.body.toString('base64url'));
        const stripPadding = (v: unknown) => (v === undefined ? undefined : String(v).replace(/"/g, '').replace(/=+(?=[;,]|$)/g, ''));
        const expected: Record<string, string | undefined> = {
          encoding: contentEncoding,
          encryption: stripPadding(details.headers.Encryption),
          crypto_key: stripPadding(details.headers['Crypto-Key']),
        };
        for (const k of Object.keys(expected)) if (expected[k] === undefined) delete expected[k];
        assert.deepEqual(msg?.headers, expected);
      });
    }
  }

  it('routes a web-push aesgcm message with VAPID to the live node unchanged', async () => {
    const sub = await subscribe({ nodeId: NODE, vapidKey: vapid.publicKey });
    const details = webpush.generateRequestDetails({ endpoint: sub.endpoint, keys: sub.keys }, 'live', {
      TTL: 0,
      contentEncoding: 'aesgcm',
      topic: 'live1',
      urgency: 'low',
      vapidDetails: { subject: 'mailto:ops@example.com', ...vapid },
    });
    const res = await app.inject({ method: 'POST', url: sub.path, headers: Object.fromEntries(Object.entries(details.headers).map(([k, v]) => [k, String(v)])), payload: details.body });
    assert.equal(res.statusCode, 201, res.body);
    const routed = router.pushes[0]?.notification;
    assert.equal(routed?.data, details.body.toString('base64url'));
    assert.equal(routed?.topic, 'live1');
    assert.equal(routed?.urgency, 'low');
    assert.equal(routed?.ttl, 0);
    assert.equal(routed?.headers?.encoding, 'aesgcm');
    assert.match(routed?.headers?.crypto_key ?? '', /^dh=[\w-]+;p256ecdsa=[\w-]+$/);
  });

  it('accepts a web-push send with no payload', async () => {
    const sub = await subscribe();
    const details = webpush.generateRequestDetails({ endpoint: sub.endpoint, keys: sub.keys }, null, { TTL: 30 });
    const res = await app.inject({ method: 'POST', url: sub.path, headers: Object.fromEntries(Object.entries(details.headers).map(([k, v]) => [k, String(v)])) });
    assert.equal(res.statusCode, 201, res.body);
    assert.equal((await storedMessages(sub.uaid))[0]?.data, undefined);
  });
});

describe('GET /wpush (UnifiedPush discovery)', () => {
  it('answers {"unifiedpush":{"version":1}} for a valid endpoint', async () => {
    const sub = await subscribe();
    const res = await app.inject({ method: 'GET', url: sub.path });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { unifiedpush: { version: 1 } });
  });
  it('answers an empty 404 for a token that does not decrypt', async () => {
    assertEmpty404(await app.inject({ method: 'GET', url: '/wpush/v1/garbage' }));
  });
});

describe('DELETE /m/{message_id}', () => {
  it('removes a stored message and answers 204', async () => {
    const sub = await subscribe();
    const location = String((await post(sub.path, { TTL: '60' })).headers.location);
    const res = await app.inject({ method: 'DELETE', url: new URL(location).pathname });
    assert.equal(res.statusCode, 204);
    assert.equal((await storedMessages(sub.uaid)).length, 0);
  });
  it('answers 204 for a valid id that is not stored', async () => {
    const sub = await subscribe({ nodeId: NODE });
    const location = String((await post(sub.path, { TTL: '60' })).headers.location);
    assert.equal((await app.inject({ method: 'DELETE', url: new URL(location).pathname })).statusCode, 204);
    assert.equal((await app.inject({ method: 'DELETE', url: new URL(location).pathname })).statusCode, 204);
  });
  it('answers 400 errno null for an id that does not decrypt', async () => {
    assertError(await app.inject({ method: 'DELETE', url: '/m/garbage' }), 400, null);
  });
});

describe('HTTP layer', () => {
  it('answers unknown routes and methods with an empty 404', async () => {
    assertEmpty404(await app.inject({ method: 'GET', url: '/nope' }));
    assertEmpty404(await app.inject({ method: 'PUT', url: '/wpush/v1/abc' }));
    assertEmpty404(await app.inject({ method: 'GET', url: '/m/abc' }));
  });
  it('answers a CORS preflight for any origin and header, with DELETE/GET/POST/PUT and max-age 3600', async () => {
    const res = await app.inject({
      method: 'OPTIONS',
      url: '/wpush/v1/abc',
      headers: { origin: 'https://app.example.org', 'access-control-request-method': 'POST', 'access-control-request-headers': 'ttl,content-encoding,authorization' },
    });
    assert.equal(res.statusCode, 204);
    assert.equal(res.headers['access-control-allow-origin'], '*');
    assert.equal(res.headers['access-control-allow-methods'], 'DELETE, GET, POST, PUT');
    assert.equal(res.headers['access-control-allow-headers'], 'ttl,content-encoding,authorization');
    assert.equal(res.headers['access-control-max-age'], '3600');
  });
  it('answers a bare OPTIONS with the CORS headers instead of a text error', async () => {
    const res = await app.inject({ method: 'OPTIONS', url: '/m/abc' });
    assert.equal(res.statusCode, 204);
    assert.equal(res.headers['access-control-allow-origin'], '*');
  });
  it('answers a URL with broken percent-encoding with a JSON 400 that does not echo the URL', async () => {
    const res = await app.inject({ method: 'POST', url: '/wpush/v1/%zz', headers: { ttl: '60' } });
    assertError(res, 400, null, 'Bad request');
  });
  it('answers a path segment longer than any token with an empty 404', async () => {
    assertEmpty404(await post(`/wpush/v1/${'a'.repeat(2000)}`, { TTL: '60' }));
    assertEmpty404(await app.inject({ method: 'DELETE', url: `/m/${'a'.repeat(2000)}` }));
  });
  it('keeps CORS headers on error responses', async () => {
    const res = await app.inject({ method: 'POST', url: '/wpush/v1/abc', headers: { origin: 'https://app.example.org' } });
    assertEmpty404(res);
    assert.equal(res.headers['access-control-allow-origin'], '*');
  });
});

describe('health routes', () => {
  it('GET /__heartbeat__ and /health report storage as OK', async () => {
    for (const url of ['/__heartbeat__', '/health']) {
      const res = await app.inject({ method: 'GET', url });
      assert.equal(res.statusCode, 200);
      const body = res.json() as Record<string, unknown>;
      assert.equal(body.status, 'OK');
      assert.equal(typeof body.version, 'string');
      assert.deepEqual(body.router_table, { status: 'OK' });
      assert.deepEqual(body.message_table, { status: 'OK' });
    }
  });
  it('GET /__heartbeat__ still answers 200, saying ERROR, when storage is down', async () => {
    app = buildEndpointApp({ settings, router, cipher, logger: false, store: patched(store, { healthCheck: () => Promise.reject(new Error('down')) }) });
    const res = await app.inject({ method: 'GET', url: '/__heartbeat__' });
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().status, 'ERROR');
    assert.deepEqual(res.json().router_table, { status: 'ERROR' });
  });
  it('GET /status answers OK with the version', async () => {
    const res = await app.inject({ method: 'GET', url: '/status' });
    assert.deepEqual(Object.keys(res.json()), ['status', 'version']);
    assert.equal(res.json().status, 'OK');
  });
  it('GET /__lbheartbeat__ answers 200 with an empty body', async () => {
    const res = await app.inject({ method: 'GET', url: '/__lbheartbeat__' });
    assert.equal(res.statusCode, 200);
    assert.equal(res.body, '');
  });
  it('GET /__version__ answers build, commit, source and the package version', async () => {
    const res = await app.inject({ method: 'GET', url: '/__version__' });
    const body = res.json() as Record<string, string>;
    assert.deepEqual(Object.keys(body).sort(), ['build', 'commit', 'source', 'version']);
    assert.match(body.version!, /^\d+\.\d+\.\d+/);
  });
});

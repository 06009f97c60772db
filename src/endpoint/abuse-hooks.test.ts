/**
 * The endpoint API with abuse controls through `app.inject()`: 429 with Retry-After and errno 115
 * over a rate, 403 errno 116 for a blocked IP, the penalty box fed by 404s, and everyone else
 * served meanwhile.
 */
import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { AbuseControls, type AbuseSettings } from '../abuse/abuse-controls.js';
import { defaultSettings, type Settings } from '../config/settings.js';
import { makeEndpoint } from '../crypto/endpoint-token.js';
import { MultiFernet, generateFernetKey } from '../crypto/fernet.js';
import type { NodeRouter } from '../routing/node-router.js';
import { openSqliteBlocklist } from '../storage/sqlite/sqlite-blocklist.js';
import { openSqliteStore } from '../storage/sqlite/sqlite-store.js';
import type { Store } from '../storage/store.js';
import { buildEndpointApp } from './app.js';
import { pathVariants, rawRequest } from '../../test/support/raw-http.js';

const ENDPOINT_URL = 'https://push.example.com';
const cipher = new MultiFernet([generateFernetKey()]);
const router: NodeRouter = {
  push: () => Promise.resolve('not-connected'),
  notify: () => Promise.resolve('not-connected'),
  disconnect: () => Promise.resolve('not-connected'),
};

const cleanups: (() => Promise<unknown> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(limits: Partial<AbuseSettings>): Promise<{ app: FastifyInstance; store: Store; abuse: AbuseControls; clock: { ms: number } }> {
  const settings: Settings = { ...defaultSettings, ...limits, endpointUrl: ENDPOINT_URL, cryptoKeys: [] };
  const store = await openSqliteStore(':memory:');
  const blocklist = await openSqliteBlocklist(':memory:');
  const clock = { ms: Date.now() };
  const abuse = await AbuseControls.open({ settings, store, blocklist, now: () => clock.ms });
  const app = buildEndpointApp({ settings, store, router, cipher, abuse });
  cleanups.push(() => store.close(), () => blocklist.close(), () => abuse.close(), () => app.close());
  return { app, store, abuse, clock };
}

const uaidOf = new Map<string, string>();

/** A subscription's endpoint path. */
async function subscription(store: Store): Promise<string> {
  const uaid = randomUUID().replace(/-/g, '');
  const channelID = randomUUID();
  await store.addUser({ uaid, connectedAt: Date.now(), nodeId: null });
  await store.addChannel(uaid, channelID);
  const path = new URL(makeEndpoint(cipher, ENDPOINT_URL, uaid, channelID)).pathname;
  uaidOf.set(path, uaid);
  return path;
}

const push = (app: FastifyInstance, path: string, remoteAddress = '127.0.0.2') => app.inject({ method: 'POST', url: path, headers: { ttl: '60' }, remoteAddress });

describe('endpoint abuse controls', () => {
  it('a subscription over its rate gets 429 with Retry-After and errno 115; another subscription is served', async () => {
    const { app, store } = await setup({ limitPushPerSubscription: '0.5:2' });
    const [a, b] = [await subscription(store), await subscription(store)];
    assert.equal((await push(app, a)).statusCode, 201);
    assert.equal((await push(app, a)).statusCode, 201);
    const over = await push(app, a);
    assert.equal(over.statusCode, 429);
    assert.equal(over.headers['retry-after'], '2');
    assert.equal(over.json().errno, 115);
    assert.equal((await push(app, b)).statusCode, 201, 'another user is unaffected');
    assert.equal(await store.countMessages(uaidOf.get(a)!), 2, 'the refused push was not stored');
  });

  it('an IP over its request rate gets 429; another IP is served', async () => {
    const { app, store } = await setup({ limitPushPerIp: '1:3' });
    const sub = await subscription(store);
    for (let i = 0; i < 3; i++) assert.equal((await push(app, sub, '127.0.0.2')).statusCode, 201);
    const over = await push(app, sub, '127.0.0.2');
    assert.equal(over.statusCode, 429);
    assert.equal(over.headers['retry-after'], '1');
    assert.equal((await push(app, sub, '127.0.0.3')).statusCode, 201);
  });

  it('a token scan lands its IP in the penalty box: 403 errno 116 with Retry-After, others served, until the block expires', async () => {
    const { app, store, clock } = await setup({ penaltyThreshold: 10, penaltyBlockSeconds: 60 });
    const sub = await subscription(store);
    for (let i = 0; i < 10; i++) {
      const r = await push(app, `/wpush/v1/${randomUUID()}${randomUUID()}`.replace(/-/g, ''), '127.0.0.7');
      assert.equal(r.statusCode, 404);
    }
    const blocked = await push(app, sub, '127.0.0.7');
    assert.equal(blocked.statusCode, 403);
    assert.equal(blocked.json().errno, 116);
    assert.equal(blocked.headers['retry-after'], '60');
    assert.equal((await push(app, sub, '127.0.0.8')).statusCode, 201, 'other IPs are served');
    clock.ms += 60_000;
    assert.equal((await push(app, sub, '127.0.0.7')).statusCode, 201, 'served again after the block');
  });

  it('every spelling of a push path meets the same checks: a blocked IP is refused, bad tokens count (docs/security.md)', async () => {
    const { app, store, abuse } = await setup({ penaltyThreshold: 3, penaltyBlockSeconds: 60 });
    const sub = await subscription(store);
    await app.listen({ host: '127.0.0.1', port: 0 });
    const port = (app.server.address() as { port: number }).port;
    // Bad tokens under encoded spellings still feed the penalty box: 3 of them block 127.0.0.1.
    const bad = `/wpush/v1/${randomUUID()}${randomUUID()}`.replace(/-/g, '');
    for (const target of ['/%77push/v1/' + bad.split('/')[3], '/wpush/%76%31/' + bad.split('/')[3], '/w%70ush/v1/' + bad.split('/')[3]]) {
      const r = await rawRequest(port, 'POST', target, { headers: { ttl: '60' } });
      assert.ok([403, 404].includes(r.status), `${target} answered ${r.status}`);
    }
    // The penalty box counts in onResponse, which may run just after the client has its answer.
    for (let i = 0; i < 100 && abuse.counters().ipsBlocked['penalty-box'] === 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal((await rawRequest(port, 'POST', sub, { headers: { ttl: '60' } })).status, 403, 'the encoded 404s were counted');
    for (const target of pathVariants(sub)) {
      const r = await rawRequest(port, 'POST', target, { headers: { ttl: '60' } });
      assert.ok([403, 404].includes(r.status), `blocked IP: POST ${target} answered ${r.status}`);
    }
    for (const target of ['/m/abc', '/%6d/abc', '/%6D/abc']) {
      const r = await rawRequest(port, 'DELETE', target);
      assert.equal(r.status, 403, `blocked IP: DELETE ${target} answered ${r.status}`);
    }
    const uaid = uaidOf.get(sub)!;
    assert.equal((await store.fetchTimestampMessages(uaid, 0, 10)).length + (await store.fetchTopicMessages(uaid, 10)).length, 0, 'nothing was stored');
  });

  it('health routes are not limited', async () => {
    const { app } = await setup({ limitPushPerIp: '1:1' });
    for (let i = 0; i < 5; i++) assert.notEqual((await app.inject({ url: '/health', remoteAddress: '127.0.0.2' })).statusCode, 429);
  });

  it('stored messages beyond maxStoredMessages are dropped oldest first; every push still gets 201', async () => {
    const { app, store } = await setup({ maxStoredMessages: 3, limitPushPerSubscription: '0' });
    const path = await subscription(store);
    const locations: string[] = [];
    for (let i = 0; i < 6; i++) {
      const r = await push(app, path);
      assert.equal(r.statusCode, 201);
      locations.push(String(r.headers.location));
    }
    const uaid = uaidOf.get(path)!;
    const kept = (await store.fetchTimestampMessages(uaid, 0, 10)).map((m) => `${ENDPOINT_URL}/m/${m.version}`);
    assert.deepEqual(kept, locations.slice(3), 'the three newest are kept');
  });
});

/**
 * Pushes to a user agent connected to this very node (deliver.ts, connection/known-channels.ts,
 * docs/architecture.md "Pushes to a user agent on the same node"): the first push to a channel
 * reads storage, later ones do not; an unregister, or a read that raced one, brings the read back,
 * so a gone subscription still gets 410. The endpoint and the connection service share one
 * process and one SQLite store, as in `herald serve`.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { NODE_ID, eventually, startHarness, type Harness, type TestClient } from '../connection/test-harness.js';
import { LocalRouter } from '../routing/local-router.js';
import type { Store } from '../storage/store.js';
import { buildEndpointApp } from './app.js';

/** Long enough for a test client to ack inside it on a loaded machine. */
const LONG_WINDOW_MS = 2000;

describe('endpoint: pushes to a user agent on this node', () => {
  let h: Harness;
  let app: FastifyInstance;
  let lookups = 0;
  /** While set, a lookup reads at once but answers only when this resolves (a slow store). */
  let holdAnswer: Promise<void> | null = null;
  let readDone: (() => void) | null = null;

  before(async () => {
    h = await startHarness({ ackWindowMs: LONG_WINDOW_MS });
    const store = new Proxy(h.store, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver) as unknown;
        if (prop !== 'lookupChannel') return typeof value === 'function' ? value.bind(target) : value;
        return async (...args: Parameters<Store['lookupChannel']>) => {
          lookups++;
          const found = await target.lookupChannel(...args);
          readDone?.();
          if (holdAnswer) await holdAnswer;
          return found;
        };
      },
    });
    const router = new LocalRouter(NODE_ID, h.service.registry);
    app = buildEndpointApp({ settings: h.settings, store, router, cipher: h.cipher, logger: false });
  });
  after(async () => {
    await app.close();
    await h.close();
  });

  async function subscribed(): Promise<{ c: TestClient; uaid: string; chid: string; path: string }> {
    const c = await h.connect();
    const uaid = await c.hello();
    const chid = randomUUID();
    const reply = await c.register(chid);
    assert.equal(reply.status, 200);
    return { c, uaid, chid, path: new URL(reply.pushEndpoint as string).pathname };
  }

  /** POST a push; the UA acks whatever arrives for it. */
  async function pushAcked(c: TestClient, path: string): Promise<number> {
    const res = app.inject({ method: 'POST', url: path, headers: { ttl: '60' } });
    const frame = await c.next();
    c.ack([frame]);
    return (await res).statusCode;
  }

  it('reads storage for the first push to a channel only', async () => {
    const { c, path } = await subscribed();
    const before = lookups;
    assert.equal(await pushAcked(c, path), 201);
    assert.equal(lookups, before + 1);
    for (let i = 0; i < 3; i++) assert.equal(await pushAcked(c, path), 201);
    assert.equal(lookups, before + 1, 'later pushes skip the read');
    c.terminate();
  });

  it('reads again after an unregister, and answers 410', async () => {
    const { c, chid, path } = await subscribed();
    assert.equal(await pushAcked(c, path), 201);
    c.send({ messageType: 'unregister', channelID: chid });
    assert.equal((await c.next()).status, 200);
    const before = lookups;
    const res = await app.inject({ method: 'POST', url: path, headers: { ttl: '60' } });
    assert.equal(res.statusCode, 410);
    assert.equal(lookups, before + 1);
    assert.ok(await c.quiet(100), 'nothing reached the UA');
    c.terminate();
  });

  it('learns nothing from a read that raced an unregister', async () => {
    const { c, chid, path } = await subscribed();
    let release!: () => void;
    holdAnswer = new Promise((r) => (release = r));
    const read = new Promise<void>((r) => (readDone = r));
    // This push reads "registered", and its answer is held until the unregister is done.
    const raced = app.inject({ method: 'POST', url: path, headers: { ttl: '60' } });
    await read;
    readDone = null;
    c.send({ messageType: 'unregister', channelID: chid });
    assert.equal((await c.next()).status, 200);
    holdAnswer = null;
    release();
    // What the stale read lets through is what any store's read lets through; the UA acks it.
    const frame = await c.next();
    c.ack([frame]);
    assert.equal((await raced).statusCode, 201);
    const res = await app.inject({ method: 'POST', url: path, headers: { ttl: '60' } });
    assert.equal(res.statusCode, 410, 'the next push read storage and found the channel gone');
    c.terminate();
  });

  it('stores once, not twice, when the UA does not ack in time, and delivers on reconnect', async () => {
    const { c, uaid, path } = await subscribed();
    assert.equal(await pushAcked(c, path), 201);
    const res = app.inject({ method: 'POST', url: path, headers: { ttl: '60' } });
    const frame = await c.next();
    // No ack: the session stores it once the window passes, and the sender gets 201.
    assert.equal((await res).statusCode, 201);
    assert.equal(await h.store.countMessages(uaid), 1);
    c.terminate();
    await eventually('the session to end', () => h.service.connectionCount() === 0);
    assert.equal(await h.store.countMessages(uaid), 1, 'not saved again at disconnect');
    const again = await h.connect();
    await again.hello(uaid);
    const redelivered = await again.next();
    assert.equal(redelivered.version, frame.version);
    again.terminate();
  });
});

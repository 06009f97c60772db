/**
 * PushUserAgent against a scripted in-process WebSocket server (not Herald): frames sent, state
 * kept, decryption, acks, dedup, reset and reconnect.
 */
import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { b64uEncode } from '../crypto/base64url.js';
import { encryptWebPush } from '../crypto/ece.js';
import { generateVapidKeys } from '../crypto/vapid.js';
import type { PushEvent, Subscription, UserAgentState } from './types.js';
import { PushRequestError, PushUserAgent } from './user-agent.js';

type Frame = Record<string, any>;

/** A push server that answers hello/register/unregister/ping and records everything it gets. */
class FakePushServer {
  readonly wss: WebSocketServer;
  readonly frames: Frame[] = [];
  readonly sockets: WebSocket[] = [];
  protocols: string[] = [];
  /** The uaid to hand out when the client sends none (or an unknown one). */
  nextUaid = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1';
  known = new Set<string>();
  registerStatus = 200;

  constructor() {
    this.wss = new WebSocketServer({ port: 0, host: '127.0.0.1', handleProtocols: (p) => [...p][0] ?? false });
    this.wss.on('connection', (ws, req) => {
      this.protocols.push(String(req.headers['sec-websocket-protocol']));
      this.sockets.push(ws);
      ws.on('message', (data) => this.#onFrame(ws, JSON.parse(String(data)) as Frame));
    });
  }

  get url(): string {
    return `ws://127.0.0.1:${(this.wss.address() as AddressInfo).port}/`;
  }

  get current(): WebSocket {
    return this.sockets[this.sockets.length - 1]!;
  }

  send(frame: Frame): void {
    this.current.send(JSON.stringify(frame));
  }

  of(type: string): Frame[] {
    return this.frames.filter((f) => f.messageType === type);
  }

  async waitFrames(type: string, count: number): Promise<Frame[]> {
    for (let i = 0; i < 200 && this.of(type).length < count; i++) await sleep(10);
    assert.ok(this.of(type).length >= count, `expected ${count} ${type} frame(s), got ${this.of(type).length}`);
    return this.of(type);
  }

  #onFrame(ws: WebSocket, f: Frame): void {
    this.frames.push(f);
    const reply = (r: Frame) => ws.send(JSON.stringify(r));
    switch (f.messageType) {
      case 'hello': {
        const uaid = typeof f.uaid === 'string' && this.known.has(f.uaid) ? f.uaid : this.nextUaid;
        this.known.add(uaid);
        return reply({ messageType: 'hello', uaid, status: 200, use_webpush: true, broadcasts: {} });
      }
      case 'register':
        return reply({
          messageType: 'register',
          channelID: f.channelID,
          status: this.registerStatus,
          pushEndpoint: this.registerStatus === 200 ? `http://push.test/wpush/v1/${f.channelID}` : '',
        });
      case 'unregister':
        return reply({ messageType: 'unregister', channelID: f.channelID, status: 200 });
      case 'urgency':
        return reply({ messageType: 'urgency', status: 200, urgency: f.urgency });
      case undefined:
        return reply({});
    }
  }

  close(): Promise<void> {
    for (const ws of this.sockets) ws.terminate();
    return new Promise((resolve) => this.wss.close(() => resolve()));
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A notification frame as the server forwards it, encrypted for `sub`. */
function notification(sub: Subscription, text: string, version: string, encoding: 'aes128gcm' | 'aesgcm' = 'aes128gcm'): Frame {
  const { body, headers } = encryptWebPush(Buffer.from(text), sub.keys, { encoding });
  const h: Frame = { encoding };
  if (headers.Encryption) h.encryption = headers.Encryption;
  if (headers['Crypto-Key']) h.crypto_key = headers['Crypto-Key'];
  return { messageType: 'notification', channelID: sub.channelID, version, data: b64uEncode(body), headers: h };
}

function collect(ua: PushUserAgent): PushEvent[] {
  const list: PushEvent[] = [];
  ua.on('push', (p) => list.push(p));
  return list;
}

async function until(what: string, cond: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !cond(); i++) await sleep(10);
  assert.ok(cond(), `timed out waiting for ${what}`);
}

describe('PushUserAgent', () => {
  let server: FakePushServer;
  const agents: PushUserAgent[] = [];
  const agent = (opts: Partial<ConstructorParameters<typeof PushUserAgent>[0]> = {}) => {
    const ua = new PushUserAgent({ serverUrl: server.url, reconnect: false, ...opts });
    agents.push(ua);
    return ua;
  };

  before(async () => {
    server = new FakePushServer();
    await once(server.wss, 'listening');
  });
  afterEach(async () => {
    await Promise.all(agents.splice(0).map((ua) => ua.close()));
    server.frames.length = 0;
    server.registerStatus = 200;
  });
  after(() => server.close());

  it('says hello like Firefox (no uaid without subscriptions) over the push-notification subprotocol', async () => {
    server.nextUaid = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1';
    const ua = agent();
    const connected = once(ua, 'connected');
    await ua.connect();
    assert.deepEqual((await connected)[0], { uaid: server.nextUaid });
    assert.equal(server.protocols.at(-1), 'push-notification');
    assert.deepEqual(server.of('hello')[0], { messageType: 'hello', broadcasts: {}, use_webpush: true });
    assert.equal(ua.uaid, server.nextUaid);
    assert.ok(ua.connected);
  });

  it('subscribes: a lowercase v4 channel id, PushSubscription JSON back, state persisted', async () => {
    const saved: UserAgentState[] = [];
    const ua = agent({ persist: (s) => void saved.push(s) });
    await ua.connect();
    const sub = await ua.subscribe();
    assert.match(sub.channelID, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.deepEqual(server.of('register')[0], { messageType: 'register', channelID: sub.channelID });
    assert.equal(sub.endpoint, `http://push.test/wpush/v1/${sub.channelID}`);
    assert.equal(sub.expirationTime, null);
    assert.equal(Buffer.from(sub.keys.p256dh, 'base64url').length, 65);
    assert.equal(Buffer.from(sub.keys.auth, 'base64url').length, 16);
    const last = saved.at(-1)!;
    assert.equal(last.uaid, ua.uaid);
    assert.equal(last.subscriptions[sub.channelID]?.publicKey, sub.keys.p256dh);
    assert.deepEqual(ua.subscriptions(), [sub]);
  });

  it('sends the application server key with register, normalised to base64url', async () => {
    const ua = agent();
    await ua.connect();
    const vapid = generateVapidKeys();
    const standard = Buffer.from(vapid.publicKey, 'base64url').toString('base64');
    const sub = await ua.subscribe({ vapidPublicKey: standard });
    assert.equal(server.of('register')[0]?.key, vapid.publicKey);
    assert.equal(ua.state.subscriptions[sub.channelID]?.vapidPublicKey, vapid.publicKey);
    await assert.rejects(ua.subscribe({ vapidPublicKey: 'AAAA' }), /65-byte/);
  });

  it('rejects subscribe with a PushRequestError carrying the status', async () => {
    server.registerStatus = 500;
    const ua = agent();
    await ua.connect();
    await assert.rejects(ua.subscribe(), (err: unknown) => err instanceof PushRequestError && err.status === 500);
    assert.deepEqual(ua.subscriptions(), []);
  });

  it('refuses to subscribe before connecting', async () => {
    await assert.rejects(agent().subscribe(), /not connected/);
  });

  for (const encoding of ['aes128gcm', 'aesgcm'] as const) {
    it(`decrypts an ${encoding} notification, emits push, then acks it with code 100`, async () => {
      const ua = agent();
      const pushes = collect(ua);
      await ua.connect();
      const sub = await ua.subscribe();
      server.send(notification(sub, `hello ${encoding} ✓`, 'v-1', encoding));
      await until('push', () => pushes.length === 1);
      assert.equal(pushes[0]!.text, `hello ${encoding} ✓`);
      assert.equal(pushes[0]!.channelID, sub.channelID);
      assert.equal(pushes[0]!.version, 'v-1');
      const [ack] = await server.waitFrames('ack', 1);
      assert.deepEqual(ack, { messageType: 'ack', updates: [{ channelID: sub.channelID, version: 'v-1', code: 100 }] });
    });
  }

  it('emits an empty payload for a notification without data', async () => {
    const ua = agent();
    const pushes = collect(ua);
    await ua.connect();
    const sub = await ua.subscribe();
    server.send({ messageType: 'notification', channelID: sub.channelID, version: 'empty' });
    await until('push', () => pushes.length === 1);
    assert.equal(pushes[0]!.payload.length, 0);
    assert.equal(pushes[0]!.text, '');
  });

  it('delivers a redelivered version once, acking it again', async () => {
    const ua = agent();
    const pushes = collect(ua);
    await ua.connect();
    const sub = await ua.subscribe();
    const frame = notification(sub, 'once', 'dup');
    server.send(frame);
    server.send(frame);
    await server.waitFrames('ack', 2);
    assert.equal(pushes.length, 1);
  });

  it('acks 101 and emits decrypt-error for a message it cannot decrypt', async () => {
    const ua = agent();
    const pushes = collect(ua);
    const errors: unknown[] = [];
    ua.on('decrypt-error', (e) => errors.push(e));
    await ua.connect();
    const sub = await ua.subscribe();
    const frame = notification(sub, 'x', 'bad');
    frame.data = `${(frame.data as string).slice(0, -4)}AAAA`;
    server.send(frame);
    const [ack] = await server.waitFrames('ack', 1);
    assert.equal(ack!.updates[0].code, 101);
    assert.equal(errors.length, 1);
    assert.equal(pushes.length, 0);
  });

  it('acks 102 for a channel it does not know', async () => {
    const ua = agent();
    await ua.connect();
    server.send({ messageType: 'notification', channelID: '00000000-0000-4000-8000-000000000000', version: 'stray' });
    const [ack] = await server.waitFrames('ack', 1);
    assert.equal(ack!.updates[0].code, 102);
  });

  it('leaves acks to the application with autoAck false; ack() and nack() send them', async () => {
    const ua = agent({ autoAck: false });
    const pushes = collect(ua);
    await ua.connect();
    const sub = await ua.subscribe();
    server.send(notification(sub, 'manual', 'm-1'));
    await until('push', () => pushes.length === 1);
    await sleep(50);
    assert.equal(server.of('ack').length, 0);
    ua.ack('m-1');
    ua.nack('m-1', 302);
    const [ack] = await server.waitFrames('ack', 1);
    assert.deepEqual(ack!.updates, [{ channelID: sub.channelID, version: 'm-1', code: 100 }]);
    assert.deepEqual((await server.waitFrames('nack', 1))[0], { messageType: 'nack', version: 'm-1', code: 302 });
    assert.throws(() => ua.ack('never-seen'), /no recent push/);
  });

  it('comes back as itself: hello carries the saved uaid when there are subscriptions', async () => {
    server.nextUaid = 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb2';
    const first = agent();
    await first.connect();
    const sub = await first.subscribe();
    await first.close();
    const again = agent({ state: first.state });
    const pushes = collect(again);
    await again.connect();
    assert.equal(server.of('hello').at(-1)?.uaid, 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb2');
    assert.equal(again.uaid, 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb2');
    server.send(notification(sub, 'after restart', 'r-1'));
    await until('push', () => pushes.length === 1);
    assert.equal(pushes[0]!.text, 'after restart');
  });

  it('drops every subscription and emits reset when the server answers another uaid', async () => {
    server.nextUaid = 'ccccccccccccccccccccccccccccccc3';
    const first = agent();
    await first.connect();
    const sub = await first.subscribe();
    await first.close();
    server.known.delete('ccccccccccccccccccccccccccccccc3');
    server.nextUaid = 'ddddddddddddddddddddddddddddddd4';
    const saved: UserAgentState[] = [];
    const again = agent({ state: first.state, persist: (s) => void saved.push(s) });
    const reset = once(again, 'reset');
    await again.connect();
    assert.deepEqual((await reset)[0], {
      oldUaid: 'ccccccccccccccccccccccccccccccc3',
      uaid: 'ddddddddddddddddddddddddddddddd4',
      channelIDs: [sub.channelID],
    });
    assert.deepEqual(again.state, { uaid: 'ddddddddddddddddddddddddddddddd4', subscriptions: {} });
    await until('persist', () => saved.length > 0);
    assert.deepEqual(saved.at(-1), again.state);
  });

  it('reconnects with backoff after the server drops it, saying hello with its uaid', async () => {
    const ua = agent({ reconnect: { initialDelayMs: 20, maxDelayMs: 100 } });
    const events: string[] = [];
    ua.on('connected', () => events.push('connected'));
    ua.on('disconnected', (d) => events.push(`disconnected ${d.code}`));
    ua.on('reconnecting', (r) => events.push(`reconnecting ${r.attempt} ${r.delayMs}`));
    await ua.connect();
    await ua.subscribe();
    const hellos = server.of('hello').length;
    server.current.terminate();
    await until('reconnect', () => events.filter((e) => e === 'connected').length === 2);
    assert.deepEqual(events, ['connected', 'disconnected 1006', 'reconnecting 1 20', 'connected']);
    assert.equal(server.of('hello').length, hellos + 1);
    assert.equal(server.of('hello').at(-1)?.uaid, ua.uaid);
  });

  it('does not reconnect after close()', async () => {
    const ua = agent({ reconnect: { initialDelayMs: 10 } });
    await ua.connect();
    const connections = server.sockets.length;
    await ua.close();
    assert.ok(!ua.connected);
    await sleep(80);
    assert.equal(server.sockets.length, connections);
  });

  it('asks for its lowest urgency in hello and with urgency messages, and keeps it for the next hello', async () => {
    const ua = agent({ urgency: 'high' });
    assert.equal(ua.urgency, 'high');
    await ua.connect();
    assert.equal(server.of('hello').at(-1)?.urgency, 'high');
    await ua.setUrgency('low');
    assert.deepEqual(server.of('urgency').at(-1), { messageType: 'urgency', urgency: 'low' });
    assert.equal(ua.urgency, 'low');
    server.current.terminate();
    await until('the disconnect', () => !ua.connected);
    await ua.setUrgency('normal');
    assert.equal(server.of('urgency').length, 1, 'nothing sent while offline');
    await ua.connect();
    assert.equal(server.of('hello').at(-1)?.urgency, 'normal');
  });

  it('refuses an urgency that is not one of the four levels', async () => {
    const ua = agent();
    assert.equal(ua.urgency, 'very-low');
    await assert.rejects(ua.setUrgency('urgent' as never), /urgency must be one of/);
    assert.throws(() => agent({ urgency: 'High' as never }), /urgency must be one of/);
  });

  it('emits the urgency a notification carries', async () => {
    const ua = agent();
    await ua.connect();
    const sub = await ua.subscribe();
    const pushes = collect(ua);
    server.send({ ...notification(sub, 'now', 'v-urgent'), urgency: 'high' });
    server.send(notification(sub, 'whenever', 'v-plain'));
    await until('two pushes', () => pushes.length === 2);
    assert.equal(pushes[0]!.urgency, 'high');
    assert.equal('urgency' in pushes[1]!, false);
  });

  it('pings with {} and resolves on the reply', async () => {
    const ua = agent();
    await ua.connect();
    await ua.ping();
    assert.ok(server.frames.some((f) => Object.keys(f).length === 0));
  });

  it('unsubscribes: unregister with code 200, keys forgotten; offline, it is sent after the next hello', async () => {
    const ua = agent();
    await ua.connect();
    const a = await ua.subscribe();
    const b = await ua.subscribe();
    assert.equal(await ua.unsubscribe(a.channelID), true);
    assert.deepEqual(server.of('unregister')[0], { messageType: 'unregister', channelID: a.channelID, code: 200 });
    await ua.close();
    assert.equal(await ua.unsubscribe(b.channelID), true);
    assert.deepEqual(ua.state.subscriptions, {});
    await ua.connect();
    const sent = await server.waitFrames('unregister', 2);
    assert.equal(sent[1]?.channelID, b.channelID);
  });

  it('rejects connect when nothing listens, without retrying', async () => {
    const ua = new PushUserAgent({ serverUrl: 'ws://127.0.0.1:1/', reconnect: { initialDelayMs: 10 } });
    let retries = 0;
    ua.on('reconnecting', () => retries++);
    await assert.rejects(ua.connect());
    await sleep(50);
    assert.equal(retries, 0);
  });
});

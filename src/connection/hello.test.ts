/**
 * Upgrade and hello over real sockets (docs/protocol.md#websocket-protocol, docs/protocol.md#hello,
 * docs/protocol.md#notification, docs/protocol.md#close-codes;
 * docs/protocol.md#firefox-specifics).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { NODE_ID, eventually, makeNotification, seedUser, startHarness, type Harness } from './test-harness.js';

describe('connection service: upgrade and hello', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.close());

  it('echoes the push-notification subprotocol', async () => {
    const c = await h.connect();
    assert.equal(c.ws.protocol, 'push-notification');
    c.terminate();
  });

  it('accepts a socket that offers no subprotocol', async () => {
    const c = await h.connect({ protocols: [] });
    assert.equal(c.ws.protocol, '');
    await c.hello();
    c.terminate();
  });

  it('answers an upgrade on a path other than / with HTTP 404', async () => {
    const ws = new WebSocket(`${h.url}push`, ['push-notification']);
    const status = await new Promise<number>((resolve, reject) => {
      ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.once('open', () => reject(new Error('upgraded on /push')));
      ws.once('error', () => {});
    });
    assert.equal(status, 404);
  });

  it('gives a fresh Firefox hello a new uaid and the exact reply shape, and stores nothing', async () => {
    const c = await h.connect();
    c.send({ messageType: 'hello', broadcasts: {}, use_webpush: true });
    const reply = await c.next();
    assert.match(reply.uaid as string, /^[0-9a-f]{32}$/);
    assert.deepEqual(reply, { messageType: 'hello', uaid: reply.uaid, status: 200, use_webpush: true, broadcasts: {} });
    assert.equal(await h.store.getUser(reply.uaid as string), null, 'not written before the first register');
    assert.ok(await c.quiet(100), 'no storage check for a new user');
    c.terminate();
  });

  it('replies broadcasts {} even when the hello subscribes to broadcasts', async () => {
    const c = await h.connect();
    c.send({ messageType: 'hello', use_webpush: true, broadcasts: { 'remote-settings/monitor_changes': '"0"' } });
    assert.deepEqual((await c.next()).broadcasts, {});
    c.terminate();
  });

  it('writes the router record at the first register (lazy add_user)', async () => {
    const c = await h.connect();
    const uaid = await c.hello();
    const chid = randomUUID();
    assert.equal((await c.register(chid)).status, 200);
    const user = await h.store.getUser(uaid);
    assert.ok(user);
    assert.equal(user.nodeId, NODE_ID);
    assert.equal(user.recordVersion, 1);
    assert.ok(await h.store.hasChannel(uaid, chid));
    c.terminate();
  });

  it('gives a new uaid for an unparseable uaid, and for one not in storage', async () => {
    for (const claimed of ['not-a-uuid', randomUUID().replace(/-/g, '')]) {
      const c = await h.connect();
      const uaid = await c.hello(claimed);
      assert.match(uaid, /^[0-9a-f]{32}$/);
      assert.notEqual(uaid, claimed);
      c.terminate();
    }
  });

  it("gives a new uaid for a bridged native app's uaid, leaving its registration alone", async () => {
    const uaid = randomUUID().replace(/-/g, '');
    const routerData = { token: 'fcm-device-token', app_id: 'org.example' };
    await h.store.addUser({ uaid, connectedAt: Date.now() - 60_000, nodeId: null, routerType: 'fcm', routerData });
    const c = await h.connect();
    assert.notEqual(await c.hello(uaid), uaid);
    const user = await h.store.getUser(uaid);
    assert.equal(user?.nodeId, null);
    assert.deepEqual(user?.routerData, routerData);
    c.terminate();
    await eventually('the session to end', () => h.service.connectionCount() === 0);
  });

  it('keeps an existing uaid (sent simple or dashed) and records node id and connectedAt', async () => {
    const { uaid } = await seedUser(h.store);
    const dashedUaid = `${uaid.slice(0, 8)}-${uaid.slice(8, 12)}-${uaid.slice(12, 16)}-${uaid.slice(16, 20)}-${uaid.slice(20)}`;
    for (const form of [uaid, dashedUaid.toUpperCase()]) {
      const before = Date.now();
      const c = await h.connect();
      assert.equal(await c.hello(form), uaid);
      const user = await h.store.getUser(uaid);
      assert.equal(user?.nodeId, NODE_ID);
      assert.ok(user && user.connectedAt >= before && user.connectedAt <= Date.now());
      c.terminate();
      await eventually('the session to end', () => h.service.connectionCount() === 0);
    }
  });

  it('clears the node id when the session ends', async () => {
    const { uaid } = await seedUser(h.store);
    const c = await h.connect();
    await c.hello(uaid);
    c.terminate();
    await eventually('node id cleared', async () => (await h.store.getUser(uaid))?.nodeId === null);
  });

  it('closes 1011 AlreadyConnected when the stored connectedAt is newer than this hello', async () => {
    const { uaid } = await seedUser(h.store, { connectedAt: Date.now() + 3_600_000 });
    const c = await h.connect();
    c.send({ messageType: 'hello', uaid, use_webpush: true });
    assert.deepEqual(pick(await c.waitClose()), { code: 1011, reason: 'AlreadyConnected' });
    assert.equal(c.frames.length, 0, 'no hello reply');
  });

  it('resets an old-version record once its messages are acked: close 1000 UaidReset, user deleted', async () => {
    const { uaid, chid } = await seedUser(h.store, { recordVersion: 0 });
    await h.store.saveMessage(uaid, makeNotification(chid));
    const c = await h.connect();
    assert.equal(await c.hello(uaid), uaid);
    const n = await c.next();
    assert.equal(n.messageType, 'notification');
    assert.equal(c.closed, null, 'stays open until the backlog is acked');
    c.ack([n]);
    assert.deepEqual(pick(await c.waitClose()), { code: 1000, reason: 'UaidReset' });
    assert.equal(await h.store.getUser(uaid), null);
  });

  it('resets an old-version record with no backlog right after the hello reply', async () => {
    const { uaid } = await seedUser(h.store, { recordVersion: 0 });
    const c = await h.connect();
    assert.equal(await c.hello(uaid), uaid);
    assert.deepEqual(pick(await c.waitClose()), { code: 1000, reason: 'UaidReset' });
    assert.equal(await h.store.getUser(uaid), null);
  });

  it('closes 1011 Database when storage fails during hello', async () => {
    const { uaid } = await seedUser(h.store);
    h.controlled.failing.add('connectUser');
    try {
      const c = await h.connect();
      c.send({ messageType: 'hello', uaid });
      assert.deepEqual(pick(await c.waitClose()), { code: 1011, reason: 'Database' });
    } finally {
      h.controlled.failing.delete('connectUser');
    }
  });

  const firstFrames: Array<[string, string | Buffer, number, string]> = [
    ['a register', JSON.stringify({ messageType: 'register', channelID: randomUUID() }), 1011, 'NoHello'],
    ['an app-level ping {}', '{}', 1011, 'NoHello'],
    ['invalid JSON', '{"messageType": "hello",', 1011, 'InvalidMessage'],
    ['an unknown message type', '{"messageType":"launch-missiles"}', 1011, 'InvalidMessage'],
    ['a JSON array', '[1,2]', 1011, 'InvalidMessage'],
    ['a hello with a numeric uaid', '{"messageType":"hello","uaid":5}', 1011, 'InvalidMessage'],
    ['a binary frame', Buffer.from([1, 2, 3]), 1003, 'UnsupportedMessage'],
  ];
  for (const [what, frame, code, reason] of firstFrames) {
    it(`closes ${code} ${reason} when the first frame is ${what}`, async () => {
      const c = await h.connect();
      c.ws.send(frame);
      assert.deepEqual(pick(await c.waitClose()), { code, reason });
    });
  }
});

function pick(c: { code: number; reason: string }): { code: number; reason: string } {
  return { code: c.code, reason: c.reason };
}

/**
 * Client frames after hello over real sockets (docs/protocol.md#websocket-protocol,
 * docs/protocol.md#close-codes): register (200, 400,
 * 500), unregister (200, 500), ping and ExcessivePing, nack, broadcast_subscribe, a second hello,
 * and invalid frames.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { startHarness, type Harness } from './test-harness.js';

describe('connection service: client messages', () => {
  let h: Harness;
  let offsetMs = 0;
  before(async () => {
    h = await startHarness({}, { clock: { nowMs: () => Date.now() + offsetMs } });
  });
  after(() => h.close());

  async function helloed() {
    const c = await h.connect();
    const uaid = await c.hello();
    return { c, uaid };
  }

  function openToken(endpoint: string, version: 'v1' | 'v2'): Buffer {
    const prefix = `http://push.example/wpush/${version}/`;
    assert.ok(endpoint.startsWith(prefix), endpoint);
    return h.cipher.decrypt(endpoint.slice(prefix.length));
  }

  describe('register', () => {
    it('answers 200 with a v1 endpoint whose token holds uaid and channel id', async () => {
      const { c, uaid } = await helloed();
      const chid = randomUUID();
      const reply = await c.register(chid);
      assert.deepEqual(Object.keys(reply).sort(), ['channelID', 'messageType', 'pushEndpoint', 'status']);
      assert.equal(reply.messageType, 'register');
      assert.equal(reply.channelID, chid);
      assert.equal(reply.status, 200);
      const plain = openToken(reply.pushEndpoint as string, 'v1');
      assert.equal(plain.toString('hex'), uaid + chid.replace(/-/g, ''));
      c.terminate();
    });

    it('answers 200 with a v2 endpoint bound to a padded Firefox key', async () => {
      const { c, uaid } = await helloed();
      const chid = randomUUID();
      const key = Buffer.alloc(65, 4);
      const padded = `${key.toString('base64url')}=`;
      const reply = await c.register(chid, padded);
      assert.equal(reply.status, 200);
      const plain = openToken(reply.pushEndpoint as string, 'v2');
      assert.equal(plain.subarray(0, 16).toString('hex'), uaid);
      assert.deepEqual(plain.subarray(32), createHash('sha256').update(key).digest());
      c.terminate();
    });

    for (const key of ['abc+def/', 'abc/', 'not base64!', 'a']) {
      it(`answers 400 "Failed to generate endpoint" for the key ${JSON.stringify(key)} and stores nothing`, async () => {
        const { c, uaid } = await helloed();
        const chid = randomUUID();
        assert.deepEqual(await c.register(chid, key), {
          messageType: 'register',
          channelID: chid,
          status: 400,
          pushEndpoint: 'Failed to generate endpoint',
        });
        assert.equal(await h.store.getUser(uaid), null);
        assert.equal((await c.register(chid)).status, 200, 'the socket stays usable');
        c.terminate();
      });
    }

    it('answers 500 with an empty endpoint when storage fails, and keeps the socket', async () => {
      const { c } = await helloed();
      const chid = randomUUID();
      h.controlled.failing.add('addChannel');
      try {
        assert.deepEqual(await c.register(chid), { messageType: 'register', channelID: chid, status: 500, pushEndpoint: '' });
      } finally {
        h.controlled.failing.delete('addChannel');
      }
      assert.equal((await c.register(chid)).status, 200, 'a retry succeeds');
      c.terminate();
    });

    it('closes 1011 InvalidMessage for an uppercase channel id', async () => {
      const { c } = await helloed();
      c.send({ messageType: 'register', channelID: randomUUID().toUpperCase() });
      assert.deepEqual(pick(await c.waitClose()), { code: 1011, reason: 'InvalidMessage' });
    });

    it('closes 1011 InvalidMessage for a register without channelID', async () => {
      const { c } = await helloed();
      c.send({ messageType: 'register' });
      assert.deepEqual(pick(await c.waitClose()), { code: 1011, reason: 'InvalidMessage' });
    });

    it('answers frames sent before a bad one, then closes', async () => {
      const { c } = await helloed();
      const chid = randomUUID();
      c.send({ messageType: 'register', channelID: chid });
      c.send('{not json');
      assert.equal((await c.next()).channelID, chid);
      assert.deepEqual(pick(await c.waitClose()), { code: 1011, reason: 'InvalidMessage' });
    });
  });

  describe('unregister', () => {
    it('answers 200 for a channel the server does not know, on a new uaid', async () => {
      const { c } = await helloed();
      const chid = randomUUID();
      c.send({ messageType: 'unregister', channelID: chid, code: 200 });
      assert.deepEqual(await c.next(), { messageType: 'unregister', channelID: chid, status: 200 });
      c.terminate();
    });

    it('removes a registered channel and echoes the id lowercase dashed', async () => {
      const { c, uaid } = await helloed();
      const chid = randomUUID();
      await c.register(chid);
      await c.register(randomUUID());
      c.send({ messageType: 'unregister', channelID: chid.replace(/-/g, '').toUpperCase() });
      assert.deepEqual(await c.next(), { messageType: 'unregister', channelID: chid, status: 200 });
      assert.equal(await h.store.hasChannel(uaid, chid), false);
      const unknown = randomUUID();
      c.send({ messageType: 'unregister', channelID: unknown });
      assert.equal((await c.next()).status, 200, 'unknown channel of a stored user: 200 too');
      c.terminate();
    });

    it('answers 500 when storage fails', async () => {
      const { c } = await helloed();
      const chid = randomUUID();
      await c.register(chid);
      h.controlled.failing.add('removeChannel');
      try {
        c.send({ messageType: 'unregister', channelID: chid });
        assert.deepEqual(await c.next(), { messageType: 'unregister', channelID: chid, status: 500 });
      } finally {
        h.controlled.failing.delete('removeChannel');
      }
      c.terminate();
    });
  });

  describe('ping', () => {
    it('answers {} and {"messageType":"ping"} spaced by the minimum interval, then closes 1011 ExcessivePing on a fast one', async () => {
      const { c } = await helloed();
      c.send('{}');
      assert.deepEqual(await c.next(), {});
      offsetMs += h.settings.appPingMinInterval * 1000;
      c.send({ messageType: 'ping' });
      assert.deepEqual(await c.next(), {});
      c.send('{}');
      assert.deepEqual(pick(await c.waitClose()), { code: 1011, reason: 'ExcessivePing' });
    });
  });

  it('closes 1011 AlreadyHelloed on a second hello', async () => {
    const { c, uaid } = await helloed();
    c.send({ messageType: 'hello', uaid, use_webpush: true });
    assert.deepEqual(pick(await c.waitClose()), { code: 1011, reason: 'AlreadyHelloed' });
  });

  it('accepts broadcast_subscribe without a reply', async () => {
    const { c } = await helloed();
    c.send({ messageType: 'broadcast_subscribe', broadcasts: { 'remote-settings/monitor_changes': '"0"' } });
    assert.ok(await c.quiet(150));
    assert.equal(c.closed, null);
    c.terminate();
  });

  it('ignores acks and nacks for versions it never sent', async () => {
    const { c } = await helloed();
    c.send({ messageType: 'ack', updates: [{ channelID: randomUUID(), version: 'nope', code: 100 }] });
    c.send({ messageType: 'nack', version: 'nope', code: 302 });
    assert.ok(await c.quiet(100));
    assert.equal(c.closed, null);
    c.terminate();
  });

  for (const [what, frame] of [
    ['invalid JSON', '{"messageType":'],
    ['an unknown message type', '{"messageType":"subscribe"}'],
    ['an ack without updates', '{"messageType":"ack"}'],
    ['a nack without version', '{"messageType":"nack"}'],
  ] as const) {
    it(`closes 1011 InvalidMessage on ${what} after hello`, async () => {
      const { c } = await helloed();
      c.send(frame);
      assert.deepEqual(pick(await c.waitClose()), { code: 1011, reason: 'InvalidMessage' });
    });
  }

  it('closes 1003 UnsupportedMessage on a binary frame after hello', async () => {
    const { c } = await helloed();
    c.ws.send(Buffer.from('{}'));
    assert.deepEqual(pick(await c.waitClose()), { code: 1003, reason: 'UnsupportedMessage' });
  });
});

function pick(c: { code: number; reason: string }): { code: number; reason: string } {
  return { code: c.code, reason: c.reason };
}

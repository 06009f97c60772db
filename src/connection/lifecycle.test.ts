/**
 * Socket lifecycle over real sockets (docs/protocol.md#close-codes,
 * docs/protocol.md#liveness-and-limits, docs/protocol.md#ghosting-and-takeover,
 * docs/protocol.md#firefox-specifics): timeouts, pings, the server dropping TCP itself, ghosting, shutdown,
 * isolation between user agents, and the end-of-session log line.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import WebSocket from 'ws';
import { eventually, makeNotification, seedUser, startHarness, type Harness } from './test-harness.js';

describe('connection service: lifecycle', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.close());

  it('closes 1011 HandshakeTimeout when no hello comes in time', async () => {
    const c = await h.connect();
    const started = Date.now();
    assert.deepEqual(pick(await c.waitClose()), { code: 1011, reason: 'HandshakeTimeout' });
    assert.ok(Date.now() - started >= 250);
  });

  it('closes 1011 PongTimeout when the UA does not answer WebSocket pings', async () => {
    const c = await h.connect({ autoPong: false });
    await c.hello();
    assert.deepEqual(pick(await c.waitClose()), { code: 1011, reason: 'PongTimeout' });
    assert.ok(c.pings >= 1);
  });

  it('keeps a UA that answers pings connected across many ping intervals', async () => {
    const c = await h.connect();
    await c.hello();
    await new Promise((r) => setTimeout(r, 1300));
    assert.equal(c.closed, null);
    assert.ok(c.pings >= 2, `pinged ${c.pings} times`);
    c.terminate();
  });

  it('drops TCP itself right after the close frame, though the client never answers it', async () => {
    const raw = await rawUpgrade(h.port);
    assert.match(raw.head, /sec-websocket-protocol: push-notification/i);
    const sent = Date.now();
    // A masked (all-zero mask) binary frame: 1003 UnsupportedMessage.
    raw.sock.write(Buffer.from([0x82, 0x83, 0, 0, 0, 0, 1, 2, 3]));
    await raw.ended();
    assert.ok(Date.now() - sent < 1000, 'dropped well before the 30 s close timeout of ws');
    assert.deepEqual(raw.closeFrame(), { code: 1003, reason: 'UnsupportedMessage' });
  });

  it('closes 1002 on a WebSocket protocol error (unmasked client frame) and drops TCP', async () => {
    const raw = await rawUpgrade(h.port);
    raw.sock.write(Buffer.from([0x81, 0x02, 0x7b, 0x7d]));
    await raw.ended();
    assert.equal(raw.closeFrame().code, 1002);
  });

  it('closes 1009 on a frame larger than the payload limit and drops TCP', async () => {
    const raw = await rawUpgrade(h.port);
    const header = Buffer.from([0x81, 0xff, 0, 0, 0, 0, 0, 0x02, 0, 0, 0, 0, 0, 0]); // 128 KiB, mask 0
    raw.sock.write(header);
    await raw.ended();
    assert.equal(raw.closeFrame().code, 1009);
  });

  it('ghosts the older session of a uaid (1011 Ghost) and hands its unacked messages to the new one', async () => {
    const { uaid, chid } = await seedUser(h.store);
    const a = await h.connect();
    await a.hello(uaid);
    const n = makeNotification(chid);
    assert.equal(h.service.registry.push(uaid, n), true);
    assert.equal((await a.next()).version, n.version);
    const b = await h.connect();
    await b.hello(uaid);
    assert.deepEqual(pick(await a.waitClose()), { code: 1011, reason: 'Ghost' });
    assert.equal((await b.next()).version, n.version, 'saved by the ghost, delivered to the new session');
    const user = await h.store.getUser(uaid);
    assert.ok(user?.nodeId, 'the ghost did not clear the new session’s node id');
    b.terminate();
  });

  it('keeps serving a well-behaved UA while another misbehaves', async () => {
    const good = await h.connect();
    const goodUaid = await good.hello();
    const chid = randomUUID();
    await good.register(chid);
    const bad: Array<(c: Awaited<ReturnType<Harness['connect']>>) => void> = [
      (c) => c.send('{"messageType":'),
      (c) => c.ws.send(Buffer.from([0xff])),
      (c) => c.send({ messageType: 'register', channelID: 'NOT-A-UUID' }),
      (c) => {
        c.send('{}');
        c.send('{}');
      },
    ];
    for (const misbehave of bad) {
      const c = await h.connect();
      await c.hello();
      misbehave(c);
      const closed = await c.waitClose();
      assert.ok(closed.code === 1011 || closed.code === 1003);
      const n = makeNotification(chid);
      assert.equal(h.service.registry.push(goodUaid, n), true);
      const got = await good.next();
      assert.equal(got.version, n.version);
      good.ack([got]);
    }
    assert.equal(good.closed, null);
    good.terminate();
  });

  it('logs one line per session with counts and a hashed uaid, never the payload', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
        cb();
      },
    });
    const h2 = await startHarness({}, { logger: pino({ level: 'info' }, sink) });
    try {
      const c = await h2.connect();
      const uaid = await c.hello();
      const chid = randomUUID();
      await c.register(chid);
      const n = makeNotification(chid, { data: Buffer.from('secret payload').toString('base64url') });
      h2.service.registry.push(uaid, n);
      c.ack([await c.next()]);
      c.send({ messageType: 'unregister', channelID: chid });
      await c.next();
      c.terminate();
      const line = await eventually('the session log line', () => lines.find((l) => l.msg === 'session ended'));
      assert.equal(line.direct_acked, 1);
      assert.equal(line.registers, 1);
      assert.equal(line.unregisters, 1);
      assert.equal(line.disconnect_reason, 'ClientClosed');
      assert.match(line.uaid_hash as string, /^[0-9a-f]{16}$/);
      const text = JSON.stringify(lines);
      assert.ok(!text.includes(uaid), 'no raw uaid');
      assert.ok(!text.includes(n.data!), 'no payload');
    } finally {
      await h2.close();
    }
  });
});

describe('connection service: shutdown', () => {
  it('closes every session with 1001 ServerShutdown after saving unacked messages, then refuses upgrades', async () => {
    const h = await startHarness();
    try {
      const { uaid, chid } = await seedUser(h.store);
      const c = await h.connect();
      await c.hello(uaid);
      const idle = await h.connect();
      const n = makeNotification(chid);
      h.service.registry.push(uaid, n);
      await c.next();
      await h.service.shutdown(2000);
      assert.equal(await h.store.countMessages(uaid), 1, 'saved before shutdown resolved');
      assert.equal(h.service.connectionCount(), 0);
      assert.deepEqual(pick(await c.waitClose()), { code: 1001, reason: 'ServerShutdown' });
      assert.deepEqual(pick(await idle.waitClose()), { code: 1001, reason: 'ServerShutdown' });
      const ws = new WebSocket(h.url, ['push-notification']);
      const status = await new Promise<number>((resolve, reject) => {
        ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.once('open', () => reject(new Error('upgraded during shutdown')));
        ws.once('error', () => {});
      });
      assert.equal(status, 503);
    } finally {
      await h.close();
    }
  });

  it('with shutdownDrain, closes the sessions a share at a time over the drain and refuses upgrades from its start', async () => {
    const h = await startHarness({ shutdownDrain: 1 });
    try {
      const clients = await Promise.all(
        Array.from({ length: 10 }, async () => {
          const c = await h.connect();
          await c.hello();
          return c;
        }),
      );
      const closedAt: number[] = [];
      const start = Date.now();
      const closes = clients.map(async (c) => {
        assert.deepEqual(pick(await c.waitClose(5000)), { code: 1001, reason: 'ServerShutdown' });
        closedAt.push(Date.now() - start);
      });
      const done = h.service.shutdown(2000);
      await sleep(50);
      const refused = new WebSocket(h.url, ['push-notification']);
      const status = await new Promise<number>((resolve) => {
        refused.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        refused.once('open', () => resolve(101));
        refused.once('error', () => resolve(0));
      });
      assert.equal(status, 503, 'no upgrade while draining');
      assert.ok(h.service.connectionCount() > 0, 'some sessions are still open while the drain runs');
      await done;
      await Promise.all(closes);
      assert.equal(h.service.connectionCount(), 0);
      // Ten sessions over 1 s: one every ~100 ms, so the last closes well after the first.
      closedAt.sort((a, b) => a - b);
      assert.ok(closedAt.at(-1)! - closedAt[0]! >= 500, `closes spread over the drain: ${closedAt.join(', ')} ms`);
    } finally {
      await h.close();
    }
  });
});

/** A WebSocket client by hand over TCP: it never answers a close frame, as Firefox does not. */
async function rawUpgrade(port: number) {
  const sock = connect(port, '127.0.0.1');
  sock.on('error', () => {});
  const chunks: Buffer[] = [];
  sock.on('data', (d: Buffer) => chunks.push(d));
  let gotEnd = false;
  sock.once('end', () => (gotEnd = true));
  sock.write(
    'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n' +
      'Sec-WebSocket-Protocol: push-notification\r\n\r\n',
  );
  await eventually('the 101 response', () => Buffer.concat(chunks).includes('\r\n\r\n'));
  const head = Buffer.concat(chunks).toString('latin1');
  assert.match(head, /^HTTP\/1\.1 101/);
  return {
    sock,
    head,
    /** Resolves when the server sends FIN; fails after 1.5 s. */
    ended: () => eventually('the server to drop TCP', () => gotEnd, 1500).then(() => sock.destroy()),
    closeFrame(): { code: number; reason: string } {
      const all = Buffer.concat(chunks);
      const frame = all.subarray(all.indexOf('\r\n\r\n') + 4);
      assert.equal(frame[0], 0x88, 'a close frame');
      return { code: frame.readUInt16BE(2), reason: frame.subarray(4, 2 + (frame[1]! & 0x7f)).toString() };
    },
  };
}

function pick(c: { code: number; reason: string }): { code: number; reason: string } {
  return { code: c.code, reason: c.reason };
}

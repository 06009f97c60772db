/**
 * Back-pressure on user-agent sockets (session.ts; docs/errors.md `SendStalled`): a client that
 * sends frames and never reads the replies must not make the server buffer without bound. Over
 * `maxUnsentBytes` the server stops reading the socket, and closes it if it stays over for
 * `sendStallTimeout`; a client that reads late but reads is served in full.
 *
 * The measure is the session's own: the most bytes ever waiting to be sent
 * (`peak_unsent_bytes` in its end-of-session log line), not process memory.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import type { Session } from './session.js';
import { eventually, startHarness, type Harness } from './test-harness.js';

const CAP = 256 * 1024;
/** Node reads a socket 64 KiB at a time; the frames of one read are answered after the pause. */
const READ_CHUNK = 64 * 1024;
/**
 * The cap, plus the replies to frames the server had already read when it paused: one read of
 * frames, each answered by a reply at most 1.25 times its size, and a read's worth queued behind.
 */
const BOUND = CAP + 2 * READ_CHUNK * 1.25;
/** Far more replies (about 45 MB) than loopback's socket buffers hold, so the server's own buffer must grow. */
const MAX_FRAMES = 500_000;

describe('connection service: a client that does not read', () => {
  let h: Harness;
  const lines: Record<string, unknown>[] = [];
  before(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
        cb();
      },
    });
    // A generous hello deadline: the other client's hello meets a server busy with the flood, on a
    // machine that may be loaded (the harness's 0.3 s is for the lifecycle tests).
    h = await startHarness(
      { maxUnsentBytes: CAP, sendStallTimeout: 1, autoPingInterval: 60, openHandshakeTimeout: 10 },
      { logger: pino({ level: 'info' }, sink) },
    );
  });
  after(() => h.close());

  const endLine = (reason: string) => lines.find((l) => l.msg === 'session ended' && l.disconnect_reason === reason);

  it('stops reading a flooding socket at the unsent-bytes cap, closes it with SendStalled, and keeps serving others', async () => {
    const flooder = await helloRaw(h.port);
    flooder.sock.pause(); // never reads again
    const batch = floodBatch();
    const session = h.service.registry.current(flooder.uaid) as Session;
    let sent = 0;
    let seen = 0;
    let servedDuringStall = false;
    // Bounded: at most MAX_FRAMES frames, or until the server ends it.
    while (endLine('SendStalled') === undefined && !flooder.sock.destroyed && sent < MAX_FRAMES) {
      sent += 1000;
      seen = Math.max(seen, session.unsentBytes);
      if (seen > BOUND) break;
      if (!flooder.sock.write(batch)) {
        await drainOrTimeout(flooder.sock, 50);
        if (!servedDuringStall && flooder.sock.writableLength > 4 * READ_CHUNK) {
          // The server has stopped reading the flooder: another user agent is still served.
          const other = await h.connect();
          await other.hello();
          assert.equal((await other.register(randomUUID())).status, 200);
          other.terminate();
          servedDuringStall = true;
        }
      }
    }
    assert.ok(seen <= BOUND, `unsent bytes stay near the ${CAP}-byte cap while flooding: ${seen} after ${sent} frames`);
    const line = await eventually('the flooder closed with SendStalled', () => endLine('SendStalled'), 10_000);
    const peak = line.peak_unsent_bytes as number;
    assert.ok(peak > CAP, `went over the cap (peak ${peak})`);
    assert.ok(peak <= BOUND, `peak unsent ${peak} bytes stays near the ${CAP}-byte cap (sent ${sent} frames)`);
    assert.ok(servedDuringStall, 'another client was served while the flooder was stalled');
    assert.ok(sent < MAX_FRAMES, `the server stopped reading: only ${sent} frames could be sent`);
    console.log(`flooder: ${sent} frames sent, peak unsent ${peak} bytes`);
    flooder.sock.destroy();
    const c = await h.connect();
    await c.hello();
    assert.equal((await c.register(randomUUID())).status, 200);
    c.terminate();
  });

  it('serves in full a client that stops reading for less than the stall timeout, then reads', async () => {
    const client = await helloRaw(h.port);
    client.sock.pause();
    const replies = countReplies(client.sock);
    const session = h.service.registry.current(client.uaid) as Session;
    let n = 0;
    // Frames until the server has stopped reading at the cap; what it has not read waits here.
    while (session.unsentBytes <= CAP && n < MAX_FRAMES) {
      n += 1000;
      if (!client.sock.write(floodBatch())) await drainOrTimeout(client.sock, 50);
    }
    assert.ok(session.unsentBytes > CAP, 'the server reached the cap');
    await sleep(300);
    client.sock.resume();
    await eventually('every reply', () => replies.count >= n, 30_000);
    assert.equal(replies.count, n);
    client.sock.destroy();
    const line = await eventually('the session log line', () => lines.find((l) => l.msg === 'session ended' && l.unregisters === n));
    assert.equal(line.disconnect_reason, 'ClientClosed');
  });
});

/** 1000 `unregister` frames of new channel ids: each answered without storage (a new uaid has none). */
function floodBatch(): Buffer {
  return Buffer.concat(Array.from({ length: 1000 }, () => unregisterFrame()));
}

/** Wait for 'drain' at most `ms`, leaving no listener behind. */
async function drainOrTimeout(sock: Socket, ms: number): Promise<void> {
  await once(sock, 'drain', { signal: AbortSignal.timeout(ms) }).catch(() => {});
}

/** A user agent by hand over TCP: upgrade, hello, and the hello reply read; then the caller decides. */
async function helloRaw(port: number): Promise<{ sock: Socket; uaid: string }> {
  const sock = connect(port, '127.0.0.1');
  sock.on('error', () => {});
  let got: Buffer = Buffer.alloc(0);
  const onData = (d: Buffer) => (got = Buffer.concat([got, d]));
  sock.on('data', onData);
  sock.write(
    'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n' +
      'Sec-WebSocket-Protocol: push-notification\r\n\r\n',
  );
  await eventually('the 101 response', () => got.includes('\r\n\r\n'));
  assert.match(got.toString('latin1'), /^HTTP\/1\.1 101/);
  sock.write(textFrame(JSON.stringify({ messageType: 'hello', use_webpush: true, broadcasts: {} })));
  await eventually('the hello reply', () => got.includes('"messageType":"hello"'));
  sock.off('data', onData);
  const uaid = /"uaid":"([0-9a-f]{32})"/.exec(got.toString())?.[1];
  assert.ok(uaid);
  return { sock, uaid };
}

function unregisterFrame(): Buffer {
  return textFrame(JSON.stringify({ messageType: 'unregister', channelID: randomUUID() }));
}

/** A client text frame with an all-zero mask (so the payload is sent as is). */
function textFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  assert.ok(payload.length < 126);
  return Buffer.concat([Buffer.from([0x81, 0x80 | payload.length, 0, 0, 0, 0]), payload]);
}

/** Count the server's text frames on `sock` (unmasked, each under 64 KiB). */
function countReplies(sock: Socket): { count: number } {
  const out = { count: 0 };
  let buf: Buffer = Buffer.alloc(0);
  sock.on('data', (d: Buffer) => {
    buf = buf.length === 0 ? d : Buffer.concat([buf, d]);
    let at = 0;
    for (;;) {
      if (buf.length - at < 2) break;
      let len = buf[at + 1]! & 0x7f;
      let head = 2;
      if (len === 126) {
        if (buf.length - at < 4) break;
        len = buf.readUInt16BE(at + 2);
        head = 4;
      }
      if (buf.length - at < head + len) break;
      if ((buf[at]! & 0x0f) === 0x1) out.count++;
      at += head + len;
    }
    buf = buf.subarray(at);
  });
  return out;
}

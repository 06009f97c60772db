import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ReceiptStore } from '../storage/receipt-store.js';
import { openSqliteReceipts } from '../storage/sqlite/sqlite-receipts.js';
import { ReceiptBus } from './receipt-bus.js';
import { MAX_STREAMS_PER_CONNECTION, MAX_STREAMS_PER_SUBSCRIPTION, ReceiptStreams } from './receipt-streams.js';

const SUB = 'abcdefghijklmnopqrstuv';
const quiet = { warn: () => undefined, debug: () => undefined };

describe('ReceiptStreams', () => {
  const dir = mkdtempSync(join(tmpdir(), 'herald-receipt-streams-'));
  let store: ReceiptStore;
  let streams: ReceiptStreams;
  let client: http2.ClientHttp2Session;
  const bus = new ReceiptBus();

  before(async () => {
    store = await openSqliteReceipts(join(dir, 'r.db'));
    const now = Date.now();
    await store.createSubscription({ id: SUB, owner: 'ip:x', createdAt: now, expiresAt: now + 600_000 }, 10, now);
    streams = new ReceiptStreams({ store, bus, endpointUrl: 'http://push.example/base/', pollIntervalMs: 60_000, nowMs: Date.now, log: quiet });
    await new Promise<void>((resolve) => streams.server.listen(0, '127.0.0.1', resolve));
    client = http2.connect(`http://127.0.0.1:${(streams.server.address() as AddressInfo).port}`);
  });
  after(async () => {
    client?.destroy();
    await streams.close();
    await new Promise((resolve) => streams.server.close(resolve));
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const status = (req: http2.ClientHttp2Stream) => new Promise<number>((resolve) => req.on('response', (h) => resolve(Number(h[':status']))));

  it('pushes a receipt queued by an ack in this process at once, for the message path under the base URL', async () => {
    const pushed = new Promise<{ path: string; authority: string; status: number }>((resolve) =>
      client.once('stream', (push, headers) => push.on('push', (h) => resolve({ path: String(headers[':path']), authority: String(headers[':authority']), status: Number(h[':status']) }))),
    );
    const held = client.request({ ':path': `/base/receipts/${SUB}` });
    await new Promise<void>((resolve, reject) => {
      const t = setInterval(() => streams.heldStreams > 0 && (clearInterval(t), resolve()), 10);
      held.on('error', reject);
    });
    await store.addPending({ key: 'k1', subscriptionId: SUB, messageId: 'MSG1', expiresAt: Date.now() + 60_000 });
    assert.equal(await store.acked('k1', Date.now(), 100), SUB);
    bus.queued(SUB); // what the ack handler does; the poll (60 s here) is not what finds it
    assert.deepEqual(await pushed, { path: '/base/m/MSG1', authority: 'push.example', status: 410 });
    assert.deepEqual(await store.queued(SUB, Date.now(), 10), [], 'removed once pushed');
  });

  it(`answers a GET beyond ${MAX_STREAMS_PER_SUBSCRIPTION} held for one subscription with 429`, async () => {
    const extra = [];
    while (streams.heldStreams < MAX_STREAMS_PER_SUBSCRIPTION) {
      extra.push(client.request({ ':path': `/base/receipts/${SUB}` }));
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(await status(client.request({ ':path': `/base/receipts/${SUB}` })), 429);
  });

  it(`tells each connection it may open at most ${MAX_STREAMS_PER_CONNECTION} streams at once`, async () => {
    if (client.remoteSettings.maxConcurrentStreams !== MAX_STREAMS_PER_CONNECTION) await new Promise((r) => client.once('remoteSettings', r));
    assert.equal(client.remoteSettings.maxConcurrentStreams, MAX_STREAMS_PER_CONNECTION);
  });

  it('answers other paths 404 and other methods 405', async () => {
    assert.equal(await status(client.request({ ':path': '/base/wpush/v1/x' })), 404);
    const post = client.request({ ':path': `/base/receipts/${SUB}`, ':method': 'POST' });
    post.end();
    assert.equal(await status(post), 405);
  });
});

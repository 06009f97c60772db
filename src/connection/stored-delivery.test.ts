/**
 * Stored messages after hello (docs/protocol.md#storage-check,
 * docs/protocol.md#delivery-guarantee): topic first, batches of 10, the read
 * pointer moving only after a whole batch is acked, msg_limit, and check-storage nudges.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Notification } from '../protocol/notification.js';
import { eventually, makeNotification, seedUser, startHarness, type Harness, type TestClient } from './test-harness.js';

describe('connection service: stored messages', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ msgLimit: 30 });
  });
  after(() => h.close());

  async function seedMessages(uaid: string, chid: string, count: number, extra: Partial<Notification> = {}): Promise<string[]> {
    const versions: string[] = [];
    for (let i = 0; i < count; i++) {
      const n = makeNotification(chid, extra);
      await h.store.saveMessage(uaid, n);
      versions.push(n.version);
    }
    return versions;
  }

  async function reconnect(uaid: string): Promise<TestClient> {
    await eventually('earlier sessions to end', () => h.service.connectionCount() === 0);
    const c = await h.connect();
    assert.equal(await c.hello(uaid), uaid);
    return c;
  }

  it('sends stored messages right after the hello reply, as notification frames without ttl/topic/timestamp', async () => {
    const { uaid, chid } = await seedUser(h.store);
    const n = makeNotification(chid);
    await h.store.saveMessage(uaid, n);
    const c = await reconnect(uaid);
    assert.deepEqual(await c.next(), { messageType: 'notification', channelID: chid, version: n.version, data: n.data, headers: n.headers });
    c.terminate();
  });

  it('sends topic messages first and deletes each one when acked', async () => {
    const { uaid, chid } = await seedUser(h.store);
    const plain = await seedMessages(uaid, chid, 2);
    const [topic] = await seedMessages(uaid, chid, 1, { topic: 'weather' });
    const c = await reconnect(uaid);
    const first = await c.next();
    assert.equal(first.version, topic);
    assert.ok(await c.quiet(100), 'timestamp messages wait until the topic batch is acked');
    c.ack([first]);
    const rest = await c.nextN(2);
    assert.deepEqual(rest.map((f) => f.version), plain);
    assert.equal((await h.store.fetchTopicMessages(uaid, 11)).length, 0, 'acked topic message deleted');
    c.terminate();
  });

  it('sends batches of 10 in order, the next only once the whole batch is acked', async () => {
    const { uaid, chid } = await seedUser(h.store);
    const versions = await seedMessages(uaid, chid, 25);
    const c = await reconnect(uaid);
    const b1 = await c.nextN(10);
    assert.deepEqual(b1.map((f) => f.version), versions.slice(0, 10));
    assert.ok(await c.quiet(100));
    c.ack(b1.slice(0, 9));
    assert.ok(await c.quiet(100), 'nine of ten acked: no next batch');
    assert.equal((await h.store.getUser(uaid))?.currentTimestamp, 0, 'pointer unmoved while the batch is partly acked');
    c.ack(b1.slice(9));
    const b2 = await c.nextN(10);
    assert.deepEqual(b2.map((f) => f.version), versions.slice(10, 20));
    assert.ok(((await h.store.getUser(uaid))?.currentTimestamp ?? 0) > 0, 'pointer moved after the whole batch');
    c.ack(b2);
    const b3 = await c.nextN(5);
    assert.deepEqual(b3.map((f) => f.version), versions.slice(20));
    c.ack(b3);
    assert.ok(await c.quiet(100));
    c.terminate();
    const again = await reconnect(uaid);
    assert.ok(await again.quiet(150), 'nothing is delivered twice once acked');
    again.terminate();
  });

  it('re-delivers the whole batch after a disconnect mid-batch', async () => {
    const { uaid, chid } = await seedUser(h.store);
    const versions = await seedMessages(uaid, chid, 12);
    const c = await reconnect(uaid);
    const b1 = await c.nextN(10);
    c.ack(b1.slice(0, 9));
    await c.quiet(50);
    c.terminate();
    const c2 = await reconnect(uaid);
    const again = await c2.nextN(10);
    assert.deepEqual(again.map((f) => f.version), versions.slice(0, 10));
    c2.terminate();
  });

  it('does not send expired messages', async () => {
    const { uaid, chid } = await seedUser(h.store);
    await seedMessages(uaid, chid, 1, { timestamp: Math.floor(Date.now() / 1000) - 100, ttl: 10 });
    const [live] = await seedMessages(uaid, chid, 1);
    const c = await reconnect(uaid);
    assert.equal((await c.next()).version, live);
    assert.ok(await c.quiet(100));
    c.terminate();
  });

  it('re-runs a check-storage nudge that arrives while a batch is outstanding, topics included', async () => {
    const { uaid, chid } = await seedUser(h.store);
    await seedMessages(uaid, chid, 1);
    const c = await reconnect(uaid);
    const first = await c.next();
    const [topic] = await seedMessages(uaid, chid, 1, { topic: 'later' });
    assert.equal(h.service.registry.checkStorage(uaid), true);
    assert.ok(await c.quiet(100), 'held back until the batch is acked');
    c.ack([first]);
    assert.equal((await c.next()).version, topic);
    c.terminate();
  });

  it('sends direct notifications while a stored batch is outstanding', async () => {
    const { uaid, chid } = await seedUser(h.store);
    await seedMessages(uaid, chid, 1);
    const c = await reconnect(uaid);
    await c.next();
    const direct = makeNotification(chid);
    assert.equal(h.service.registry.push(uaid, direct), true);
    assert.equal((await c.next()).version, direct.version);
    c.terminate();
  });

  it('delivers messages stored after a nudge while connected', async () => {
    const { uaid, chid } = await seedUser(h.store);
    const c = await reconnect(uaid);
    assert.ok(await c.quiet(50));
    const [v] = await seedMessages(uaid, chid, 1);
    assert.equal(h.service.registry.checkStorage(uaid), true);
    assert.equal((await c.next()).version, v);
    c.terminate();
  });
});

describe('connection service: msg_limit', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ msgLimit: 12 });
  });
  after(() => h.close());

  async function seed(uaid: string, chid: string, count: number): Promise<void> {
    for (let i = 0; i < count; i++) await h.store.saveMessage(uaid, makeNotification(chid));
  }

  it('resets the uaid (close 1000 UaidReset, user deleted) without sending the batch that crosses the limit', async () => {
    const { uaid, chid } = await seedUser(h.store);
    await seed(uaid, chid, 15);
    const c = await h.connect();
    await c.hello(uaid);
    const b1 = await c.nextN(10);
    c.ack(b1);
    assert.deepEqual(pick(await c.waitClose()), { code: 1000, reason: 'UaidReset' });
    assert.equal(c.frames.length, 0, 'the crossing batch was not sent');
    assert.equal(await h.store.getUser(uaid), null);
  });

  it('resets at once when the first batch alone crosses the limit', async () => {
    const h2 = await startHarness({ msgLimit: 5 });
    try {
      const { uaid, chid } = await seedUser(h2.store);
      for (let i = 0; i < 7; i++) await h2.store.saveMessage(uaid, makeNotification(chid));
      const c = await h2.connect();
      await c.hello(uaid);
      assert.deepEqual(pick(await c.waitClose()), { code: 1000, reason: 'UaidReset' });
      assert.equal(c.frames.length, 0);
      assert.equal(await h2.store.getUser(uaid), null);
    } finally {
      await h2.close();
    }
  });

  it('counts per check: the counter resets once storage is drained', async () => {
    const { uaid, chid } = await seedUser(h.store);
    await seed(uaid, chid, 10);
    const c = await h.connect();
    await c.hello(uaid);
    c.ack(await c.nextN(10));
    assert.ok(await c.quiet(100));
    await seed(uaid, chid, 10);
    assert.equal(h.service.registry.checkStorage(uaid), true);
    c.ack(await c.nextN(10));
    assert.ok(await c.quiet(100));
    assert.equal(c.closed, null);
    assert.ok(await h.store.getUser(uaid));
    c.terminate();
  });
});

function pick(c: { code: number; reason: string }): { code: number; reason: string } {
  return { code: c.code, reason: c.reason };
}

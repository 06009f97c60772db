/**
 * Urgency levels of user agents (docs/protocol.md#urgency-herald-extension, a Herald extension):
 * the level in `hello` and the `urgency` message, live messages below it stored instead of sent,
 * stored ones skipped without blocking later wanted ones or moving the read pointer past them,
 * and delivered once the level drops; never counted toward msg_limit.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Notification, Urgency } from '../protocol/notification.js';
import { eventually, makeNotification, seedUser, startHarness, type Harness, type TestClient } from './test-harness.js';

describe('connection service: urgency levels', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ msgLimit: 30 });
  });
  after(() => h.close());

  const ended = () => eventually('earlier sessions to end', () => h.service.connectionCount() === 0);

  async function hello(uaid: string | undefined, urgency?: Urgency): Promise<{ c: TestClient; uaid: string }> {
    await ended();
    const c = await h.connect();
    c.send({ messageType: 'hello', use_webpush: true, broadcasts: {}, ...(uaid ? { uaid } : {}), ...(urgency ? { urgency } : {}) });
    const reply = await c.next();
    assert.equal(reply.status, 200);
    return { c, uaid: reply.uaid as string };
  }

  async function subscribed(urgency?: Urgency) {
    const { c, uaid } = await hello(undefined, urgency);
    const chid = randomUUID();
    assert.equal((await c.register(chid)).status, 200);
    return { c, uaid, chid };
  }

  async function setLevel(c: TestClient, urgency: Urgency): Promise<void> {
    c.send({ messageType: 'urgency', urgency });
    assert.deepEqual(await c.next(), { messageType: 'urgency', status: 200, urgency });
  }

  async function seed(uaid: string, chid: string, count: number, extra: Partial<Notification> = {}): Promise<string[]> {
    const versions: string[] = [];
    for (let i = 0; i < count; i++) {
      const n = makeNotification(chid, extra);
      await h.store.saveMessage(uaid, n);
      versions.push(n.version);
    }
    return versions;
  }

  it('keeps a normal message from a UA at high until it lowers its level, then sends it once', async () => {
    const { c, uaid, chid } = await subscribed('high');
    const normal = makeNotification(chid, { urgency: 'normal' });
    const unlabelled = makeNotification(chid);
    const high = makeNotification(chid, { urgency: 'high' });
    h.service.registry.push(uaid, normal);
    h.service.registry.push(uaid, unlabelled);
    h.service.registry.push(uaid, high);
    const first = await c.next();
    assert.equal(first.version, high.version, 'only the high one goes out');
    assert.equal(first.urgency, 'high');
    c.ack([first]);
    await eventually('the held messages to be stored', async () => (await h.store.countMessages(uaid)) === 2);
    assert.ok(await c.quiet(100));

    await setLevel(c, 'normal');
    const held = await c.nextN(2);
    assert.deepEqual(held.map((f) => f.version), [normal.version, unlabelled.version]);
    assert.equal(held[0]!.urgency, 'normal');
    assert.equal('urgency' in held[1]!, false, 'no urgency field when the sender gave none');
    c.ack(held);
    assert.ok(await c.quiet(100), 'sent once');
    await eventually('acked messages to leave storage', async () => (await h.store.countMessages(uaid)) === 0);
    c.terminate();

    const { c: again } = await hello(uaid);
    assert.ok(await again.quiet(150), 'nothing again after reconnecting');
    again.terminate();
  });

  it('stores a live message below a level raised during the session, and answers its waiting sender "stored"', async () => {
    const { c, uaid, chid } = await subscribed();
    await setLevel(c, 'low');
    const veryLow = makeNotification(chid, { urgency: 'very-low' });
    assert.equal(await h.service.registry.pushAwaitingAck(uaid, veryLow, 5_000), 'stored');
    assert.deepEqual((await h.store.fetchTimestampMessages(uaid, 0, 10)).map((m) => m.version), [veryLow.version]);
    const low = makeNotification(chid, { urgency: 'low' });
    h.service.registry.push(uaid, low);
    assert.equal((await c.next()).version, low.version);
    c.terminate();
  });

  it('does not store twice a message below the level that the endpoint stored before routing it (ack window 0)', async () => {
    const { c, uaid, chid } = await subscribed('high');
    const n = makeNotification(chid, { urgency: 'low' });
    await h.store.saveMessage(uaid, n);
    h.service.registry.push(uaid, { ...n, stored: true });
    const high = makeNotification(chid, { urgency: 'high' });
    h.service.registry.push(uaid, high);
    assert.equal((await c.next()).version, high.version);
    assert.equal(await h.store.countMessages(uaid), 1, 'the one stored copy');
    c.terminate();
  });

  it('when a held message cannot be stored: a waiting sender hears "delivered" (it stores), else the message is sent after all', async () => {
    const { c, uaid, chid } = await subscribed('high');
    h.controlled.failing.add('saveMessage');
    try {
      assert.equal(await h.service.registry.pushAwaitingAck(uaid, makeNotification(chid, { urgency: 'low' }), 5_000), 'delivered');
      const unsaved = makeNotification(chid, { urgency: 'low' });
      h.service.registry.push(uaid, unsaved);
      assert.equal((await c.next()).version, unsaved.version, 'better early than lost');
    } finally {
      h.controlled.failing.delete('saveMessage');
    }
    c.terminate();
  });

  it('drops a TTL-0 message below the level instead of storing it', async () => {
    const { c, uaid, chid } = await subscribed('high');
    h.service.registry.push(uaid, makeNotification(chid, { ttl: 0, urgency: 'low' }));
    const high = makeNotification(chid, { ttl: 0, urgency: 'high' });
    h.service.registry.push(uaid, high);
    assert.equal((await c.next()).version, high.version);
    assert.equal(await h.store.countMessages(uaid), 0);
    c.terminate();
  });

  it('sends stored messages the UA wants past any number it does not, without moving the pointer past those', async () => {
    const { uaid, chid } = await seedUser(h.store);
    const veryLow = await seed(uaid, chid, 150, { urgency: 'very-low' });
    const heldTopic = await seed(uaid, chid, 1, { urgency: 'low', topic: 'weather' });
    const high = await seed(uaid, chid, 3, { urgency: 'high' });
    const wantedTopic = await seed(uaid, chid, 1, { urgency: 'high', topic: 'alerts' });

    const { c } = await hello(uaid, 'high');
    const topicFrame = await c.next();
    assert.equal(topicFrame.version, wantedTopic[0], 'the wanted topic message first, the held one skipped');
    c.ack([topicFrame]);
    const highFrames = await c.nextN(3);
    assert.deepEqual(highFrames.map((f) => f.version), high, 'wanted messages found behind 150 held ones');
    c.ack(highFrames);
    assert.ok(await c.quiet(150), 'nothing below high');
    await eventually('acked high messages deleted one by one', async () => (await h.store.countMessages(uaid)) === 151);
    assert.equal((await h.store.getUser(uaid))?.currentTimestamp, 0, 'the pointer did not pass the held messages');

    // Lowering the level sends all 151 held messages; they were held by choice, so msg_limit (30) does not reset.
    await setLevel(c, 'very-low');
    const topicAgain = await c.next();
    assert.equal(topicAgain.version, heldTopic[0]);
    c.ack([topicAgain]);
    const got: string[] = [];
    while (got.length < veryLow.length) {
      const batch = await c.nextN(Math.min(10, veryLow.length - got.length));
      got.push(...batch.map((f) => f.version as string));
      c.ack(batch);
    }
    assert.deepEqual(got, veryLow, 'in order, each once');
    assert.ok(await c.quiet(150));
    assert.equal(c.closed, null, 'not reset');
    await eventually('everything acked is gone', async () => (await h.store.countMessages(uaid)) === 0);
    c.terminate();
  });

  it('still resets a UA whose backlog at its hello level exceeds msg_limit', async () => {
    const { uaid, chid } = await seedUser(h.store);
    await seed(uaid, chid, 40, { urgency: 'high' });
    const { c } = await hello(uaid, 'high');
    for (let i = 0; i < 3; i++) c.ack(await c.nextN(10));
    assert.equal((await c.waitClose()).code, 1000, 'the batch that crosses 30 resets');
    assert.equal(await h.store.getUser(uaid), null);
  });

  it('holds a stored very-low message for a UA at low, and sends it to the next session that says nothing', async () => {
    const { uaid, chid } = await seedUser(h.store);
    const [msg] = await seed(uaid, chid, 1, { urgency: 'very-low' });
    const first = await hello(uaid, 'low');
    assert.ok(await first.c.quiet(150));
    first.c.terminate();
    const second = await hello(uaid);
    const f = await second.c.next();
    assert.equal(f.version, msg);
    assert.equal(f.urgency, 'very-low');
    second.c.ack([f]);
    second.c.terminate();
  });

  it('closes 1011 InvalidMessage on an urgency message with an unknown level, and on such a hello', async () => {
    const { c } = await subscribed();
    c.send({ messageType: 'urgency', urgency: 'urgent' });
    assert.deepEqual(await c.waitClose(), { ...c.closed!, code: 1011, reason: 'InvalidMessage' });
    await ended();
    const bad = await h.connect();
    bad.send({ messageType: 'hello', urgency: 'High' });
    assert.equal((await bad.waitClose()).code, 1011);
  });
});

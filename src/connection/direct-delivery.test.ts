/**
 * Direct notifications through the registry (docs/protocol.md#internal-router-port,
 * docs/protocol.md#close-codes, docs/protocol.md#delivery-guarantee): frames, acks, nacks, saving on
 * disconnect, and the bounded queue.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { makeMessageId, parseMessageId } from '../crypto/message-id.js';
import { MAX_REDELIVERIES } from './nack.js';
import { eventually, makeNotification, startHarness, type Harness } from './test-harness.js';

describe('connection service: direct notifications', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ clientChannelCapacity: 3 });
  });
  after(() => h.close());

  async function subscribed() {
    await eventually('earlier sessions to end', () => h.service.connectionCount() === 0);
    const c = await h.connect();
    const uaid = await c.hello();
    const chid = randomUUID();
    assert.equal((await c.register(chid)).status, 200);
    return { c, uaid, chid };
  }

  const ended = () => eventually('the session to end', () => h.service.connectionCount() === 0);

  it('sends a pushed notification as channelID, version, data and headers only', async () => {
    const { c, uaid, chid } = await subscribed();
    const n = makeNotification(chid, { topic: 'news' });
    assert.equal(h.service.registry.push(uaid, n), true);
    assert.deepEqual(await c.next(), { messageType: 'notification', channelID: chid, version: n.version, data: n.data, headers: n.headers });
    c.terminate();
  });

  it('adds the sender\'s urgency to the notification when it gave one (Herald extension)', async () => {
    const { c, uaid, chid } = await subscribed();
    const n = makeNotification(chid, { topic: 'news', urgency: 'high' });
    assert.equal(h.service.registry.push(uaid, n), true);
    assert.deepEqual(await c.next(), { messageType: 'notification', channelID: chid, version: n.version, data: n.data, headers: n.headers, urgency: 'high' });
    c.terminate();
  });

  it('sends an empty-body notification without data or headers', async () => {
    const { c, uaid, chid } = await subscribed();
    const n = makeNotification(chid);
    delete n.data;
    delete n.headers;
    h.service.registry.push(uaid, n);
    assert.deepEqual(await c.next(), { messageType: 'notification', channelID: chid, version: n.version });
    c.terminate();
  });

  it('stores nothing once the UA acked', async () => {
    const { c, uaid, chid } = await subscribed();
    h.service.registry.push(uaid, makeNotification(chid));
    c.ack([await c.next()]);
    await c.quiet(50);
    c.terminate();
    await ended();
    assert.equal(await h.store.countMessages(uaid), 0);
  });

  it('saves an unacked notification on disconnect and re-delivers it on reconnect', async () => {
    const { c, uaid, chid } = await subscribed();
    const n = makeNotification(chid);
    h.service.registry.push(uaid, n);
    await c.next();
    c.terminate();
    await ended();
    assert.equal(await h.store.countMessages(uaid), 1);
    const c2 = await h.connect();
    await c2.hello(uaid);
    assert.equal((await c2.next()).version, n.version);
    c2.terminate();
  });

  it('deletes the stored copy of a message the endpoint stored before routing it, once acked', async () => {
    const { c, uaid, chid } = await subscribed();
    const n = makeNotification(chid);
    await h.store.saveMessage(uaid, n);
    h.service.registry.push(uaid, { ...n, stored: true });
    const f = await c.next();
    assert.equal('stored' in f, false, 'the marker never reaches the UA');
    c.ack([f]);
    await eventually('the stored copy to go', async () => (await h.store.countMessages(uaid)) === 0);
    c.terminate();
  });

  it('keeps the session when deleting an acked stored copy fails as retryable (the copy stays stored)', async () => {
    const { c, uaid, chid } = await subscribed();
    const n = makeNotification(chid);
    await h.store.saveMessage(uaid, n);
    h.controlled.busy.add('removeMessage');
    try {
      h.service.registry.push(uaid, { ...n, stored: true });
      c.ack([await c.next()]);
      const after = makeNotification(chid);
      h.service.registry.push(uaid, after);
      assert.equal((await c.next()).version, after.version, 'still connected and delivering');
      assert.equal(await h.store.countMessages(uaid), 1, 'the acked copy is still stored; a later check may send it again');
    } finally {
      h.controlled.busy.delete('removeMessage');
    }
    c.terminate();
    await ended();
  });

  it('does not save a stored-before-routing message again when the UA leaves without acking', async () => {
    const { c, uaid, chid } = await subscribed();
    const n = makeNotification(chid);
    await h.store.saveMessage(uaid, n);
    h.service.registry.push(uaid, { ...n, stored: true });
    await c.next();
    c.terminate();
    await ended();
    assert.equal(await h.store.countMessages(uaid), 1, 'one copy, not two');
    const c2 = await h.connect();
    await c2.hello(uaid);
    assert.equal((await c2.next()).version, n.version);
    assert.ok(await c2.quiet(100));
    c2.terminate();
  });

  /** A notification whose version is a real message id, as the endpoint mints them. */
  const withId = (uaid: string, chid: string) =>
    makeNotification(chid, { version: makeMessageId(h.cipher, { uaid, channelID: chid, topic: null, receivedMicros: Date.now() * 1000 }) });

  it('redelivers a nacked notification under a new id on the next connection, acked first as Firefox does', async () => {
    const { c, uaid, chid } = await subscribed();
    const n = withId(uaid, chid);
    h.service.registry.push(uaid, n);
    const f = await c.next();
    c.ack([f]);
    c.send({ messageType: 'nack', version: n.version, code: 302 });
    await c.quiet(50);
    c.terminate();
    await ended();
    assert.equal(await h.store.countMessages(uaid), 1, 'still stored after the session ended');
    const c2 = await h.connect();
    await c2.hello(uaid);
    const again = (await c2.next()) as { version: string; data: string };
    assert.notEqual(again.version, n.version, 'a new id: user agents drop ids they have seen');
    assert.equal(again.data, n.data);
    assert.equal(parseMessageId(h.cipher, again.version).redelivery, 1);
    c2.ack([again]);
    assert.ok(await c2.quiet(100));
    c2.terminate();
  });

  it('redelivers a nacked notification that was never acked once, not twice', async () => {
    const { c, uaid, chid } = await subscribed();
    const n = withId(uaid, chid);
    h.service.registry.push(uaid, n);
    await c.next();
    c.send({ messageType: 'nack', version: n.version, code: 301 });
    await c.quiet(50);
    c.terminate();
    await ended();
    assert.equal(await h.store.countMessages(uaid), 1, 'still stored after the session ended');
    const c2 = await h.connect();
    await c2.hello(uaid);
    const again = (await c2.next()) as { version: string };
    assert.equal(parseMessageId(h.cipher, again.version).redelivery, 1);
    assert.ok(await c2.quiet(100), 'the original is not saved beside its copy');
    c2.terminate();
  });

  it('stops redelivering after the last attempt, and only counts nacks of other codes or foreign ids', async () => {
    const { c, uaid, chid } = await subscribed();
    const last = makeNotification(chid, {
      version: makeMessageId(h.cipher, { uaid, channelID: chid, topic: null, receivedMicros: Date.now() * 1000, redelivery: MAX_REDELIVERIES }),
    });
    const other = withId(uaid, chid);
    const foreign = makeNotification(chid);
    for (const n of [last, other, foreign]) {
      h.service.registry.push(uaid, n);
      c.ack([await c.next()]);
    }
    c.send({ messageType: 'nack', version: last.version, code: 302 });
    c.send({ messageType: 'nack', version: other.version, code: 200 });
    c.send({ messageType: 'nack', version: foreign.version, code: 302 });
    await c.quiet(50);
    c.terminate();
    await ended();
    assert.equal(await h.store.countMessages(uaid), 0);
  });

  it('never stores a TTL-0 notification', async () => {
    const { c, uaid, chid } = await subscribed();
    h.service.registry.push(uaid, makeNotification(chid, { ttl: 0 }));
    await c.next();
    c.terminate();
    await ended();
    assert.equal(await h.store.countMessages(uaid), 0);
  });

  it('answers false for a uaid that is not connected here', () => {
    const uaid = randomUUID().replace(/-/g, '');
    assert.equal(h.service.registry.push(uaid, makeNotification(randomUUID())), false);
    assert.equal(h.service.registry.checkStorage(uaid), false);
  });

  it('answers false once the bounded queue is full, and sends the queued ones later', async () => {
    const { c, uaid, chid } = await subscribed();
    let release!: () => void;
    h.controlled.gates.set('addChannel', new Promise<void>((r) => (release = r)));
    c.send({ messageType: 'register', channelID: randomUUID() }); // stalls the session
    await new Promise((r) => setTimeout(r, 30));
    const queued = [1, 2, 3].map(() => makeNotification(chid));
    for (const n of queued) assert.equal(h.service.registry.push(uaid, n), true);
    assert.equal(h.service.registry.push(uaid, makeNotification(chid)), false, 'capacity 3');
    h.controlled.gates.delete('addChannel');
    release();
    assert.equal((await c.next()).messageType, 'register');
    assert.deepEqual((await c.nextN(3)).map((f) => f.version), queued.map((n) => n.version));
    c.terminate();
  });

  it('saves notifications still queued when the session ends', async () => {
    const { c, uaid, chid } = await subscribed();
    let release!: () => void;
    h.controlled.gates.set('addChannel', new Promise<void>((r) => (release = r)));
    c.send({ messageType: 'register', channelID: randomUUID() });
    await new Promise((r) => setTimeout(r, 30));
    h.service.registry.push(uaid, makeNotification(chid));
    h.service.registry.push(uaid, makeNotification(chid, { ttl: 0 }));
    c.terminate();
    await eventually('the server to see the close', () => h.service.registry.current(uaid) === undefined);
    h.controlled.gates.delete('addChannel');
    release();
    await ended();
    assert.equal(await h.store.countMessages(uaid), 1, 'the TTL>0 one, not the TTL-0 one');
  });
});

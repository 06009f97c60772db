/**
 * Ack-gated delivery on the connection side (docs/architecture.md "Ack-gated delivery"): a sender
 * waiting on `pushAwaitingAck` is answered `acked` when the UA acks inside the window (nothing
 * stored), `stored` once the window passes (the session stored it, and deletes it on a later
 * ack), or when the session ends first. Plus the storage check beside live messages: what is in
 * flight is neither re-sent nor counted toward msg_limit.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { eventually, makeNotification, startHarness, type Harness } from './test-harness.js';

/** Long enough that a test client acks well inside it even on a loaded machine. */
const LONG_WINDOW_MS = 1000;
/** Short, for the cases where the UA does not ack. */
const SHORT_WINDOW_MS = 30;

describe('connection service: ack-gated delivery', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ msgLimit: 5 });
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

  it('answers acked when the UA acks inside the window, and stores nothing', async () => {
    const { c, uaid, chid } = await subscribed();
    const n = makeNotification(chid);
    const outcome = h.service.registry.pushAwaitingAck(uaid, n, LONG_WINDOW_MS);
    const f = await c.next();
    assert.equal(f.version, n.version);
    c.ack([f]);
    assert.equal(await outcome, 'acked');
    assert.equal(await h.store.countMessages(uaid), 0);
    c.terminate();
    await ended();
    assert.equal(await h.store.countMessages(uaid), 0, 'nothing saved at disconnect either');
  });

  it('stores the message once the window passes without an ack, and deletes it on a later ack', async () => {
    const { c, uaid, chid } = await subscribed();
    const n = makeNotification(chid);
    const outcome = h.service.registry.pushAwaitingAck(uaid, n, SHORT_WINDOW_MS);
    const f = await c.next();
    assert.equal(await outcome, 'stored');
    assert.equal(await h.store.countMessages(uaid), 1);
    c.ack([f]);
    await eventually('the stored copy to go', async () => (await h.store.countMessages(uaid)) === 0);
    c.terminate();
  });

  it('delivers an unacked, stored message exactly once after reconnect', async () => {
    const { c, uaid, chid } = await subscribed();
    const n = makeNotification(chid);
    assert.equal(await h.service.registry.pushAwaitingAck(uaid, n, SHORT_WINDOW_MS), 'stored');
    c.terminate();
    await ended();
    assert.equal(await h.store.countMessages(uaid), 1, 'one copy, not saved again at disconnect');
    const c2 = await h.connect();
    await c2.hello(uaid);
    const again = await c2.next();
    assert.equal(again.version, n.version);
    c2.ack([again]);
    assert.ok(await c2.quiet(150), 'delivered once');
    c2.terminate();
  });

  it('answers stored when the UA leaves inside the window, having saved the message', async () => {
    const { c, uaid, chid } = await subscribed();
    const n = makeNotification(chid);
    const outcome = h.service.registry.pushAwaitingAck(uaid, n, LONG_WINDOW_MS);
    await c.next();
    c.terminate();
    assert.equal(await outcome, 'stored');
    assert.equal(await h.store.countMessages(uaid), 1);
  });

  it('answers not-connected for a uaid without a session', async () => {
    assert.equal(await h.service.registry.pushAwaitingAck('f'.repeat(32), makeNotification(randomUUID()), LONG_WINDOW_MS), 'not-connected');
  });

  it('answers delivered when the store write after the window fails, so the endpoint stores it', async () => {
    const { c, uaid, chid } = await subscribed();
    h.controlled.failing.add('saveMessage');
    try {
      const outcome = h.service.registry.pushAwaitingAck(uaid, makeNotification(chid), SHORT_WINDOW_MS);
      await c.next();
      assert.equal(await outcome, 'delivered');
      assert.equal(c.closed, null, 'the session stays up');
    } finally {
      h.controlled.failing.delete('saveMessage');
    }
    c.terminate();
    await ended();
    assert.equal(await h.store.countMessages(uaid), 0, 'not saved at disconnect either: the endpoint has its copy');
  });

  it('never re-sends or counts toward msg_limit a message in flight that its window put in storage', async () => {
    const { c, uaid, chid } = await subscribed();
    // More unacked live messages than msg_limit (5), all stored once their window passed.
    const sent = Array.from({ length: 8 }, () => makeNotification(chid));
    const outcomes = sent.map((n) => h.service.registry.pushAwaitingAck(uaid, n, SHORT_WINDOW_MS));
    const frames = await c.nextN(8);
    assert.deepEqual(await Promise.all(outcomes), Array(8).fill('stored'));
    assert.equal(await h.store.countMessages(uaid), 8);
    // A nudge (as the endpoint sends after storing another push) makes the session read storage.
    const other = makeNotification(chid);
    await h.store.saveMessage(uaid, other);
    assert.equal(h.service.registry.checkStorage(uaid), true);
    const fromStorage = await c.next();
    assert.equal(fromStorage.version, other.version, 'only the message not sent yet');
    assert.ok(await c.quiet(150), 'the eight in flight are not sent again');
    assert.equal(c.closed, null, 'no UaidReset');
    c.ack([...frames, fromStorage]);
    await eventually('every stored copy to go', async () => (await h.store.countMessages(uaid)) === 0);
    c.terminate();
  });

  it('with the endpoint storing first (ack window 0), a storage check neither re-sends nor counts the messages in flight', async () => {
    const { c, uaid, chid } = await subscribed();
    const sent = Array.from({ length: 8 }, () => makeNotification(chid));
    for (const n of sent) {
      await h.store.saveMessage(uaid, n);
      assert.equal(h.service.registry.push(uaid, { ...n, stored: true }), true);
    }
    const frames = await c.nextN(8);
    assert.equal(h.service.registry.checkStorage(uaid), true);
    assert.ok(await c.quiet(150), 'nothing sent twice');
    assert.equal(c.closed, null, 'no UaidReset though 8 > msg_limit 5');
    c.ack(frames);
    await eventually('every stored copy to go', async () => (await h.store.countMessages(uaid)) === 0);
    c.terminate();
  });

  it('keeps the stored copy of a message in flight while the read pointer passes the messages around it', async () => {
    const { c, uaid, chid } = await subscribed();
    const before = makeNotification(chid);
    await h.store.saveMessage(uaid, before);
    const live = makeNotification(chid);
    assert.equal(await h.service.registry.pushAwaitingAck(uaid, live, SHORT_WINDOW_MS), 'stored');
    const liveFrame = await c.next();
    const afterIt = makeNotification(chid);
    await h.store.saveMessage(uaid, afterIt);
    h.service.registry.checkStorage(uaid);
    const batch = await c.nextN(2);
    assert.deepEqual(batch.map((f) => f.version), [before.version, afterIt.version]);
    c.ack(batch);
    await eventually('the acked stored messages to go', async () => (await h.store.countMessages(uaid)) === 1);
    // The UA leaves without acking the live one: its stored copy is what the next session gets.
    c.terminate();
    await ended();
    const c2 = await h.connect();
    await c2.hello(uaid);
    const again = await c2.next();
    assert.equal(again.version, liveFrame.version);
    c2.ack([again]);
    assert.ok(await c2.quiet(150));
    c2.terminate();
  });
});

describe('connection service: msg_limit counts only the backlog from before the hello', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ msgLimit: 5 });
  });
  after(() => h.close());

  it('does not reset a connected UA for messages that arrived after its hello', async () => {
    const c = await h.connect();
    const uaid = await c.hello();
    const chid = randomUUID();
    await c.register(chid);
    // Stored while connected (a busy socket makes the endpoint store), then read by a check.
    const later = Math.floor(Date.now() / 1000) + 2;
    for (let i = 0; i < 12; i++) await h.store.saveMessage(uaid, makeNotification(chid, { timestamp: later }));
    h.service.registry.checkStorage(uaid);
    c.ack(await c.nextN(10));
    c.ack(await c.nextN(2));
    assert.ok(await c.quiet(100));
    assert.equal(c.closed, null);
    assert.ok(await h.store.getUser(uaid));
    c.terminate();
  });
});

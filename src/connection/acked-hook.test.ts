/**
 * `ConnectionEnv.onAcked` (push receipts, docs/protocol.md#push-message-receipts): told once of
 * each message the UA acked, direct or stored, and of nothing else.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { eventually, makeNotification, seedUser, startHarness, type Harness } from './test-harness.js';

describe('connection service: the ack callback', () => {
  let h: Harness;
  const told: string[] = [];
  before(async () => {
    h = await startHarness({}, { onAcked: async (message) => void told.push(message.version) });
  });
  after(() => h.close());

  it('tells of a direct message once the UA acks it, not before', async () => {
    const c = await h.connect();
    const uaid = await c.hello();
    const chid = randomUUID();
    await c.register(chid);
    const n = makeNotification(chid);
    h.service.registry.push(uaid, n);
    const frame = await c.next();
    await c.quiet(50);
    assert.ok(!told.includes(n.version), 'not on delivery');
    c.ack([frame]);
    await eventually('the callback', () => told.includes(n.version));
    c.ack([frame]);
    await c.quiet(50);
    assert.equal(told.filter((v) => v === n.version).length, 1, 'a repeated ack tells nothing more');
    c.terminate();
  });

  it('tells of a stored message once the UA acks it', async () => {
    const { uaid, chid } = await seedUser(h.store);
    const n = makeNotification(chid);
    await h.store.saveMessage(uaid, n);
    const c = await h.connect();
    await c.hello(uaid);
    c.ack([await c.next()]);
    await eventually('the callback', () => told.includes(n.version));
    c.terminate();
  });

  it('tells nothing of a nacked message', async () => {
    const c = await h.connect();
    const uaid = await c.hello();
    const chid = randomUUID();
    await c.register(chid);
    const n = makeNotification(chid);
    h.service.registry.push(uaid, n);
    const frame = await c.next();
    c.send({ messageType: 'nack', version: frame.version, code: 301 });
    await c.quiet(100);
    assert.ok(!told.includes(n.version));
    c.terminate();
  });
});

/**
 * A uaid moving between nodes (docs/protocol.md#close-codes,
 * docs/protocol.md#ghosting-and-takeover; takeover is beyond autopush): the new node asks the old
 * one to close its stale session,
 * and the old one, having saved what was unacked, nudges the new one to check storage.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Notification } from '../protocol/notification.js';
import type { NodeRouter, RouteOutcome } from '../routing/node-router.js';
import { NODE_ID, eventually, makeNotification, seedUser, startHarness, type Harness } from './test-harness.js';

const OTHER = 'http://other-node:8081';

class RecordingRouter implements NodeRouter {
  calls: string[] = [];
  async push(nodeId: string, uaid: string, _n: Notification): Promise<RouteOutcome> {
    this.calls.push(`push ${nodeId} ${uaid}`);
    return 'not-connected';
  }
  async notify(nodeId: string, uaid: string): Promise<RouteOutcome> {
    this.calls.push(`notify ${nodeId} ${uaid}`);
    return 'delivered';
  }
  async disconnect(nodeId: string, uaid: string, connectedAt: number): Promise<RouteOutcome> {
    this.calls.push(`disconnect ${nodeId} ${uaid} ${connectedAt}`);
    return 'delivered';
  }
}

describe('connection service: takeover between nodes', () => {
  let h: Harness;
  const router = new RecordingRouter();
  before(async () => {
    h = await startHarness({}, { router });
  });
  after(() => h.close());
  const ended = () => eventually('sessions to end', () => h.service.connectionCount() === 0);

  it('asks the node named in the record to drop its older session of the uaid', async () => {
    const { uaid } = await seedUser(h.store);
    await h.store.connectUser(uaid, Date.now() - 1000, OTHER);
    router.calls.length = 0;
    const c = await h.connect();
    await c.hello(uaid);
    const record = await h.store.getUser(uaid);
    assert.equal(record?.nodeId, NODE_ID);
    await eventually('the takeover request', () => router.calls.length > 0);
    assert.deepEqual(router.calls, [`disconnect ${OTHER} ${uaid} ${record?.connectedAt}`]);
    c.terminate();
    await ended();
  });

  it('asks nobody when the record named no node, or this one', async () => {
    const { uaid } = await seedUser(h.store);
    router.calls.length = 0;
    const first = await h.connect();
    await first.hello(uaid);
    first.terminate();
    await ended();
    await h.store.connectUser(uaid, Date.now(), NODE_ID);
    const again = await h.connect();
    await again.hello(uaid);
    assert.ok(await again.quiet(50));
    assert.deepEqual(router.calls, []);
    again.terminate();
    await ended();
  });

  it('closes a session taken over elsewhere with 1011 Ghost, saves its unacked messages and nudges the new node', async () => {
    const { uaid, chid } = await seedUser(h.store);
    const c = await h.connect();
    await c.hello(uaid);
    const n = makeNotification(chid);
    h.service.registry.push(uaid, n);
    await c.next();
    // The uaid says hello on another node: its record moves there, then that node asks us.
    const later = Date.now() + 5;
    assert.equal((await h.store.connectUser(uaid, later, OTHER)).outcome, 'connected');
    router.calls.length = 0;
    assert.equal(h.service.registry.disconnect(uaid, later), true);
    assert.deepEqual(await c.waitClose(), { code: 1011, reason: 'Ghost', atMs: c.closed!.atMs });
    await ended();
    const stored = await h.store.fetchTimestampMessages(uaid, 0, 10);
    assert.deepEqual(stored.map((m) => m.version), [n.version], 'the unacked message is stored');
    assert.deepEqual(router.calls, [`notify ${OTHER} ${uaid}`], 'the new node re-checks storage');
    assert.equal((await h.store.getUser(uaid))?.nodeId, OTHER, 'the record still names the new node');
  });

  it('nudges the new node when the session taken over held an unacked message that was already stored', async () => {
    const { uaid, chid } = await seedUser(h.store);
    const c = await h.connect();
    await c.hello(uaid);
    // Stored before it went live (the endpoint stores first, or its ack window passed): the new
    // node's hello may have found nothing stored, and skipped reading.
    const n = makeNotification(chid);
    await h.store.saveMessage(uaid, n);
    h.service.registry.push(uaid, { ...n, stored: true });
    await c.next();
    const later = Date.now() + 5;
    assert.equal((await h.store.connectUser(uaid, later, OTHER)).outcome, 'connected');
    router.calls.length = 0;
    assert.equal(h.service.registry.disconnect(uaid, later), true);
    await c.waitClose();
    await ended();
    assert.deepEqual(router.calls, [`notify ${OTHER} ${uaid}`]);
  });

  it('keeps a session that is newer than the connection asking for takeover', async () => {
    const { uaid } = await seedUser(h.store);
    const c = await h.connect();
    await c.hello(uaid);
    const record = await h.store.getUser(uaid);
    assert.equal(h.service.registry.disconnect(uaid, record!.connectedAt - 1), false);
    assert.ok(await c.quiet(50));
    assert.equal(c.closed, null);
    c.terminate();
    await ended();
  });
});

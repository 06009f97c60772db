/**
 * The storage calls of a hello of a known uaid (docs/protocol.md#hello,
 * docs/protocol.md#storage-check): one `connectUser`, and no message reads when it found nothing
 * stored; a message stored before the hello comes with it, one stored after it through the nudge
 * its saver sends, also when that nudge comes while the hello's write is in flight.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NODE_ID, eventually, makeNotification, seedUser, startHarness, type Harness, type TestClient } from './test-harness.js';

const READS = ['fetchTopicMessages', 'fetchTimestampMessages', 'getUser'] as const;

describe('connection service: storage calls of a hello', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(() => h.close());

  async function hello(uaid: string): Promise<TestClient> {
    await eventually('earlier sessions to end', () => h.service.connectionCount() === 0);
    h.controlled.calls.clear();
    const c = await h.connect();
    assert.equal(await c.hello(uaid), uaid);
    return c;
  }

  /** What a saver does after storing (endpoint/deliver.ts): re-read the record and nudge the node it names. */
  async function nudgeAfterStoring(uaid: string): Promise<boolean> {
    assert.equal((await h.store.getUser(uaid))?.nodeId, NODE_ID, 'the record names this node');
    return h.service.registry.checkStorage(uaid);
  }

  it('makes one storage call and reads no messages when nothing is stored', async () => {
    const { uaid } = await seedUser(h.store);
    const c = await hello(uaid);
    // Frames run after the hello's storage check: the register's reply means that check is over.
    assert.equal((await c.register()).status, 200);
    assert.equal(h.controlled.count('connectUser'), 1);
    assert.equal(h.controlled.count(...READS), 0);
    c.terminate();
  });

  it('delivers a message stored before the hello on that hello', async () => {
    const { uaid, chid } = await seedUser(h.store);
    const n = makeNotification(chid);
    await h.store.saveMessage(uaid, n);
    const c = await hello(uaid);
    assert.equal((await c.next()).version, n.version);
    assert.ok(h.controlled.count('fetchTimestampMessages') > 0);
    c.terminate();
  });

  it('delivers a message stored after the hello through the nudge, which reads again', async () => {
    const { uaid, chid } = await seedUser(h.store);
    const c = await hello(uaid);
    assert.equal((await c.register()).status, 200);
    const n = makeNotification(chid);
    await h.store.saveMessage(uaid, n);
    assert.equal(await nudgeAfterStoring(uaid), true);
    assert.equal((await c.next()).version, n.version);
    c.terminate();
  });

  it('delivers a message whose nudge came after the hello wrote the record but before its session was registered', async () => {
    const { uaid, chid } = await seedUser(h.store);
    let release!: () => void;
    h.controlled.holds.set('connectUser', new Promise<void>((r) => (release = r)));
    try {
      await eventually('earlier sessions to end', () => h.service.connectionCount() === 0);
      const c = await h.connect();
      c.send({ messageType: 'hello', use_webpush: true, uaid });
      await eventually('the hello to write the record', async () => (await h.store.getUser(uaid))?.nodeId === NODE_ID);
      const n = makeNotification(chid);
      await h.store.saveMessage(uaid, n);
      assert.equal(await nudgeAfterStoring(uaid), true, 'the registry notes the nudge for the hello under way');
      release();
      assert.equal((await c.next()).messageType, 'hello');
      assert.equal((await c.next()).version, n.version);
      c.terminate();
    } finally {
      h.controlled.holds.delete('connectUser');
      release();
    }
  });
});

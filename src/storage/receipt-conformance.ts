/**
 * The shared suite every `ReceiptStore` backend passes (receipt-store.ts), written once and called
 * from each backend's test file with a real server. Two `open` calls reach the same data, as two
 * nodes would; ids are random per test, so data left by other runs does no harm.
 */
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ReceiptStore, ReceiptSubscription } from './receipt-store.js';

export interface ReceiptConformanceOptions {
  name: string;
  open: () => Promise<ReceiptStore>;
  /** Why the suite is skipped (no server); absent: it runs. */
  skip?: string;
}

const NOW = 7_000_000_000_000;
const fresh = () => randomUUID().replaceAll('-', '');
const sub = (owner: string, expiresAt = NOW + 60_000): ReceiptSubscription => ({ id: fresh(), owner, createdAt: NOW, expiresAt });

export function runReceiptConformance({ name, open, skip }: ReceiptConformanceOptions): void {
  describe(`ReceiptStore conformance: ${name}`, { skip }, () => {
    let a: ReceiptStore;
    let b: ReceiptStore;
    before(async () => {
      a = await open();
      b = await open();
    });
    after(async () => {
      await a?.close();
      await b?.close();
    });

    it('creates a subscription another node reads until it expires', async () => {
      const s = sub(`vapid:${fresh()}`);
      assert.equal(await a.createSubscription(s, 5, NOW), true);
      assert.deepEqual(await b.getSubscription(s.id, NOW + 1), s);
      assert.equal(await b.getSubscription(s.id, s.expiresAt), null, 'expired at expiresAt');
      assert.equal(await b.getSubscription(fresh(), NOW), null);
    });

    it('refuses an owner its subscription past the maximum, counting only unexpired ones', async () => {
      const owner = `ip:${fresh()}`;
      assert.equal(await a.createSubscription(sub(owner, NOW + 10), 2, NOW), true);
      assert.equal(await b.createSubscription(sub(owner), 2, NOW), true);
      const third = sub(owner);
      assert.equal(await a.createSubscription(third, 2, NOW), false);
      assert.equal(await a.getSubscription(third.id, NOW), null, 'nothing stored');
      assert.equal(await b.createSubscription(sub(`ip:${fresh()}`), 2, NOW), true, 'other owners are not counted');
      assert.equal(await b.createSubscription(sub(owner), 2, NOW + 10), true, 'the expired one no longer counts');
    });

    it('queues the receipt of an acked push once, for the node that holds the subscription', async () => {
      const s = sub(`vapid:${fresh()}`);
      await a.createSubscription(s, 5, NOW);
      const key = fresh();
      await a.addPending({ key, subscriptionId: s.id, messageId: 'm1', expiresAt: NOW + 5000 });
      assert.deepEqual(await b.queued(s.id, NOW, 10), []);
      assert.equal(await b.acked(key, NOW + 1, 100), s.id);
      assert.equal(await a.acked(key, NOW + 2, 100), null, 'a second ack queues nothing');
      assert.deepEqual(await a.queued(s.id, NOW + 3, 10), [{ messageId: 'm1', queuedAt: NOW + 1 }]);
      await b.removeQueued(s.id, 'm1');
      assert.deepEqual(await a.queued(s.id, NOW + 3, 10), []);
      await b.removeQueued(s.id, 'm1');
    });

    it('lists queued receipts oldest first, up to the limit', async () => {
      const s = sub(`vapid:${fresh()}`);
      await a.createSubscription(s, 5, NOW);
      for (const [i, id] of ['z', 'y', 'x'].entries()) {
        const key = fresh();
        await a.addPending({ key, subscriptionId: s.id, messageId: id, expiresAt: NOW + 5000 });
        await b.acked(key, NOW + i, 100);
      }
      assert.deepEqual(await a.queued(s.id, NOW + 10, 2), [
        { messageId: 'z', queuedAt: NOW },
        { messageId: 'y', queuedAt: NOW + 1 },
      ]);
    });

    it('owes nothing for an ack after the message expired, or to an expired subscription', async () => {
      const s = sub(`vapid:${fresh()}`, NOW + 1000);
      await a.createSubscription(s, 5, NOW);
      const late = fresh();
      await a.addPending({ key: late, subscriptionId: s.id, messageId: 'late', expiresAt: NOW + 100 });
      assert.equal(await b.acked(late, NOW + 100, 100), null);
      const orphan = fresh();
      await a.addPending({ key: orphan, subscriptionId: s.id, messageId: 'orphan', expiresAt: NOW + 5000 });
      assert.equal(await b.acked(orphan, NOW + 1000, 100), null);
      assert.deepEqual(await a.queued(s.id, NOW + 500, 10), []);
    });

    it('a pending receipt with the same key replaces the earlier one', async () => {
      const [s, t] = [sub(`vapid:${fresh()}`), sub(`vapid:${fresh()}`)];
      await a.createSubscription(s, 5, NOW);
      await a.createSubscription(t, 5, NOW);
      const key = fresh();
      await a.addPending({ key, subscriptionId: s.id, messageId: 'first', expiresAt: NOW + 5000 });
      await b.addPending({ key, subscriptionId: t.id, messageId: 'second', expiresAt: NOW + 5000 });
      assert.equal(await a.acked(key, NOW, 100), t.id);
      assert.deepEqual(await a.queued(t.id, NOW, 10), [{ messageId: 'second', queuedAt: NOW }]);
      assert.deepEqual(await a.queued(s.id, NOW, 10), []);
    });

    it('drops receipts past the queue maximum of a subscription', async () => {
      const s = sub(`vapid:${fresh()}`);
      await a.createSubscription(s, 5, NOW);
      const results = [];
      for (const id of ['q1', 'q2', 'q3']) {
        const key = fresh();
        await a.addPending({ key, subscriptionId: s.id, messageId: id, expiresAt: NOW + 5000 });
        results.push(await b.acked(key, NOW, 2));
      }
      assert.deepEqual(results, [s.id, s.id, null]);
      assert.deepEqual((await a.queued(s.id, NOW, 10)).map((r) => r.messageId), ['q1', 'q2']);
    });

    it('purgeExpired leaves unexpired subscriptions, pending and queued receipts', async () => {
      const live = sub(`vapid:${fresh()}`, NOW + 100_000);
      const dead = sub(`vapid:${fresh()}`, NOW + 10);
      await a.createSubscription(live, 5, NOW);
      await a.createSubscription(dead, 5, NOW);
      const [k1, k2] = [fresh(), fresh()];
      await a.addPending({ key: k1, subscriptionId: live.id, messageId: 'kept', expiresAt: NOW + 50_000 });
      await a.addPending({ key: k2, subscriptionId: live.id, messageId: 'queued', expiresAt: NOW + 50_000 });
      await a.acked(k2, NOW, 100);
      assert.ok((await b.purgeExpired(NOW + 20)) >= 0);
      assert.equal(await a.getSubscription(dead.id, NOW + 20), null);
      assert.deepEqual(await a.getSubscription(live.id, NOW + 20), live);
      assert.equal(await a.acked(k1, NOW + 30, 100), live.id);
      assert.deepEqual((await a.queued(live.id, NOW + 30, 10)).map((r) => r.messageId), ['queued', 'kept']);
    });
  });
}

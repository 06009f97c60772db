/**
 * The shared suite every `BlocklistStore` backend passes (STYLE.md: written once, called from each
 * backend's test file with a real server).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { BlocklistStore } from './blocklist-store.js';

export interface BlocklistConformanceOptions {
  name: string;
  /** Open a fresh (empty) blocklist; a second call must reach the same data (another node). */
  open: () => Promise<BlocklistStore>;
  /** Why the suite is skipped (no server); absent: it runs. */
  skip?: string;
}

let ips = 0;
/** A distinct documentation address per test, so the suite tolerates data left by other runs. */
const newIp = () => `198.51.100.${++ips % 250}`;

export function runBlocklistConformance({ name, open, skip }: BlocklistConformanceOptions): void {
  describe(`BlocklistStore conformance: ${name}`, { skip }, () => {
    let a: BlocklistStore;
    let b: BlocklistStore;
    before(async () => {
      a = await open();
      b = await open();
    });
    after(async () => {
      await a?.close();
      await b?.close();
    });

    it('blocks an IP until its expiry, as seen from another node', async () => {
      const ip = newIp();
      await a.add({ ip, reason: 'penalty-box', createdAt: 1_000, expiresAt: 61_000 });
      assert.equal(await b.isBlocked(ip, 30_000), true);
      assert.equal(await b.isBlocked(ip, 61_000), false, 'expired at expiresAt');
      assert.equal(await b.isBlocked('203.0.113.9', 30_000), false, 'other IPs are not blocked');
    });

    it('lists unexpired blocks with their fields, soonest expiry first', async () => {
      const [x, y, z] = [newIp(), newIp(), newIp()];
      const now = 5_000_000_000_000;
      await a.add({ ip: x, reason: 'admin', createdAt: now, expiresAt: now + 20_000 });
      await a.add({ ip: y, reason: 'penalty-box', createdAt: now, expiresAt: now + 10_000 });
      await a.add({ ip: z, reason: 'old', createdAt: now - 5000, expiresAt: now - 1 });
      const listed = (await b.list(now)).filter((e) => [x, y, z].includes(e.ip));
      assert.deepEqual(listed, [
        { ip: y, reason: 'penalty-box', createdAt: now, expiresAt: now + 10_000 },
        { ip: x, reason: 'admin', createdAt: now, expiresAt: now + 20_000 },
      ]);
    });

    it('re-adding an IP replaces its block', async () => {
      const ip = newIp();
      await a.add({ ip, reason: 'penalty-box', createdAt: 1, expiresAt: 10_000 });
      await b.add({ ip, reason: 'admin', createdAt: 2, expiresAt: 90_000 });
      const mine = (await a.list(5_000)).filter((e) => e.ip === ip);
      assert.deepEqual(mine, [{ ip, reason: 'admin', createdAt: 2, expiresAt: 90_000 }]);
      assert.equal(await a.isBlocked(ip, 50_000), true);
    });

    it('remove lifts a block on every node and says whether there was one', async () => {
      const ip = newIp();
      await a.add({ ip, reason: 'admin', createdAt: 1, expiresAt: 100_000 });
      assert.equal(await b.remove(ip, 50), true);
      assert.equal(await a.isBlocked(ip, 50), false);
      assert.equal(await a.remove(ip, 50), false);
    });

    it('purgeExpired deletes only expired entries', async () => {
      const [old, live] = [newIp(), newIp()];
      const now = 6_000_000_000_000;
      await a.add({ ip: old, reason: 'x', createdAt: now - 10, expiresAt: now - 1 });
      await a.add({ ip: live, reason: 'x', createdAt: now, expiresAt: now + 1000 });
      assert.ok((await b.purgeExpired(now)) >= 1);
      assert.equal(await a.isBlocked(live, now), true);
      assert.equal(await a.remove(old, now - 5), false, 'the expired entry is gone');
    });

    it('keeps IPv6 addresses as given', async () => {
      const ip = '2001:db8::' + (++ips).toString(16);
      await a.add({ ip, reason: 'admin', createdAt: 1, expiresAt: 10_000 });
      assert.equal(await b.isBlocked(ip, 5), true);
    });
  });
}

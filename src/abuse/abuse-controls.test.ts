import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { defaultSettings } from '../config/settings.js';
import { openSqliteBlocklist } from '../storage/sqlite/sqlite-blocklist.js';
import { openSqliteStore } from '../storage/sqlite/sqlite-store.js';
import type { BlocklistStore } from '../storage/blocklist-store.js';
import type { Store } from '../storage/store.js';
import { AbuseControls, type AbuseSettings } from './abuse-controls.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const UAID = 'a'.repeat(32);
const CH = (n: number) => `00000000-0000-4000-8000-${n.toString().padStart(12, '0')}`;

interface Fixture {
  clock: { ms: number };
  open(overrides?: Partial<AbuseSettings>): Promise<AbuseControls>;
  events: [string, Record<string, string>, number][];
  store: Store;
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** Nodes built by one fixture share a blocklist (one SQLite file) and a store, as a cluster does. */
async function fixture(): Promise<Fixture> {
  const dir = mkdtempSync(join(tmpdir(), 'herald-abuse-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const store = await openSqliteStore(':memory:', { now: () => clock.ms });
  cleanups.push(() => store.close());
  const clock = { ms: 1_700_000_000_000 };
  const events: Fixture['events'] = [];
  return {
    clock,
    events,
    store,
    async open(overrides = {}) {
      const blocklist: BlocklistStore = await openSqliteBlocklist(join(dir, 'shared.db'));
      const controls = await AbuseControls.open({
        settings: { ...defaultSettings, ...overrides },
        blocklist,
        store,
        now: () => clock.ms,
        onEvent: (kind, labels, count) => events.push([kind, { ...labels }, count]),
      });
      cleanups.push(async () => {
        controls.close();
        await blocklist.close();
      });
      return controls;
    },
  };
}

describe('AbuseControls rate limits', () => {
  it('pushes to one subscription over its limit get 429 with the seconds to wait; other subscriptions are served', async () => {
    const f = await fixture();
    const a = await f.open({ limitPushPerSubscription: '1:2' });
    assert.equal(a.admitPush(UAID, CH(1), null), null);
    assert.equal(a.admitPush(UAID, CH(1), null), null);
    assert.deepEqual(a.admitPush(UAID, CH(1), null), { kind: 'rate-limited', limiter: 'subscription', retryAfter: 1 });
    assert.equal(a.admitPush(UAID, CH(2), null), null, 'another channel of the same uaid');
    f.clock.ms += 1000;
    assert.equal(a.admitPush(UAID, CH(1), null), null, 'served again once a token refilled');
    assert.deepEqual(f.events.at(-1)?.[0], 'rate-limited');
  });

  it('limits pushes per VAPID key across subscriptions; unsigned pushes are not counted against it', async () => {
    const f = await fixture();
    const a = await f.open({ limitPushPerVapidKey: '0.1:2' });
    assert.equal(a.admitPush(UAID, CH(1), 'key1'), null);
    assert.equal(a.admitPush(UAID, CH(2), 'key1'), null);
    assert.deepEqual(a.admitPush(UAID, CH(3), 'key1'), { kind: 'rate-limited', limiter: 'vapid-key', retryAfter: 10 });
    assert.equal(a.admitPush(UAID, CH(3), 'key2'), null);
    assert.equal(a.admitPush(UAID, CH(3), null), null);
  });

  it('limits endpoint requests and WebSocket connects per IP, each with its own limit', async () => {
    const f = await fixture();
    const a = await f.open({ limitPushPerIp: '1:1', limitConnectPerIp: '1:2' });
    assert.equal(a.admitIp('127.0.0.2', 'endpoint'), null);
    assert.equal(a.admitIp('127.0.0.2', 'endpoint')?.kind, 'rate-limited');
    assert.equal(a.admitIp('127.0.0.3', 'endpoint'), null, 'another IP');
    assert.equal(a.admitIp('127.0.0.2', 'websocket'), null);
    assert.equal(a.admitIp('127.0.0.2', 'websocket'), null);
    assert.deepEqual(a.admitIp('127.0.0.2', 'websocket'), { kind: 'rate-limited', limiter: 'connect', retryAfter: 1 });
    assert.equal(a.counters().rateLimited.connect, 1);
    assert.equal(a.counters().rateLimited.ip, 1);
  });

  it('0 disables a limit', async () => {
    const f = await fixture();
    const a = await f.open({ limitPushPerSubscription: '0', limitPushPerIp: '0' });
    for (let i = 0; i < 1000; i++) {
      assert.equal(a.admitPush(UAID, CH(1), null), null);
      assert.equal(a.admitIp('127.0.0.2', 'endpoint'), null);
    }
  });

  it('the defaults never bother normal use: a sender pushing once a second to a subscription, a browser registering 50 channels at start', async () => {
    const f = await fixture();
    const a = await f.open();
    for (let i = 0; i < 600; i++) {
      assert.equal(a.admitPush(UAID, CH(1), 'key'), null);
      f.clock.ms += 1000;
    }
    for (let i = 0; i < 50; i++) assert.equal(await a.admitRegister(UAID, CH(i), false), null);
  });
});

describe('AbuseControls register limits', () => {
  it('refuses registers over the per-uaid rate with rate-limited; other uaids register', async () => {
    const f = await fixture();
    const a = await f.open({ limitRegisterPerUaid: '1:2' });
    assert.equal(await a.admitRegister(UAID, CH(1), false), null);
    assert.equal(await a.admitRegister(UAID, CH(2), false), null);
    assert.equal((await a.admitRegister(UAID, CH(3), false))?.kind, 'rate-limited');
    assert.equal(await a.admitRegister('b'.repeat(32), CH(3), false), null);
  });

  it('refuses a channel beyond maxChannelsPerUaid, but re-registering a held channel is fine', async () => {
    const f = await fixture();
    const a = await f.open({ maxChannelsPerUaid: 2 });
    await f.store.addUser({ uaid: UAID, connectedAt: 1, nodeId: null });
    await f.store.addChannel(UAID, CH(1));
    assert.equal(await a.admitRegister(UAID, CH(2), true), null);
    await f.store.addChannel(UAID, CH(2));
    assert.deepEqual(await a.admitRegister(UAID, CH(3), true), { kind: 'channel-limit' });
    assert.equal(await a.admitRegister(UAID, CH(2), true), null);
    assert.equal(a.counters().channelLimit, 1);
  });
});

describe('AbuseControls penalty box and shared blocklist', () => {
  it('blocks an IP at the threshold of bad answers, on this node at once and on another after its refresh; the block expires', async () => {
    const f = await fixture();
    const opts = { penaltyThreshold: 5, penaltyWindow: 60, penaltyBlockSeconds: 30 };
    const [a, b] = [await f.open(opts), await f.open(opts)];
    for (let i = 0; i < 4; i++) a.recordBadOutcome('127.0.0.9', '404');
    assert.equal(a.admitIp('127.0.0.9', 'endpoint'), null, 'below the threshold: served');
    a.recordBadOutcome('127.0.0.9', '404');
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(a.admitIp('127.0.0.9', 'endpoint'), { kind: 'ip-blocked', retryAfter: 30 });
    assert.equal(a.admitIp('127.0.0.10', 'endpoint'), null, 'other IPs are served');

    assert.equal(b.admitIp('127.0.0.9', 'websocket'), null, 'the other node has not reloaded yet');
    await b.refresh();
    assert.equal(b.admitIp('127.0.0.9', 'websocket')?.kind, 'ip-blocked');

    f.clock.ms += 30_000;
    assert.equal(a.admitIp('127.0.0.9', 'endpoint'), null, 'expired');
    assert.equal(b.admitIp('127.0.0.9', 'websocket'), null, 'expired on the other node too');
    assert.deepEqual(
      f.events.filter((e) => e[0] === 'ip-blocked'),
      [['ip-blocked', { source: 'penalty-box', ip: '127.0.0.9' }, 1]],
    );
  });

  it('bad answers spread beyond the window do not block', async () => {
    const f = await fixture();
    const a = await f.open({ penaltyThreshold: 3, penaltyWindow: 10 });
    for (let i = 0; i < 10; i++) {
      a.recordBadOutcome('127.0.0.9', '410');
      f.clock.ms += 5000;
    }
    await new Promise((r) => setImmediate(r));
    assert.equal(a.admitIp('127.0.0.9', 'endpoint'), null);
  });

  it('admins list, add and lift blocks; lifting applies on every node', async () => {
    const f = await fixture();
    const [a, b] = [await f.open(), await f.open()];
    const entry = await a.block('::ffff:192.0.2.4', { seconds: 120, reason: 'abuse report 17' });
    assert.deepEqual(entry, { ip: '192.0.2.4', reason: 'abuse report 17', createdAt: f.clock.ms, expiresAt: f.clock.ms + 120_000 });
    assert.deepEqual(await b.listBlocks(), [entry]);
    await b.refresh();
    assert.equal(b.admitIp('192.0.2.4', 'endpoint')?.kind, 'ip-blocked');
    assert.equal(await b.unblock('192.0.2.4'), true);
    assert.equal(b.admitIp('192.0.2.4', 'endpoint'), null, 'at once on the lifting node');
    await a.refresh();
    assert.equal(a.admitIp('192.0.2.4', 'endpoint'), null, 'after a refresh on the others');
    assert.equal(await b.unblock('192.0.2.4'), false);
    assert.deepEqual(await a.listBlocks(), []);
    assert.equal(a.counters().ipsBlocked.admin, 1);
    assert.equal(b.counters().ipsUnblocked, 1);
  });

  it('counts and blocks an IPv6 client by its /64, so changing address within it does not help (docs/security.md)', async () => {
    const f = await fixture();
    const opts = { penaltyThreshold: 5, penaltyWindow: 60, penaltyBlockSeconds: 30, limitPushPerIp: '1:2' };
    const [a, b] = [await f.open(opts), await f.open(opts)];
    for (let i = 1; i <= 5; i++) a.recordBadOutcome(`2001:db8:1:2::${i.toString(16)}`, '404');
    await new Promise((r) => setImmediate(r));
    assert.equal(a.admitIp('2001:db8:1:2:ffff::77', 'endpoint')?.kind, 'ip-blocked', 'another address of the same /64');
    assert.equal(a.admitIp('2001:db8:1:3::1', 'endpoint'), null, 'the next /64 is served');
    assert.equal(a.admitIp('127.0.0.9', 'endpoint'), null, 'IPv4 unaffected');
    await b.refresh();
    assert.equal(b.admitIp('2001:0db8:0001:0002::abcd', 'websocket')?.kind, 'ip-blocked', 'on the other node, whatever the spelling');
    assert.deepEqual((await a.listBlocks()).map((e) => e.ip), ['2001:db8:1:2::/64']);
    assert.equal(await a.unblock('2001:db8:1:2::/64'), true);
    assert.equal(a.admitIp('2001:db8:1:2::1', 'endpoint'), null, 'lifted');
    // The per-IP rate limit counts the /64 too: a burst of two, from any of its addresses.
    assert.equal(a.admitIp('2001:db8:9:9::1', 'endpoint'), null);
    assert.equal(a.admitIp('2001:db8:9:9::2', 'endpoint'), null);
    assert.equal(a.admitIp('2001:db8:9:9::3', 'endpoint')?.kind, 'rate-limited');
  });

  it('threshold 0 turns the penalty box off', async () => {
    const f = await fixture();
    const a = await f.open({ penaltyThreshold: 0 });
    for (let i = 0; i < 100; i++) a.recordBadOutcome('127.0.0.9', '404');
    await new Promise((r) => setImmediate(r));
    assert.equal(a.admitIp('127.0.0.9', 'endpoint'), null);
  });
});

describe('AbuseControls stored-message maximum', () => {
  const msg = (i: number, topic: string | null = null) => ({ channelID: CH(1), version: `v${i}`, ttl: 3600, topic, timestamp: Math.floor(1_700_000_000 + i) });

  it('drop-oldest deletes the oldest stored messages beyond the limit and counts them', async () => {
    const f = await fixture();
    const a = await f.open({ maxStoredMessages: 3, storedMessagesPolicy: 'drop-oldest' });
    await f.store.addUser({ uaid: UAID, connectedAt: 1, nodeId: null });
    for (let i = 1; i <= 5; i++) {
      await f.store.saveMessage(UAID, msg(i));
      await a.afterStored(UAID);
    }
    const left = await f.store.fetchTimestampMessages(UAID, 0, 10);
    assert.deepEqual(left.map((m) => m.version), ['v3', 'v4', 'v5']);
    assert.equal(a.counters().storedDropped, 2);
    assert.deepEqual(f.events.filter((e) => e[0] === 'stored-limit'), [
      ['stored-limit', { policy: 'drop-oldest' }, 1],
      ['stored-limit', { policy: 'drop-oldest' }, 1],
    ]);
  });

  it('reset forgets the user agent, as autopush msg_limit does', async () => {
    const f = await fixture();
    const a = await f.open({ maxStoredMessages: 2, storedMessagesPolicy: 'reset' });
    await f.store.addUser({ uaid: UAID, connectedAt: 1, nodeId: 'http://node-a:8081' });
    const results = [];
    for (let i = 1; i <= 3; i++) {
      await f.store.saveMessage(UAID, msg(i));
      results.push(await a.afterStored(UAID));
    }
    assert.deepEqual(results.at(-1), { action: 'reset', nodeId: 'http://node-a:8081' }, 'names the node to disconnect the user agent on');
    assert.equal(await f.store.getUser(UAID), null);
    assert.equal(a.counters().uaidResets, 1);
  });

  it('under the limit nothing is dropped', async () => {
    const f = await fixture();
    const a = await f.open({ maxStoredMessages: 10 });
    await f.store.addUser({ uaid: UAID, connectedAt: 1, nodeId: null });
    for (let i = 1; i <= 10; i++) {
      await f.store.saveMessage(UAID, msg(i));
      await a.afterStored(UAID);
    }
    assert.equal(await f.store.countMessages(UAID), 10);
  });
});

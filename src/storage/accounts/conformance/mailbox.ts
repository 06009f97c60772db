/** The durable mailbox (docs/device-messages.md#the-durable-mailbox): MailboxStore's behaviour. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { MailboxKey, MailboxStore } from '../mailbox-store.js';
import { newUid, hex, type TestClock } from './fixture.js';

export interface MailboxFixture {
  readonly store: MailboxStore;
  readonly clock: TestClock;
  readonly notShared: string | undefined;
  open(): Promise<MailboxStore>;
}

const HOUR = 3600;
const key = (over: Partial<MailboxKey> = {}): MailboxKey => ({ uid: newUid(), deviceId: hex(16), box: 'commands', ...over });

async function appendAll(store: MailboxStore, k: MailboxKey, items: string[], ttl = HOUR): Promise<number[]> {
  const out: number[] = [];
  for (const item of items) out.push(await store.append(k, item, ttl));
  return out;
}

function assertIncreasing(xs: number[]): void {
  for (let i = 1; i < xs.length; i++) assert.ok((xs[i] as number) > (xs[i - 1] as number), `index ${xs[i]} > ${xs[i - 1]}`);
}

export function mailboxCases(f: MailboxFixture): void {
  describe('indexes', () => {
    it('increase with every append, across devices and boxes', async () => {
      const a = key();
      const b = key({ uid: a.uid });
      const c = { ...a, box: 'messages' as const };
      const xs = [await f.store.append(a, '1', HOUR), await f.store.append(b, '2', HOUR), await f.store.append(c, '3', HOUR), await f.store.append(a, '4', HOUR)];
      assertIncreasing(xs);
      assert.ok((xs[0] as number) >= 1, 'indexes start above 0, which means "none"');
    });

    it('are never reused after the newest entries were deleted or swept', async () => {
      const k = key();
      const [first] = await appendAll(f.store, k, ['a']);
      await f.store.deleteDevice(k.uid, k.deviceId);
      const [second] = await appendAll(f.store, k, ['b'], 1);
      f.clock.advance(2000);
      assert.equal(await f.store.purgeExpired(f.clock.now()) >= 1, true);
      const [third] = await appendAll(f.store, k, ['c']);
      await f.store.deleteAccount(k.uid);
      const [fourth] = await appendAll(f.store, k, ['d']);
      assertIncreasing([first!, second!, third!, fourth!]);
    });
  });

  describe('reads', () => {
    it('return entries from an inclusive index, ascending, up to the limit, byte for byte', async () => {
      const k = key();
      const texts = ['{"a":1}', 'ünïcödé ☃ 🎉', 'x'.repeat(60_000), '', '"quoted"\n'];
      const xs = await appendAll(f.store, k, texts);
      const all = await f.store.read(k, 0, 100);
      assert.deepEqual(all, { messages: xs.map((index, i) => ({ index, data: texts[i]! })), last: true });
      const page = await f.store.read(k, xs[1]!, 2);
      assert.deepEqual(page.messages.map((m) => m.index), [xs[1], xs[2]]);
      assert.equal(page.last, false);
      const rest = await f.store.read(k, xs[3]!, 2);
      assert.deepEqual(rest.messages.map((m) => m.index), [xs[3], xs[4]]);
      assert.equal(rest.last, true, 'nothing follows the page');
      assert.deepEqual(await f.store.read(k, xs[4]! + 1, 10), { messages: [], last: true });
    });

    it('delete nothing: the same read twice gives the same entries', async () => {
      const k = key();
      await appendAll(f.store, k, ['a', 'b']);
      const once = await f.store.read(k, 0, 10);
      assert.deepEqual(await f.store.read(k, 0, 10), once);
      assert.equal(once.messages.length, 2);
    });

    it('see only their own account, device and box', async () => {
      const k = key();
      await appendAll(f.store, k, ['mine']);
      await appendAll(f.store, { ...k, deviceId: hex(16) }, ['other device']);
      await appendAll(f.store, { ...k, uid: newUid() }, ['other account']);
      await appendAll(f.store, { ...k, box: 'messages' }, ['other box']);
      assert.deepEqual((await f.store.read(k, 0, 10)).messages.map((m) => m.data), ['mine']);
    });
  });

  describe('expiry', () => {
    it('hides an entry once its TTL has passed, and a TTL of 0 at once', async () => {
      const k = key();
      const [short, zero, long] = [await f.store.append(k, 'short', 10), await f.store.append(k, 'zero', 0), await f.store.append(k, 'long', HOUR)];
      assert.deepEqual((await f.store.read(k, 0, 10)).messages.map((m) => m.index), [short, long]);
      f.clock.advance(9_999);
      assert.deepEqual((await f.store.read(k, 0, 10)).messages.map((m) => m.index), [short, long]);
      f.clock.advance(1);
      assert.deepEqual((await f.store.read(k, 0, 10)).messages.map((m) => m.index), [long]);
      assert.ok(zero! > short!);
    });

    it('computes last over unexpired entries: an expired newest entry does not make it false', async () => {
      const k = key();
      const [a] = await appendAll(f.store, k, ['a'], HOUR);
      await appendAll(f.store, k, ['b'], 1);
      f.clock.advance(1000);
      assert.deepEqual(await f.store.read(k, a!, 1), { messages: [{ index: a!, data: 'a' }], last: true });
    });

    it('gives the latest unexpired index, or 0 when there is none', async () => {
      const k = key();
      assert.equal(await f.store.latestIndex(k), 0);
      const [a, b] = await appendAll(f.store, k, ['a', 'b'], HOUR);
      await appendAll(f.store, k, ['c'], 1);
      assert.ok((await f.store.latestIndex(k)) > b!);
      f.clock.advance(1000);
      assert.equal(await f.store.latestIndex(k), b);
      assert.ok(a! < b!);
    });

    it('sweeps expired entries only, and counts them', async () => {
      const k = key();
      await appendAll(f.store, k, ['gone-1', 'gone-2'], 5);
      const [kept] = await appendAll(f.store, k, ['kept'], HOUR);
      f.clock.advance(5000);
      // Other cases on a shared database may leave expired entries too: at least ours went.
      assert.ok((await f.store.purgeExpired(f.clock.now())) >= 2);
      assert.equal(await f.store.purgeExpired(f.clock.now()), 0);
      // Back in time, a hidden-but-kept entry would show again: the swept ones are really gone.
      f.clock.advance(-5000);
      assert.deepEqual((await f.store.read(k, 0, 10)).messages, [{ index: kept!, data: 'kept' }]);
    });
  });

  describe('deletion', () => {
    it('removes every box of a device, and nothing of its neighbours', async () => {
      const k = key();
      const neighbour = { ...k, deviceId: hex(16) };
      await appendAll(f.store, k, ['a', 'b']);
      await appendAll(f.store, { ...k, box: 'messages' }, ['c']);
      await appendAll(f.store, neighbour, ['n']);
      assert.equal(await f.store.deleteDevice(k.uid, k.deviceId), 3);
      assert.deepEqual((await f.store.read(k, 0, 10)).messages, []);
      assert.deepEqual((await f.store.read({ ...k, box: 'messages' }, 0, 10)).messages, []);
      assert.equal((await f.store.read(neighbour, 0, 10)).messages.length, 1);
    });

    it('removes every entry of an account, and nothing of other accounts', async () => {
      const k = key();
      const other = key();
      await appendAll(f.store, k, ['a']);
      await appendAll(f.store, { ...k, deviceId: hex(16) }, ['b']);
      await appendAll(f.store, other, ['c']);
      assert.equal(await f.store.deleteAccount(k.uid), 2);
      assert.equal((await f.store.read(other, 0, 10)).messages.length, 1);
    });
  });

  describe('mailbox stores sharing one database', () => {
    it('see each other\'s entries and never hand out one index twice', async (t) => {
      if (f.notShared) return t.skip(f.notShared);
      const second = await f.open();
      const k = key();
      const xs = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? second : f.store).append(k, `m${i}`, HOUR)));
      assert.equal(new Set(xs).size, 20);
      assert.equal((await second.read(k, 0, 100)).messages.length, 20);
    });
  });
}

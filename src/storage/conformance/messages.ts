/** Saving and reading messages: sort keys, round-trip, topics, the read pointer (docs/protocol.md#storage-check, docs/protocol.md#ordering-and-the-read-pointer, docs/protocol.md#request-headers). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { UnknownUserError } from '../store.js';
import { type Fixture, assertIncreasing, versionsOf } from './fixture.js';

export function messageCases(t: Fixture): void {
  describe('saving messages and sort keys', () => {
    it('saveMessage returns a positive safe-integer sort key that the fetch reports', async () => {
      const uaid = await t.user();
      const key = await t.store.saveMessage(uaid, t.message());
      assert.ok(Number.isSafeInteger(key) && key > 0, `sort key ${key}`);
      const [got] = await t.store.fetchTimestampMessages(uaid, 0, 10);
      assert.equal(got?.sortKey, key);
    });

    it('1000 saves in a tight loop within one millisecond get strictly increasing sort keys, all fetched in order', async () => {
      const uaid = await t.user();
      const keys: number[] = [];
      const sent: string[] = [];
      for (let i = 0; i < 1000; i++) {
        const m = t.message();
        sent.push(m.version);
        keys.push(await t.store.saveMessage(uaid, m));
      }
      assertIncreasing(keys);
      const got = await t.store.fetchTimestampMessages(uaid, 0, 2000);
      assert.deepEqual(versionsOf(got), sent);
      assert.deepEqual(
        got.map((m) => m.sortKey),
        keys,
      );
    });

    it('concurrent saves for one uaid get distinct sort keys and are all stored', async () => {
      const uaid = await t.user();
      const keys = await Promise.all(Array.from({ length: 100 }, () => t.store.saveMessage(uaid, t.message())));
      assert.equal(new Set(keys).size, 100);
      assert.equal(await t.store.countMessages(uaid), 100);
    });

    it('sort keys increase per uaid when saves for two users interleave', async () => {
      const [a, b] = [await t.user(), await t.user()];
      const keys: Record<string, number[]> = { [a]: [], [b]: [] };
      for (let i = 0; i < 50; i++) {
        for (const uaid of [a, b]) keys[uaid]?.push(await t.store.saveMessage(uaid, t.message()));
      }
      assertIncreasing(keys[a] ?? []);
      assertIncreasing(keys[b] ?? []);
      assert.equal((await t.store.fetchTimestampMessages(a, 0, 100)).length, 50);
    });

    it('a message saved after the pointer moved gets a sort key above the pointer', async () => {
      const uaid = await t.user();
      const key = await t.store.saveMessage(uaid, t.message());
      await t.store.incrementStorage(uaid, key + 1_000_000);
      const next = await t.store.saveMessage(uaid, t.message());
      assert.ok(next > key + 1_000_000, `sort key ${next} above the pointer ${key + 1_000_000}`);
      assert.equal((await t.store.fetchTimestampMessages(uaid, key + 1_000_000, 10)).length, 1);
    });

    it('a message saved for a user created with a pointer gets a sort key above it', async () => {
      const pointer = t.clock.now() * 2;
      const uaid = await t.user({ currentTimestamp: pointer });
      assert.ok((await t.store.saveMessage(uaid, t.message())) > pointer);
    });

    it('saveMessage for an unknown uaid throws UnknownUserError and stores nothing', async () => {
      const uaid = t.newUaid();
      await assert.rejects(t.store.saveMessage(uaid, t.message()), UnknownUserError);
      await t.user({ uaid });
      assert.equal(await t.store.countMessages(uaid), 0);
    });

    it('saving a message id that is already stored keeps a single copy', async () => {
      const uaid = await t.user();
      const m = t.message();
      await t.store.saveMessage(uaid, m);
      await t.store.saveMessage(uaid, m);
      assert.equal(await t.store.countMessages(uaid), 1);
      assert.deepEqual(versionsOf(await t.store.fetchTimestampMessages(uaid, 0, 10)), [m.version]);
    });

    it('saveMessages stores all messages in the given order', async () => {
      const uaid = await t.user();
      const batch = Array.from({ length: 20 }, () => t.message());
      await t.store.saveMessages(uaid, batch);
      const got = await t.store.fetchTimestampMessages(uaid, 0, 100);
      assert.deepEqual(versionsOf(got), versionsOf(batch));
      assertIncreasing(got.map((m) => m.sortKey));
    });

    it('saveMessages after saveMessage sorts after it', async () => {
      const uaid = await t.user();
      const first = t.message();
      await t.store.saveMessage(uaid, first);
      const batch = [t.message(), t.message()];
      await t.store.saveMessages(uaid, batch);
      assert.deepEqual(versionsOf(await t.store.fetchTimestampMessages(uaid, 0, 10)), [first.version, ...batch.map((m) => m.version)]);
    });

    it('saveMessages of an empty list is a no-op', async () => {
      const uaid = await t.user();
      await t.store.saveMessages(uaid, []);
      assert.equal(await t.store.countMessages(uaid), 0);
    });

    it('saveMessages for an unknown uaid throws UnknownUserError and stores nothing', async () => {
      const uaid = t.newUaid();
      await assert.rejects(t.store.saveMessages(uaid, [t.message(), t.message()]), UnknownUserError);
      await t.user({ uaid });
      assert.equal(await t.store.countMessages(uaid), 0);
    });
  });

  describe('message round-trip', () => {
    it('data, aes128gcm headers and urgency come back exactly', async () => {
      const uaid = await t.user();
      const m = t.message({
        data: 'I_am-a_base64url-body' + 'x'.repeat(7500),
        headers: { encoding: 'aes128gcm' },
        urgency: 'high',
      });
      const sortKey = await t.store.saveMessage(uaid, m);
      assert.deepEqual(await t.store.fetchTimestampMessages(uaid, 0, 10), [{ ...m, sortKey }]);
    });

    it('aesgcm headers with encryption and crypto_key come back exactly', async () => {
      const uaid = await t.user();
      const m = t.message({
        data: 'AAEC',
        headers: { encoding: 'aesgcm', encryption: 'salt=abc-_', crypto_key: 'dh=BCd_e;p256ecdsa=BXy' },
        urgency: 'very-low',
      });
      const sortKey = await t.store.saveMessage(uaid, m);
      assert.deepEqual(await t.store.fetchTimestampMessages(uaid, 0, 10), [{ ...m, sortKey }]);
    });

    it('a message without data, headers or urgency comes back without those keys', async () => {
      const uaid = await t.user();
      const m = t.message();
      const sortKey = await t.store.saveMessage(uaid, m);
      const [got] = await t.store.fetchTimestampMessages(uaid, 0, 10);
      assert.deepEqual(got, { ...m, sortKey });
      assert.ok(got && !('data' in got) && !('headers' in got) && !('urgency' in got), 'no absent keys present');
    });

    it('each urgency level comes back with its message, through saveMessages too (the storage check skips by it)', async () => {
      const uaid = await t.user();
      const levels = ['very-low', 'low', 'normal', 'high'] as const;
      await t.store.saveMessages(uaid, levels.map((urgency) => t.message({ urgency })));
      const got = await t.store.fetchTimestampMessages(uaid, 0, 10);
      assert.deepEqual(got.map((m) => m.urgency), [...levels]);
      // The storage check pages past skipped messages by sort key: reading after the second gives the rest.
      assert.deepEqual((await t.store.fetchTimestampMessages(uaid, got[1]!.sortKey, 10)).map((m) => m.urgency), ['normal', 'high']);
    });

    it('whether a receipt was asked comes back (true, false, or absent when nobody said), also for a replacing topic message', async () => {
      const uaid = await t.user();
      const asked = t.message({ receipt: true });
      const notAsked = t.message({ receipt: false });
      const unknown = t.message();
      await t.store.saveMessages(uaid, [asked, notAsked, unknown]);
      const got = await t.store.fetchTimestampMessages(uaid, 0, 10);
      assert.deepEqual(got.map((m) => m.receipt), [true, false, undefined]);
      assert.ok(!('receipt' in got[2]!), 'no absent key present');
      const chid = randomUUID();
      await t.store.saveMessage(uaid, t.message({ channelID: chid, topic: 't', receipt: true }));
      await t.store.saveMessage(uaid, t.message({ channelID: chid, topic: 't', receipt: false }));
      assert.deepEqual((await t.store.fetchTopicMessages(uaid, 10)).map((m) => m.receipt), [false]);
    });

    it('a topic message comes back exactly', async () => {
      const uaid = await t.user();
      const m = t.message({ topic: 'Topic_-1', data: 'ZGF0YQ', headers: { encoding: 'aes128gcm' }, urgency: 'low' });
      const sortKey = await t.store.saveMessage(uaid, m);
      assert.deepEqual(await t.store.fetchTopicMessages(uaid, 10), [{ ...m, sortKey }]);
    });
  });

  describe('topic messages', () => {
    it('a topic message replaces the stored one with the same uaid, channel and topic', async () => {
      const uaid = await t.user();
      const chid = randomUUID();
      const first = t.message({ channelID: chid, topic: 'weather', data: 'b2xk' });
      const second = t.message({ channelID: chid, topic: 'weather', data: 'bmV3' });
      const k1 = await t.store.saveMessage(uaid, first);
      const k2 = await t.store.saveMessage(uaid, second);
      assert.ok(k2 > k1);
      assert.deepEqual(await t.store.fetchTopicMessages(uaid, 10), [{ ...second, sortKey: k2 }]);
      assert.equal(await t.store.countMessages(uaid), 1);
      assert.equal(await t.store.removeMessage(uaid, first.version), false, 'the replaced message is gone');
    });

    it('the same topic on another channel does not replace', async () => {
      const uaid = await t.user();
      const a = t.message({ topic: 'weather' });
      const b = t.message({ topic: 'weather' });
      await t.store.saveMessage(uaid, a);
      await t.store.saveMessage(uaid, b);
      assert.deepEqual(versionsOf(await t.store.fetchTopicMessages(uaid, 10)), [a.version, b.version]);
    });

    it('the same channel and topic for another uaid does not replace', async () => {
      const [u1, u2] = [await t.user(), await t.user()];
      const chid = randomUUID();
      const a = t.message({ channelID: chid, topic: 'weather' });
      const b = t.message({ channelID: chid, topic: 'weather' });
      await t.store.saveMessage(u1, a);
      await t.store.saveMessage(u2, b);
      assert.deepEqual(versionsOf(await t.store.fetchTopicMessages(u1, 10)), [a.version]);
      assert.deepEqual(versionsOf(await t.store.fetchTopicMessages(u2, 10)), [b.version]);
    });

    it('another topic on the same channel does not replace, and a message without topic never does', async () => {
      const uaid = await t.user();
      const chid = randomUUID();
      const a = t.message({ channelID: chid, topic: 'weather' });
      const b = t.message({ channelID: chid, topic: 'traffic' });
      const plain1 = t.message({ channelID: chid });
      const plain2 = t.message({ channelID: chid });
      for (const m of [a, b, plain1, plain2]) await t.store.saveMessage(uaid, m);
      assert.deepEqual(versionsOf(await t.store.fetchTopicMessages(uaid, 10)), [a.version, b.version]);
      assert.deepEqual(versionsOf(await t.store.fetchTimestampMessages(uaid, 0, 10)), [plain1.version, plain2.version]);
    });

    it('topic messages appear only in fetchTopicMessages, others only in fetchTimestampMessages', async () => {
      const uaid = await t.user();
      const topic = t.message({ topic: 'weather' });
      const plain = t.message();
      await t.store.saveMessage(uaid, plain);
      await t.store.saveMessage(uaid, topic);
      assert.deepEqual(versionsOf(await t.store.fetchTopicMessages(uaid, 10)), [topic.version]);
      assert.deepEqual(versionsOf(await t.store.fetchTimestampMessages(uaid, 0, 10)), [plain.version]);
    });

    it('fetchTopicMessages returns oldest first and honours the limit', async () => {
      const uaid = await t.user();
      const ms = Array.from({ length: 5 }, (_, i) => t.message({ topic: `t${i}` }));
      for (const m of ms) await t.store.saveMessage(uaid, m);
      assert.deepEqual(versionsOf(await t.store.fetchTopicMessages(uaid, 3)), versionsOf(ms.slice(0, 3)));
    });

    it('a replaced topic message moves behind the other topic messages', async () => {
      const uaid = await t.user();
      const chid = randomUUID();
      const a = t.message({ channelID: chid, topic: 'a' });
      const b = t.message({ topic: 'b' });
      const a2 = t.message({ channelID: chid, topic: 'a' });
      for (const m of [a, b, a2]) await t.store.saveMessage(uaid, m);
      assert.deepEqual(versionsOf(await t.store.fetchTopicMessages(uaid, 10)), [b.version, a2.version]);
    });

    it('a topic message is deleted by removeMessage (its ack), not by incrementStorage', async () => {
      const uaid = await t.user();
      const topic = t.message({ topic: 'weather' });
      const key = await t.store.saveMessage(uaid, topic);
      await t.store.incrementStorage(uaid, key + 10);
      assert.equal((await t.store.fetchTopicMessages(uaid, 10)).length, 1);
      assert.equal(await t.store.removeMessage(uaid, topic.version), true);
      assert.deepEqual(await t.store.fetchTopicMessages(uaid, 10), []);
    });
  });

  describe('timestamp messages and the read pointer', () => {
    it('fetchTimestampMessages returns messages after the pointer, ascending, up to the limit', async () => {
      const uaid = await t.user();
      const ms = Array.from({ length: 10 }, () => t.message());
      const keys: number[] = [];
      for (const m of ms) keys.push(await t.store.saveMessage(uaid, m));
      const page = await t.store.fetchTimestampMessages(uaid, keys[2] as number, 4);
      assert.deepEqual(versionsOf(page), ms.slice(3, 7).map((m) => m.version));
      assertIncreasing(page.map((m) => m.sortKey));
    });

    it('paging with the last sort key of a page reads the next page, then nothing', async () => {
      const uaid = await t.user();
      const ms = Array.from({ length: 7 }, () => t.message());
      await t.store.saveMessages(uaid, ms);
      const p1 = await t.store.fetchTimestampMessages(uaid, 0, 5);
      const p2 = await t.store.fetchTimestampMessages(uaid, p1.at(-1)?.sortKey ?? 0, 5);
      const p3 = await t.store.fetchTimestampMessages(uaid, p2.at(-1)?.sortKey ?? 0, 5);
      assert.deepEqual([...versionsOf(p1), ...versionsOf(p2)], ms.map((m) => m.version));
      assert.deepEqual(p3, []);
    });

    it('fetches of an unknown uaid return nothing', async () => {
      assert.deepEqual(await t.store.fetchTimestampMessages(t.newUaid(), 0, 10), []);
      assert.deepEqual(await t.store.fetchTopicMessages(t.newUaid(), 10), []);
    });

    it('incrementStorage moves the pointer (currentTimestamp)', async () => {
      const uaid = await t.user();
      const key = await t.store.saveMessage(uaid, t.message());
      await t.store.incrementStorage(uaid, key);
      assert.equal((await t.store.getUser(uaid))?.currentTimestamp, key);
    });

    it('incrementStorage never moves the pointer backwards', async () => {
      const uaid = await t.user();
      const k1 = await t.store.saveMessage(uaid, t.message());
      const k2 = await t.store.saveMessage(uaid, t.message());
      await t.store.incrementStorage(uaid, k2);
      await t.store.incrementStorage(uaid, k1);
      assert.equal((await t.store.getUser(uaid))?.currentTimestamp, k2);
    });

    it('incrementStorage drops the timestamp messages it passed and keeps later ones', async () => {
      const uaid = await t.user();
      const ms = Array.from({ length: 4 }, () => t.message());
      const keys: number[] = [];
      for (const m of ms) keys.push(await t.store.saveMessage(uaid, m));
      await t.store.incrementStorage(uaid, keys[1] as number);
      assert.equal(await t.store.countMessages(uaid), 2);
      assert.equal(await t.store.removeMessage(uaid, ms[0]?.version ?? ''), false, 'acked message deleted');
      assert.deepEqual(versionsOf(await t.store.fetchTimestampMessages(uaid, 0, 10)), [ms[2]?.version, ms[3]?.version]);
    });

    it('a message saved while a batch is outstanding is read after the pointer moves past the batch', async () => {
      const uaid = await t.user();
      await t.store.saveMessages(uaid, [t.message(), t.message(), t.message()]);
      const batch = await t.store.fetchTimestampMessages(uaid, 0, 10);
      const late = t.message();
      await t.store.saveMessage(uaid, late);
      await t.store.incrementStorage(uaid, batch.at(-1)?.sortKey ?? 0);
      const pointer = (await t.store.getUser(uaid))?.currentTimestamp ?? 0;
      assert.deepEqual(versionsOf(await t.store.fetchTimestampMessages(uaid, pointer, 10)), [late.version]);
    });

    it('incrementStorage of an unknown uaid does not throw or create a record', async () => {
      const uaid = t.newUaid();
      await t.store.incrementStorage(uaid, 10);
      assert.equal(await t.store.getUser(uaid), null);
    });
  });
}

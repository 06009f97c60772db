import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { MailboxPageJson } from './account-api.js';
import { emptyRecoveryState, MailboxReader, type DeliveryReason, type RecoveryMode, type RecoveryState } from './mailbox-recovery.js';

/** A mailbox with the server's read rules: inclusive index, limit, `last`, nothing deleted. */
class FakeMailbox {
  entries: { index: number; data: string }[] = [];
  reads: { from: number; limit: number }[] = [];
  #next = 10;
  add(data: string): number {
    this.#next += 3; // sparse, like a shared counter
    this.entries.push({ index: this.#next, data });
    return this.#next;
  }
  fetchPage = async (from: number, limit: number): Promise<MailboxPageJson<string>> => {
    this.reads.push({ from, limit });
    const hits = this.entries.filter((e) => e.index >= from);
    const messages = hits.slice(0, limit);
    return { index: messages.at(-1)?.index ?? 0, last: hits.length <= limit, messages };
  };
}

function reader(mode: RecoveryMode, box: FakeMailbox, state: RecoveryState = emptyRecoveryState()) {
  const handled: [string, DeliveryReason][] = [];
  const saved: RecoveryState[] = [];
  const r = new MailboxReader<string>({
    mode,
    state,
    fetchPage: box.fetchPage,
    handle: (m, reason) => void handled.push([m.data, reason]),
    save: (s) => void saved.push(s),
  });
  return { r, handled, saved };
}

describe('fetch-all recovery (a push is a tickle)', () => {
  it('fetches everything after the last handled index, page by page, and labels missed pushes', async () => {
    const box = new FakeMailbox();
    const ids = Array.from({ length: 130 }, (_, i) => box.add(`m${i}`));
    const { r, handled } = reader('fetch-all', box);
    await r.onPush(ids[129]!);
    assert.equal(handled.length, 130);
    assert.deepEqual(handled[0], ['m0', 'push-missed']);
    assert.deepEqual(handled[129], ['m129', 'push']);
    assert.deepEqual(box.reads.map((x) => x.from), [1, ids[99]! + 1]);
    assert.equal(r.state.lastIndex, ids[129]);
  });

  it('skips a push for an index already handled, and polls without a push', async () => {
    const box = new FakeMailbox();
    const first = box.add('a');
    const { r, handled } = reader('fetch-all', box);
    await r.onPush(first);
    await r.onPush(first);
    assert.equal(box.reads.length, 1, 'the duplicate push fetched nothing');
    box.add('b');
    await r.poll();
    assert.deepEqual(handled, [['a', 'push'], ['b', 'poll']]);
  });

  it('resumes from a saved state without handing old messages over again', async () => {
    const box = new FakeMailbox();
    box.add('a');
    const one = reader('fetch-all', box);
    await one.r.poll();
    box.add('b');
    const two = reader('fetch-all', box, one.saved.at(-1));
    await two.r.poll();
    assert.deepEqual(two.handled, [['b', 'poll']]);
  });

  it('serialises concurrent pushes so nothing is handled twice', async () => {
    const box = new FakeMailbox();
    const ids = [box.add('a'), box.add('b'), box.add('c')];
    const { r, handled } = reader('fetch-all', box);
    await Promise.all(ids.map((i) => r.onPush(i)));
    assert.deepEqual(handled.map(([d]) => d), ['a', 'b', 'c']);
  });
});

describe('one-push recovery (one push, one payload, periodic poll)', () => {
  it('fetches only the pushed message, and the poll hands over the ones whose push was lost', async () => {
    const box = new FakeMailbox();
    const [a, b, c] = [box.add('a'), box.add('b'), box.add('c')];
    const { r, handled } = reader('one-push', box);
    await r.onPush(c);
    await r.onPush(a);
    assert.deepEqual(box.reads, [{ from: c, limit: 1 }, { from: a, limit: 1 }]);
    await r.poll();
    assert.deepEqual(handled, [['c', 'push'], ['a', 'push'], ['b', 'poll']]);
    assert.deepEqual(r.state, { lastIndex: 0, handled: [], lastGoodIndex: c });
    await r.poll();
    assert.equal(handled.length, 3, 'the poll starts after the last good index: the inclusive read repeats nothing');
    assert.ok(b > a);
  });

  it('skips duplicate pushes, before and after a poll', async () => {
    const box = new FakeMailbox();
    const a = box.add('a');
    const { r, handled } = reader('one-push', box);
    await r.onPush(a);
    await r.onPush(a);
    await r.poll();
    await r.onPush(a);
    assert.deepEqual(handled, [['a', 'push']]);
  });

  it('ignores a push whose message is gone (expired), and keeps handled indexes above the poll', async () => {
    const box = new FakeMailbox();
    const a = box.add('a');
    const { r, handled } = reader('one-push', box);
    await r.onPush(a + 100);
    assert.deepEqual(handled, []);
    await r.poll();
    assert.deepEqual(handled, [['a', 'poll']]);
  });

  it('reports a handler that throws and goes on', async () => {
    const box = new FakeMailbox();
    box.add('bad');
    box.add('good');
    const errors: number[] = [];
    const seen: string[] = [];
    const r = new MailboxReader<string>({
      mode: 'one-push',
      state: emptyRecoveryState(),
      fetchPage: box.fetchPage,
      handle: (m) => {
        if (m.data === 'bad') throw new Error('boom');
        seen.push(m.data);
      },
      save: () => undefined,
      onHandlerError: (_e, index) => void errors.push(index),
    });
    await r.poll();
    assert.deepEqual([errors.length, seen], [1, ['good']]);
  });
});

/** The messages API's rules: exclusive index; the answer's index is the reader's position, the caller's own on an empty page. */
class ExclusiveMailbox extends FakeMailbox {
  override fetchPage = async (after: number, limit: number): Promise<MailboxPageJson<string>> => {
    this.reads.push({ from: after, limit });
    const hits = this.entries.filter((e) => e.index > after);
    const messages = hits.slice(0, limit);
    return { index: messages.at(-1)?.index ?? after, last: hits.length <= limit, messages };
  };
}

function exclusiveReader(mode: RecoveryMode, box: FakeMailbox, state: RecoveryState = emptyRecoveryState()) {
  const handled: [string, DeliveryReason][] = [];
  const r = new MailboxReader<string>({ mode, state, bound: 'exclusive', fetchPage: box.fetchPage, handle: (m, reason) => void handled.push([m.data, reason]), save: () => undefined });
  return { r, handled };
}

describe('recovery on the exclusive messages API (the recipe\'s words)', () => {
  it('fetch-all asks after the persisted index, persists the answer, and re-reads nothing across empty polls', async () => {
    const box = new ExclusiveMailbox();
    const ids = Array.from({ length: 120 }, (_, i) => box.add(`m${i}`));
    const { r, handled } = exclusiveReader('fetch-all', box);
    await r.poll();
    assert.deepEqual(box.reads.map((x) => x.from), [0, ids[99]]);
    assert.equal(handled.length, 120);
    await r.poll();
    await r.poll();
    assert.equal(handled.length, 120, 'empty polls hand nothing over again');
    assert.equal(r.state.lastIndex, ids[119], 'an empty page did not rewind the persisted index');
    box.add('late');
    await r.poll();
    assert.deepEqual(handled.at(-1), ['late', 'poll']);
  });

  it('one-push fetches index - 1 with limit 1, and the poll follows handled_indexes and last_good_index', async () => {
    const box = new ExclusiveMailbox();
    const a = box.add('a');
    const b = box.add('b');
    const c = box.add('c');
    const { r, handled } = exclusiveReader('one-push', box);
    await r.onPush(a);
    await r.onPush(c);
    assert.deepEqual(box.reads, [{ from: a - 1, limit: 1 }, { from: c - 1, limit: 1 }]);
    await r.poll();
    assert.deepEqual(handled, [['a', 'push'], ['c', 'push'], ['b', 'poll']]);
    assert.deepEqual([r.state.lastGoodIndex, r.state.handled], [c, []]);
    await r.poll();
    await r.poll();
    assert.equal(handled.length, 3, 'each message exactly once across empty polls');
    assert.equal(r.state.lastGoodIndex, c);
    assert.equal(box.reads.at(-1)!.from, c);
  });
});

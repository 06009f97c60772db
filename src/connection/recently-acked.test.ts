/** nack.ts `RecentlyAcked`: acked messages kept for a nack that follows, bounded in time and bytes for the whole process. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RecentlyAcked } from './nack.js';
import { makeNotification } from './test-harness.js';

/** A notification whose payload decodes to `bytes` bytes (base64url, as the endpoint stores it). */
const withData = (bytes: number) => makeNotification('5a0d3a4e-8a6f-4a1e-9d7e-0c1b2a3d4e5f', { data: Buffer.alloc(bytes, 7).toString('base64url') });

describe('RecentlyAcked', () => {
  it('gives a message back once, to its own uaid only', () => {
    const r = new RecentlyAcked();
    const m = withData(10);
    r.add('ua1', m, 0);
    assert.equal(r.take('ua2', m.version, 1), undefined);
    assert.deepEqual(r.take('ua1', m.version, 1), m);
    assert.equal(r.take('ua1', m.version, 2), undefined);
    assert.equal(r.bytes, 0);
  });

  it('forgets messages past their time', () => {
    const r = new RecentlyAcked(1 << 20, 1000);
    const old = withData(10);
    r.add('ua', old, 0);
    assert.equal(r.take('ua', old.version, 1000), undefined, 'too late');
    const a = withData(10);
    const b = withData(10);
    r.add('ua', a, 0);
    r.add('ua', b, 1500);
    assert.equal(r.take('ua', a.version, 1500), undefined, 'dropped when a newer one came');
    assert.deepEqual(r.take('ua', b.version, 1600), b);
  });

  it('keeps at most its byte budget over every uaid, oldest out first', () => {
    const r = new RecentlyAcked(64 * 1024, 10_000);
    const all = Array.from({ length: 100 }, () => withData(4096));
    all.forEach((m, i) => r.add(`ua${i % 7}`, m, i));
    assert.ok(r.bytes <= 64 * 1024, `${r.bytes} bytes held`);
    assert.equal(r.take('ua0', all[0]!.version, 100), undefined, 'the oldest went');
    assert.deepEqual(r.take(`ua${99 % 7}`, all[99]!.version, 100), all[99], 'the newest stayed');
  });

  it('gives back a message without a payload as it was', () => {
    const r = new RecentlyAcked();
    const { data: _data, ...m } = makeNotification('5a0d3a4e-8a6f-4a1e-9d7e-0c1b2a3d4e5f');
    r.add('ua', m, 0);
    assert.deepEqual(r.take('ua', m.version, 1), m);
  });
});

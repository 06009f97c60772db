import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pooledRandomBytes } from './random-pool.js';

describe('pooledRandomBytes', () => {
  it('hands out distinct, independent buffers of the size asked, across pool refills', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const b = pooledRandomBytes(16);
      assert.equal(b.length, 16);
      seen.add(b.toString('hex'));
    }
    assert.equal(seen.size, 2000, 'no 16-byte value repeats');
    const a = pooledRandomBytes(16);
    const copy = Buffer.from(a);
    pooledRandomBytes(16);
    assert.deepEqual(a, copy, 'a later call does not change an earlier buffer');
    assert.throws(() => pooledRandomBytes(5000), RangeError);
  });

  it('is not all zeros or constant (bytes come from the CSPRNG)', () => {
    const all = Buffer.concat(Array.from({ length: 512 }, () => pooledRandomBytes(16)));
    const counts = new Array<number>(256).fill(0);
    for (const byte of all) counts[byte]!++;
    // 8192 bytes: every value should appear; a broken pool (zeros, repeats) would not.
    assert.ok(counts.every((c) => c > 5), 'every byte value appears');
  });
});

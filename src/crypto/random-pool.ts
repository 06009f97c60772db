/**
 * Small random values (IVs) cut from a block of `node:crypto` randomness fetched 4 KiB at a time:
 * one CSPRNG call per 256 IVs instead of one per message id, which the throughput profile showed
 * at 4% of the push path (docs/benchmarks.md). The bytes are the CSPRNG's, each handed out once.
 */
import { randomFillSync } from 'node:crypto';

const POOL_BYTES = 4096;
const pool = Buffer.allocUnsafeSlow(POOL_BYTES);
let offset = POOL_BYTES;

/** `n` (at most 4096) fresh random bytes, in a Buffer of their own. */
export function pooledRandomBytes(n: number): Buffer {
  if (n > POOL_BYTES) throw new RangeError(`at most ${POOL_BYTES} bytes`);
  if (offset + n > POOL_BYTES) {
    randomFillSync(pool);
    offset = 0;
  }
  const out = Buffer.from(pool.subarray(offset, offset + n));
  // Each byte is handed out once: wipe it from the pool.
  pool.fill(0, offset, offset + n);
  offset += n;
  return out;
}

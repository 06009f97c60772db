/**
 * The `TTL` request header (RFC 8030 §5.2; docs/protocol.md#request-headers): required, whole
 * seconds. autopush parses it as a signed 64-bit integer, so `+60` is fine and `60.5` is not.
 */
import { ApiError } from '../../errors/api-error.js';

const INTEGER = /^[+-]?\d+$/;
const I64_MAX = 2n ** 63n - 1n;
const I64_MIN = -(2n ** 63n);

/**
 * @param raw the header value, undefined when absent.
 * @param maxTtl the largest TTL kept; bigger values are clamped silently (the response echoes it).
 * @returns seconds, 0..maxTtl.
 * @throws ApiError `invalid-ttl` (111) when absent or not an integer; `negative-ttl` (114) below 0.
 */
export function parseTtl(raw: string | undefined, maxTtl: number): number {
  const text = raw?.trim();
  if (text === undefined || !INTEGER.test(text)) {
    throw new ApiError('invalid-ttl', text === undefined ? 'Missing TTL header' : 'TTL must be an integer number of seconds');
  }
  const value = BigInt(text);
  if (value > I64_MAX || value < I64_MIN) throw new ApiError('invalid-ttl', 'TTL is out of range');
  if (value < 0n) throw new ApiError('negative-ttl');
  return value > BigInt(maxTtl) ? maxTtl : Number(value);
}

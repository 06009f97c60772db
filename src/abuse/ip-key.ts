/**
 * The unit the abuse controls count and block (docs/security.md): an IPv4 address, or the /64
 * an IPv6 address is in. One IPv6 subscriber holds a whole /64 and may pick any address in it, so
 * counting per /128 would let one client reset its tally, or dodge a block, by changing address.
 */
import { isIPv6 } from 'node:net';

const PREFIX_SUFFIX = '::/64';

/** Whether `key` is an IPv6 /64 key as `ipKey` makes them (`2001:db8:1:2::/64`). */
export function isPrefixKey(key: string): boolean {
  return key.endsWith(PREFIX_SUFFIX) && isIPv6(key.slice(0, -3));
}

/** The counting and blocking key of a (normalised) client address. */
export function ipKey(address: string): string {
  const zoneless = address.split('%', 1)[0]!;
  if (!isIPv6(zoneless)) return address;
  // The WHATWG URL parser writes an IPv6 address in its canonical compressed form.
  const canonical = new URL(`http://[${zoneless}]/`).hostname.slice(1, -1);
  const [head = '', tail] = canonical.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return `${groups.slice(0, 4).join(':')}${PREFIX_SUFFIX}`;
}

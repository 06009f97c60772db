/**
 * Who the client is, for per-IP limits and the penalty box: the socket's peer address, unless that
 * peer is a listed proxy, in which case the right-most `X-Forwarded-For` entry that is not itself
 * a listed proxy (entries left of it were written by the client and prove nothing).
 */

/** `::ffff:127.0.0.2` → `127.0.0.2`, so one client has one key whatever the socket family. */
export function normalizeIp(address: string): string {
  const a = address.trim().toLowerCase();
  return a.startsWith('::ffff:') && a.includes('.') ? a.slice(7) : a;
}

export function clientIp(peer: string | undefined, forwardedFor: string | string[] | undefined, trustedProxies: ReadonlySet<string>): string {
  const ip = normalizeIp(peer ?? '');
  if (trustedProxies.size === 0 || !trustedProxies.has(ip) || forwardedFor === undefined) return ip;
  const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor)
    .split(',')
    .map((h) => normalizeIp(h))
    .filter((h) => h !== '');
  for (let i = hops.length - 1; i >= 0; i--) {
    if (!trustedProxies.has(hops[i]!)) return hops[i]!;
  }
  return ip;
}

/**
 * The shared secret of the router port (beyond autopush, whose router port is unauthenticated,
 * docs/protocol.md#configuration-compatibility). Every node-to-node request carries `Authorization:
 * Bearer <key>`.
 *
 * The key is `settings.routerKey` when set; otherwise it is derived from the crypto keys with
 * HKDF-SHA256, so nodes that share crypto keys (as they must) need no extra setting. Requests are
 * sent with the key of the first crypto key and accepted with the key of any of them, so a key
 * rotation rolls out in two steps: append the new key everywhere, then move it first.
 */
import { createHash, hkdfSync, timingSafeEqual } from 'node:crypto';

/** Fixed HKDF label: changing it changes every derived key. */
const LABEL = 'herald router port key v1';

/** The router key derived from one crypto key (base64url, 32 bytes). */
export function deriveRouterKey(cryptoKey: string): string {
  return Buffer.from(hkdfSync('sha256', Buffer.from(cryptoKey, 'utf8'), Buffer.alloc(0), LABEL, 32)).toString('base64url');
}

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

export class RouterKey {
  /** The `Authorization` header value to send. */
  readonly header: string;
  readonly #accepted: readonly Buffer[];

  private constructor(send: string, accepted: readonly string[]) {
    this.header = `Bearer ${send}`;
    this.#accepted = accepted.map((k) => digest(`Bearer ${k}`));
  }

  /** @throws Error when there is neither a router key nor a crypto key to derive one from. */
  static fromSettings(settings: { routerKey: string; cryptoKeys: readonly string[] }): RouterKey {
    if (settings.routerKey !== '') return new RouterKey(settings.routerKey, [settings.routerKey]);
    const derived = settings.cryptoKeys.map(deriveRouterKey);
    const first = derived[0];
    if (first === undefined) throw new Error('no router key: set --router-key or give crypto keys');
    return new RouterKey(first, derived);
  }

  /** Whether an `Authorization` header carries an accepted key; constant time in its content. */
  accepts(authorization: string | undefined): boolean {
    if (authorization === undefined) return false;
    const given = digest(authorization);
    let ok = false;
    for (const k of this.#accepted) ok = timingSafeEqual(given, k) || ok;
    return ok;
  }
}

/**
 * The secret of a bridged registration (docs/bridges.md): the hex HMAC-SHA256 of the uaid (32
 * lowercase hex characters) keyed with the UTF-8 bytes of an auth key (`--auth-keys`), as autopush
 * computes it. New secrets use the first key; any configured key verifies one, so keys can rotate.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** The secret for `uaid` (32 lowercase hex characters) under `authKey`. */
export function registrationSecret(authKey: string, uaid: string): string {
  return createHmac('sha256', authKey).update(uaid).digest('hex');
}

/** Whether `secret` is the secret of `uaid` under any of `authKeys`; compared in constant time. */
export function verifyRegistrationSecret(authKeys: readonly string[], uaid: string, secret: string): boolean {
  const given = Buffer.from(secret);
  let ok = false;
  for (const key of authKeys) {
    const expected = Buffer.from(registrationSecret(key, uaid));
    if (expected.length === given.length && timingSafeEqual(expected, given)) ok = true;
  }
  return ok;
}

/**
 * The secret of an `Authorization` header: `Bearer <secret>` or `WebPush <secret>`, scheme in
 * any case (autopush accepts both). Null when absent or another scheme.
 */
export function secretFromAuthorization(header: string | undefined): string | null {
  if (header === undefined) return null;
  const m = /^(bearer|webpush) +(\S+)\s*$/i.exec(header);
  return m ? m[2]! : null;
}

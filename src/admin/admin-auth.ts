/**
 * The admin token check: `Authorization: Bearer <adminToken>`, compared in constant time (both
 * sides hashed first, so neither the length nor a prefix leaks through timing).
 */
import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** A checker for `token`; it never accepts anything when `token` is empty. */
export function bearerChecker(token: string): (authorization: string | undefined) => boolean {
  const expected = digest(token);
  return (authorization) => {
    if (token === '' || authorization === undefined) return false;
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    return m !== null && timingSafeEqual(digest(m[1]!), expected);
  };
}

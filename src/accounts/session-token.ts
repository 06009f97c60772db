/**
 * Session tokens (docs/device-messages.md#accounts-and-sessions): 32 random bytes, given to the
 * client once as
 * 64 hex characters. Storage keeps only their SHA-256 (the session id), so a copy of the database
 * cannot act as anyone, and a lookup by hash leaks nothing about the token through timing.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

const TOKEN_BYTES = 32;
const TOKEN_PATTERN = /^[0-9a-f]{64}$/;

export interface NewSessionToken {
  /** Given to the client; never stored or logged. */
  token: string;
  /** SHA-256 of the token's bytes, hex: the session id in storage. */
  id: string;
}

export function newSessionToken(): NewSessionToken {
  const bytes = randomBytes(TOKEN_BYTES);
  return { token: bytes.toString('hex'), id: sessionIdOf(bytes) };
}

/** The session id of a token in its hex form, or null when it is not 64 hex characters. */
export function sessionIdOfToken(token: string): string | null {
  const lower = token.toLowerCase();
  return TOKEN_PATTERN.test(lower) ? sessionIdOf(Buffer.from(lower, 'hex')) : null;
}

function sessionIdOf(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Constant-time equality of two hex ids (a stored id against the one just computed). */
export function sameId(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * VAPID (RFC 8292): the application server's ES256 JWT and its public key, parsed from the
 * headers of a send request and verified (docs/protocol.md#vapid); and the sender side.
 *
 * Accepted header forms:
 *   Authorization: vapid t=<jwt>, k=<key>                   (RFC 8292 §3)
 *   Authorization: WebPush <jwt> | Bearer <jwt>  with  Crypto-Key: p256ecdsa=<key>   (draft-01)
 * Every verification failure is `ApiError('vapid')` (401, errno 109) with a precise message.
 */
import { sign, verify } from 'node:crypto';
import { BoundedMap } from '../common/bounded-map.js';
import { ApiError } from '../errors/api-error.js';
import { b64DecodeLenient, b64uDecode, b64uEncode } from './base64url.js';
import { findParam } from './crypto-headers.js';
import { generateP256KeyPair, p256PrivateKey, p256PublicFromPrivate, p256PublicKey } from './p256.js';

/** autopush's leeway for a just-expired token. */
const EXP_LEEWAY_SECONDS = 60;
/** RFC 8292 §2: exp must be no more than 24 hours away. */
const MAX_EXP_AHEAD_SECONDS = 24 * 60 * 60;
/** Default lifetime of tokens we sign (what `web-push` uses). */
const DEFAULT_LIFETIME_SECONDS = 12 * 60 * 60;

/** The JWT and the key that should verify it. */
export interface VapidCredentials {
  token: string;
  /** Raw 65-byte uncompressed P-256 point. */
  publicKey: Buffer;
}

/** Verified claims; `sub` is whatever the sender put there (not enforced, as in autopush). */
export interface VapidClaims {
  aud: string;
  exp: number;
  sub?: unknown;
  [claim: string]: unknown;
}

/**
 * Find the VAPID token and key in a request's headers.
 * @returns null when there is no Authorization header (VAPID is optional for v1 endpoints).
 * @throws ApiError `vapid` for an unknown scheme, a missing `t`/`k`/token, or a key that is not a
 *   65-byte P-256 point; `invalid-encryption` (errno 110) when the `WebPush`/`Bearer` forms lack a
 *   `Crypto-Key` header with `p256ecdsa`.
 */
export function parseVapidAuthorization(
  authorization: string | undefined,
  cryptoKeyHeader: string | undefined,
): VapidCredentials | null {
  if (authorization === undefined) return null;
  const trimmed = authorization.trim();
  const space = trimmed.search(/\s/);
  const scheme = (space < 0 ? trimmed : trimmed.slice(0, space)).toLowerCase();
  const rest = space < 0 ? '' : trimmed.slice(space).trim();

  let token: string | undefined;
  let key: string | undefined;
  if (scheme === 'vapid') {
    for (const part of rest.split(',')) {
      const eq = part.indexOf('=');
      if (eq < 0) continue;
      const name = part.slice(0, eq).trim().toLowerCase();
      const value = part.slice(eq + 1).trim();
      if (name === 't') token = value;
      else if (name === 'k') key = value;
    }
    if (!token) throw new ApiError('vapid', 'Missing t= (the JWT) in the vapid Authorization header');
    if (!key) throw new ApiError('vapid', 'Missing k= (the public key) in the vapid Authorization header');
  } else if (scheme === 'webpush' || scheme === 'bearer') {
    token = rest;
    if (!token) throw new ApiError('vapid', `Missing the JWT after "${scheme}" in the Authorization header`);
    if (cryptoKeyHeader === undefined) throw new ApiError('invalid-encryption', 'Missing Crypto-Key header');
    key = findParam(cryptoKeyHeader, 'p256ecdsa');
    if (!key) throw new ApiError('invalid-encryption', 'Missing p256ecdsa in Crypto-Key header');
  } else {
    throw new ApiError('vapid', 'Authorization scheme must be vapid, WebPush or Bearer');
  }
  return { token, publicKey: decodePublicKey(key) };
}

function decodePublicKey(key: string): Buffer {
  let raw: Buffer;
  try {
    raw = b64DecodeLenient(key);
  } catch {
    throw new ApiError('vapid', 'The VAPID public key is not base64');
  }
  try {
    p256PublicKey(raw);
  } catch (err) {
    throw new ApiError('vapid', `Invalid VAPID public key: ${(err as Error).message}`);
  }
  return raw;
}

/**
 * Check a VAPID JWT: ES256 signature by `publicKey`, `aud` equal to our origin, `exp` present, not
 * past (60 s leeway) and at most 24 h ahead.
 * @param opts.audience our public origin (a full URL is reduced to its origin).
 * @param opts.nowSeconds the clock, for tests; defaults to now.
 * @throws ApiError `vapid` with a message saying which check failed.
 */
export function verifyVapidToken(
  token: string,
  publicKey: Buffer,
  opts: { audience: string; nowSeconds?: number },
): VapidClaims {
  const parts = token.split('.');
  const [headerPart, claimsPart, signaturePart = ''] = parts;
  if (parts.length !== 3 || !headerPart || !claimsPart) {
    throw new ApiError('vapid', 'The VAPID token is not a JWT (three dot-separated parts)');
  }
  const header = decodeJson(headerPart, 'header');
  if (header.alg !== 'ES256') {
    throw new ApiError('vapid', `The VAPID token must be signed with ES256, not ${JSON.stringify(header.alg ?? null)}`);
  }
  let key;
  try {
    key = p256PublicKey(publicKey);
  } catch (err) {
    throw new ApiError('vapid', `Invalid VAPID public key: ${(err as Error).message}`);
  }
  let signature: Buffer;
  try {
    signature = b64uDecode(signaturePart);
  } catch {
    throw new ApiError('vapid', 'The VAPID token signature is not base64url');
  }
  const verifiedAs = `${b64uEncode(publicKey)} ${token}`;
  if (!verifiedTokens.get(verifiedAs)) {
    const signed = Buffer.from(`${headerPart}.${claimsPart}`, 'ascii');
    if (signature.length !== 64 || !verify('sha256', signed, { key, dsaEncoding: 'ieee-p1363' }, signature)) {
      throw new ApiError('vapid', 'The VAPID token signature does not verify with the given public key');
    }
    verifiedTokens.set(verifiedAs, true);
  }

  const claims = decodeJson(claimsPart, 'claims');
  const { exp, aud } = claims;
  if (typeof exp !== 'number' || !Number.isFinite(exp)) throw new ApiError('vapid', 'The VAPID token has no numeric exp claim');
  if (typeof aud !== 'string') throw new ApiError('vapid', 'The VAPID token has no aud claim');
  const origin = new URL(opts.audience).origin;
  if (aud !== origin) throw new ApiError('vapid', `The VAPID aud ${JSON.stringify(aud)} does not match ${JSON.stringify(origin)}`);
  checkVapidExpiry(claims as VapidClaims, opts.nowSeconds);
  return claims as VapidClaims;
}

/**
 * The time checks of verified claims, alone: a sender's token verified earlier is still checked
 * against the clock on every use.
 * @throws ApiError `vapid` when `exp` has passed (beyond a minute's leeway) or is over 24 h ahead.
 */
export function checkVapidExpiry(claims: Pick<VapidClaims, 'exp'>, nowSeconds?: number): void {
  const now = nowSeconds ?? Math.floor(Date.now() / 1000);
  if (claims.exp < now - EXP_LEEWAY_SECONDS) throw new ApiError('vapid', 'The VAPID token has expired');
  if (claims.exp > now + MAX_EXP_AHEAD_SECONDS) throw new ApiError('vapid', 'The VAPID token expiration is too long');
}

/**
 * Tokens whose signature verified, with their key: senders reuse one token for hours (`web-push`
 * signs for 12 h), and a signature check is the most expensive step of a push. Whether a
 * signature verifies never changes, so only that is remembered; every claim is checked each time.
 */
const verifiedTokens = new BoundedMap<string, true>(4096);

function decodeJson(part: string, what: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(b64uDecode(part).toString('utf8'));
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // fall through to the one error below
  }
  throw new ApiError('vapid', `The VAPID token ${what} is not a base64url JSON object`);
}

/** What `signVapid` needs; keys are base64url raw (32-byte scalar, 65-byte point). */
export interface VapidSigningOptions {
  privateKey: string;
  publicKey: string;
  /** The push service's origin; a full endpoint URL is reduced to its origin. */
  audience: string;
  /** `mailto:` or `https:` contact; omitted from the token when absent. */
  subject?: string;
  /** The `exp` claim in epoch seconds; default now + 12 h. */
  expSeconds?: number;
}

/** A signed VAPID token in the forms senders put on the wire. */
export interface VapidSignature {
  /** `vapid t=<jwt>, k=<publicKey>` (RFC 8292). */
  authorization: string;
  /** The bare JWT, for `Authorization: WebPush <jwt>` with `Crypto-Key: p256ecdsa=<publicKey>`. */
  token: string;
  /** The public key, base64url without padding. */
  publicKey: string;
}

/**
 * Sign a VAPID token as an application server.
 * @throws Error when the keys are malformed or the public key is not the private key's.
 */
export function signVapid(opts: VapidSigningOptions): VapidSignature {
  const d = b64uDecode(opts.privateKey);
  const givenPublic = b64uDecode(opts.publicKey);
  if (!p256PublicFromPrivate(d).equals(givenPublic)) {
    throw new Error('the VAPID public key does not belong to the private key');
  }
  const header = { typ: 'JWT', alg: 'ES256' };
  const claims: Record<string, unknown> = {
    aud: new URL(opts.audience).origin,
    exp: Math.floor(opts.expSeconds ?? Date.now() / 1000 + DEFAULT_LIFETIME_SECONDS),
  };
  if (opts.subject !== undefined) claims.sub = opts.subject;
  const signingInput = `${jsonPart(header)}.${jsonPart(claims)}`;
  const signature = sign('sha256', Buffer.from(signingInput, 'ascii'), {
    key: p256PrivateKey(d),
    dsaEncoding: 'ieee-p1363',
  });
  const token = `${signingInput}.${b64uEncode(signature)}`;
  const publicKey = b64uEncode(givenPublic);
  return { authorization: `vapid t=${token}, k=${publicKey}`, token, publicKey };
}

function jsonPart(value: object): string {
  return b64uEncode(Buffer.from(JSON.stringify(value), 'utf8'));
}

/** A fresh VAPID key pair, base64url raw (65-byte public point, 32-byte private scalar). */
/** base64url raw keys: a 65-byte uncompressed P-256 point and a 32-byte scalar. */
export interface VapidKeyPair {
  publicKey: string;
  privateKey: string;
}

export function generateVapidKeys(): VapidKeyPair {
  const pair = generateP256KeyPair();
  return { publicKey: b64uEncode(pair.publicKey), privateKey: b64uEncode(pair.privateKey) };
}

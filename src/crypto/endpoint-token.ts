/**
 * Push endpoint URLs and their encrypted tokens (docs/protocol.md#endpoint-urls-and-tokens,
 * docs/protocol.md#processing-order).
 *
 * v1 plaintext: uaid (16 bytes) ‖ channelID (16 bytes)
 * v2 plaintext: v1 ‖ SHA-256(raw VAPID public key) (32 bytes), binding the endpoint to one sender.
 * The token is a Fernet token with its `=` padding stripped.
 */
import { createHash } from 'node:crypto';
import { BoundedMap } from '../common/bounded-map.js';
import { ApiError } from '../errors/api-error.js';
import { FernetError, type MultiFernet } from './fernet.js';
import { dashedUuid, uuidBytes } from './uuid.js';

/** What an endpoint token says: who, which subscription, and (v2) which VAPID key may send. */
export interface EndpointTokenInfo {
  /** 32 lowercase hex characters. */
  uaid: string;
  /** Dashed lowercase UUID. */
  channelID: string;
  /** SHA-256 of the raw VAPID public key for v2 tokens; null for v1. */
  vapidKeyHash: Buffer | null;
}

/**
 * Build the push endpoint for a subscription: `{base}/wpush/v1/{token}`, or `/wpush/v2/{token}`
 * when a VAPID key is given. The base is URL-joined with `wpush/` as autopush does, so a last path
 * segment without a trailing slash is replaced, not extended.
 * @param uaid 32 hex characters (dashes tolerated).
 * @param channelID a UUID (dashed or not).
 * @param vapidKey the raw decoded VAPID public key from `register`, normally 65 bytes.
 * @throws Error when uaid or channelID is not a UUID, or the base is not a URL.
 */
export function makeEndpoint(
  cipher: MultiFernet,
  endpointUrl: string,
  uaid: string,
  channelID: string,
  vapidKey?: Buffer,
): string {
  const parts = [uuidBytes(uaid, 'uaid'), uuidBytes(channelID, 'channelID')];
  if (vapidKey !== undefined) parts.push(createHash('sha256').update(vapidKey).digest());
  const token = cipher.encrypt(Buffer.concat(parts)).replace(/=+$/, '');
  const root = new URL('wpush/', endpointUrl).href;
  return `${root}${vapidKey === undefined ? 'v1' : 'v2'}/${token}`;
}

/**
 * Open the token of `POST /wpush/{version}/{token}`; the route passes `'v1'` for `/wpush/{token}`.
 * @throws ApiError `invalid-api-version` for a version other than v1/v2; `invalid-token` when the
 *   token does not decrypt or has the wrong length for its version (32 or 64 bytes).
 */
export function parseEndpointToken(cipher: MultiFernet, apiVersion: string, token: string): EndpointTokenInfo {
  if (apiVersion !== 'v1' && apiVersion !== 'v2') throw new ApiError('invalid-api-version');
  let opened = openedTokens.get(cipher);
  if (opened === undefined) openedTokens.set(cipher, (opened = new BoundedMap(OPENED_TOKENS)));
  const key = `${apiVersion}/${token}`;
  const known = opened.get(key);
  if (known !== undefined) return known;
  const info = Object.freeze(openToken(cipher, apiVersion, token));
  opened.set(key, info);
  return info;
}

/**
 * Tokens opened recently, per cipher: an application server pushes to the same subscriptions
 * again and again, and what a token decrypts to never changes. Tokens that fail are not kept.
 */
const openedTokens = new WeakMap<MultiFernet, BoundedMap<string, EndpointTokenInfo>>();
const OPENED_TOKENS = 16_384;

function openToken(cipher: MultiFernet, apiVersion: 'v1' | 'v2', token: string): EndpointTokenInfo {
  let plain: Buffer;
  try {
    plain = cipher.decrypt(token);
  } catch (err) {
    if (err instanceof FernetError) throw new ApiError('invalid-token');
    throw err;
  }
  if (plain.length !== (apiVersion === 'v1' ? 32 : 64)) throw new ApiError('invalid-token');
  return {
    uaid: plain.subarray(0, 16).toString('hex'),
    channelID: dashedUuid(plain.subarray(16, 32).toString('hex')),
    vapidKeyHash: apiVersion === 'v2' ? Buffer.from(plain.subarray(32, 64)) : null,
  };
}

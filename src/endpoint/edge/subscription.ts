/**
 * Who a push is for and who sends it (docs/protocol.md#endpoint-urls-and-tokens,
 * docs/protocol.md#processing-order): the endpoint
 * token opened into uaid and channel, and the sender's VAPID credentials verified.
 *
 * VAPID is optional for v1 endpoints, but when present it must verify. A v2 endpoint was
 * created for one VAPID key (its token carries the key's SHA-256), so a send to it must be
 * signed by that very key.
 */
import { createHash } from 'node:crypto';
import { ApiError } from '../../errors/api-error.js';
import type { MultiFernet } from '../../crypto/fernet.js';
import { parseEndpointToken } from '../../crypto/endpoint-token.js';
import { BoundedMap } from '../../common/bounded-map.js';
import { b64uEncode } from '../../crypto/base64url.js';
import { checkVapidExpiry, parseVapidAuthorization, verifyVapidToken, type VapidClaims } from '../../crypto/vapid.js';

/** The raw path parameters and headers this value is built from. */
export interface RawSubscription {
  /** `v1` or `v2` from the path; the route passes `v1` for `/wpush/{token}`. */
  apiVersion: string;
  token: string;
  authorization?: string;
  cryptoKey?: string;
}

export interface SubscriptionContext {
  cipher: MultiFernet;
  /** Our public base URL; its origin is the only accepted VAPID `aud`. */
  endpointUrl: string;
  nowSeconds: number;
}

/** A verified VAPID sender. */
export interface VapidSender {
  /** Raw 65-byte P-256 point. */
  publicKey: Buffer;
  /** The key as base64url: the sender's name in the abuse controls and the metrics. */
  keyId: string;
  /** SHA-256 of the key, what a v2 endpoint token carries. */
  keyHash: Buffer;
  claims: Readonly<VapidClaims>;
}

export interface Subscription {
  /** 32 lowercase hex characters. */
  uaid: string;
  /** Dashed lowercase UUID. */
  channelID: string;
  /** The verified sender, or null for an unsigned v1 send. */
  vapid: VapidSender | null;
}

/**
 * @throws ApiError `invalid-api-version` / `invalid-token` (404, errno 102) for a bad path;
 *   `vapid` (401, errno 109) for any VAPID failure, a v2 send without VAPID, or a key other than
 *   the endpoint's; `invalid-encryption` (400, errno 110) for `WebPush`/`Bearer` auth without
 *   `Crypto-Key: p256ecdsa=…`.
 */
export function parseSubscription(raw: RawSubscription, ctx: SubscriptionContext): Subscription {
  const info = parseEndpointToken(ctx.cipher, raw.apiVersion, raw.token);
  const vapid = vapidSender(raw, ctx);
  if (info.vapidKeyHash !== null) {
    if (vapid === null) throw new ApiError('vapid', 'This endpoint requires VAPID authorization');
    if (!vapid.keyHash.equals(info.vapidKeyHash)) throw new ApiError('vapid', 'VAPID public key mismatch');
  }
  return { uaid: info.uaid, channelID: info.channelID, vapid };
}

/**
 * Senders whose `vapid t=…, k=…` header verified, per audience (our endpoint URL). Senders reuse
 * one header for hours (`web-push` signs for 12 h), so a repeat costs a look-up and the clock
 * check instead of parsing, decoding and a signature check: the largest share of a push's CPU
 * before (docs/benchmarks.md). Only that scheme is kept: its header alone names the key, where
 * the older `WebPush`/`Bearer` forms take it from `Crypto-Key`, which changes per message.
 */
const verifiedSenders = new BoundedMap<string, BoundedMap<string, VapidSender>>(16);
const VERIFIED_SENDERS = 4096;
const VAPID_SCHEME = /^vapid\s/i;

function vapidSender(raw: RawSubscription, ctx: SubscriptionContext): VapidSender | null {
  const { authorization } = raw;
  if (authorization === undefined) return null;
  let senders: BoundedMap<string, VapidSender> | undefined;
  if (VAPID_SCHEME.test(authorization)) {
    senders = verifiedSenders.get(ctx.endpointUrl);
    if (senders === undefined) verifiedSenders.set(ctx.endpointUrl, (senders = new BoundedMap(VERIFIED_SENDERS)));
    const known = senders.get(authorization);
    if (known !== undefined) {
      checkVapidExpiry(known.claims, ctx.nowSeconds);
      return known;
    }
  }
  const { token, publicKey } = parseVapidAuthorization(authorization, raw.cryptoKey)!;
  const claims = verifyVapidToken(token, publicKey, { audience: ctx.endpointUrl, nowSeconds: ctx.nowSeconds });
  const sender: VapidSender = Object.freeze({
    publicKey,
    keyId: b64uEncode(publicKey),
    keyHash: createHash('sha256').update(publicKey).digest(),
    claims: Object.freeze(claims),
  });
  senders?.set(authorization, sender);
  return sender;
}

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
import { parseVapidAuthorization, verifyVapidToken, type VapidClaims } from '../../crypto/vapid.js';

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
  claims: VapidClaims;
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

  let vapid: VapidSender | null = null;
  const credentials = parseVapidAuthorization(raw.authorization, raw.cryptoKey);
  if (credentials !== null) {
    const claims = verifyVapidToken(credentials.token, credentials.publicKey, {
      audience: ctx.endpointUrl,
      nowSeconds: ctx.nowSeconds,
    });
    vapid = { publicKey: credentials.publicKey, claims };
  }

  if (info.vapidKeyHash !== null) {
    if (vapid === null) throw new ApiError('vapid', 'This endpoint requires VAPID authorization');
    const hash = createHash('sha256').update(vapid.publicKey).digest();
    if (!hash.equals(info.vapidKeyHash)) throw new ApiError('vapid', 'VAPID public key mismatch');
  }
  return { uaid: info.uaid, channelID: info.channelID, vapid };
}

/**
 * The receipt subscribe resource (RFC 8030 §5.1; docs/protocol.md#push-message-receipts):
 * `POST {base}/receipts` creates a receipt subscription for its sender and answers 201 with its
 * URL in `Location`. Receipts are received with an HTTP/2 `GET` of that URL (src/receipts,
 * served on the same port); the same `GET` over HTTP/1.1 is refused with a hint.
 *
 * The sender is its VAPID key when the request is signed (as a push is: `Authorization: vapid
 * t=…, k=…`, audience this server's origin), else its client address; only that sender may name
 * the subscription in `Push-Receipt`, and each sender holds at most `maxReceiptSubscriptionsPerSender`.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyPluginCallback } from 'fastify';
import { b64uEncode } from '../../crypto/base64url.js';
import { parseVapidAuthorization, verifyVapidToken } from '../../crypto/vapid.js';
import { ApiError } from '../../errors/api-error.js';
import { receiptOwner } from '../../receipts/receipt-owner.js';
import { receiptLinkHeader, receiptSubscriptionUrl } from '../../receipts/receipt-urls.js';
import type { EndpointContext } from '../context.js';
import { storeApiError } from '../store-errors.js';

/** The VAPID key that signed a request, null when unsigned. @throws ApiError `vapid` (401, errno 109) when present and invalid. */
export function signingKey(headers: Record<string, string | string[] | undefined>, endpointUrl: string, nowSeconds: number): Buffer | null {
  const header = (name: string) => {
    const v = headers[name];
    return Array.isArray(v) ? v.join(', ') : v;
  };
  const credentials = parseVapidAuthorization(header('authorization'), header('crypto-key'));
  if (credentials === null) return null;
  verifyVapidToken(credentials.token, credentials.publicKey, { audience: endpointUrl, nowSeconds });
  return credentials.publicKey;
}

export const receiptRoutes: FastifyPluginCallback<EndpointContext> = (app, ctx, done) => {
  const store = ctx.receipts!;
  const { settings } = ctx;

  app.post('/receipts', async (req, reply) => {
    const nowMs = Date.now();
    const owner = receiptOwner(signingKey(req.headers, settings.endpointUrl, Math.floor(nowMs / 1000)), ctx.clientIp(req));
    const id = b64uEncode(randomBytes(16));
    let created: boolean;
    try {
      created = await store.createSubscription({ id, owner, createdAt: nowMs, expiresAt: nowMs + settings.receiptSubscriptionTtl * 1000 }, settings.maxReceiptSubscriptionsPerSender, nowMs);
    } catch (err) {
      req.log.error({ err }, 'storage failed while creating a receipt subscription');
      throw storeApiError(err);
    }
    if (!created) throw new ApiError('too-many-receipt-subscriptions', undefined, { retryAfter: 60 });
    return reply
      .code(201)
      .header('location', receiptSubscriptionUrl(settings.endpointUrl, id))
      .header('link', receiptLinkHeader(settings.endpointUrl))
      .header('expires', new Date(nowMs + settings.receiptSubscriptionTtl * 1000).toUTCString())
      .send();
  });

  app.get('/receipts/:id', async () => {
    throw new ApiError('bad-request', 'Receipts are delivered as HTTP/2 server pushes: GET this URL over HTTP/2 (cleartext with prior knowledge on an http:// URL)');
  });
  done();
};

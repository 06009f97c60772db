/**
 * A push that names a receipt subscription (`Push-Receipt`, RFC 8030 §5.1;
 * docs/protocol.md#push-message-receipts): the subscription must be live and its sender's, and
 * the receipt is recorded as pending before the message is routed, so an ack that comes at once
 * (ack-gated delivery) already finds it. A push that then fails (410 and the like) leaves a
 * pending receipt that nobody acks; it goes when its time is up.
 */
import { parseMessageId, receiptKey } from '../crypto/message-id.js';
import { ApiError } from '../errors/api-error.js';
import { receiptOwner } from '../receipts/receipt-owner.js';
import type { EndpointContext } from './context.js';
import type { ParsedPush } from './edge/notification.js';
import { storeApiError } from './store-errors.js';

/** An ack this long after the message's TTL still earns its receipt (the UA got it in time, acked late). */
export const RECEIPT_GRACE_SECONDS = 60;

/**
 * @throws ApiError `invalid-receipt-subscription` (400, errno 118) for an unknown or expired
 *   receipt subscription, one of another sender, or a server without receipts; storage errors
 *   as `storeApiError`.
 */
export async function recordReceiptRequest(ctx: EndpointContext, push: ParsedPush, clientIp: string, log: { error(obj: object, msg: string): void }): Promise<void> {
  const id = push.receiptSubscriptionId;
  if (id === null) return;
  if (ctx.receipts === undefined) throw new ApiError('invalid-receipt-subscription', 'This server keeps no push receipts');
  const nowMs = Date.now();
  const owner = receiptOwner(push.subscription.vapid?.publicKey ?? null, clientIp);
  const { notification } = push;
  try {
    const sub = await ctx.receipts.getSubscription(id, nowMs);
    // One answer for unknown, expired and foreign: a receipt URL says nothing to a stranger.
    if (sub === null || sub.owner !== owner) throw new ApiError('invalid-receipt-subscription');
    const key = receiptKey(parseMessageId(ctx.cipher, notification.version))!;
    await ctx.receipts.addPending({ key, subscriptionId: id, messageId: notification.version, expiresAt: nowMs + (notification.ttl + RECEIPT_GRACE_SECONDS) * 1000 });
  } catch (err) {
    if (err instanceof ApiError) throw err;
    log.error({ err }, 'storage failed while recording a receipt request');
    throw storeApiError(err);
  }
}

/**
 * Push message receipts (RFC 8030 §5.1, §6; docs/protocol.md#push-message-receipts) as every node
 * shares them: receipt subscriptions of application servers, receipts owed for pushes not acked
 * yet (pending), and receipts owed to a subscription that its application server has not received
 * yet (queued). Separate from `Store`, as the blocklist is: its own tables or keys in the same
 * database, opened by `open-receipt-store.ts`. Each backend passes `receipt-conformance.ts`.
 *
 * Everything is bounded in time (`expiresAt`: a subscription's by a setting, a pending receipt's
 * by its message's TTL; queued receipts go with their subscription) and in count (subscriptions
 * per owner, queued receipts per subscription: the callers' limits).
 */

export interface ReceiptSubscription {
  /** Random, URL-safe: the capability in the receipt subscription's URL. */
  id: string;
  /** Who created it: `vapid:{public key}` or `ip:{address key}`; only its owner may name it in `Push-Receipt`. */
  owner: string;
  /** Epoch ms. */
  createdAt: number;
  /** Epoch ms from which it is gone. */
  expiresAt: number;
}

export interface PendingReceipt {
  /** The push's receipt key (crypto/message-id.ts `receiptKey`). */
  key: string;
  subscriptionId: string;
  /** The message id the push was answered with (its `Location`); the receipt names it. */
  messageId: string;
  /** Epoch ms: the message's expiry; an ack after it owes nothing. */
  expiresAt: number;
}

export interface QueuedReceipt {
  messageId: string;
  /** Epoch ms of the ack. */
  queuedAt: number;
}

export interface ReceiptStore {
  /**
   * Create `sub` unless its owner already has `maxPerOwner` unexpired subscriptions at `nowMs`;
   * returns whether it was created.
   */
  createSubscription(sub: ReceiptSubscription, maxPerOwner: number, nowMs: number): Promise<boolean>;
  /** The subscription, or null when absent or expired at `nowMs`. */
  getSubscription(id: string, nowMs: number): Promise<ReceiptSubscription | null>;
  /** Owe a receipt for the push with `p.key`; replaces a pending receipt with the same key. */
  addPending(p: PendingReceipt): Promise<void>;
  /**
   * The push with `key` was acked: its pending receipt (if any, unexpired, and its subscription
   * unexpired) leaves the pending set and is queued for its subscription, unless that queue holds
   * `maxQueued` receipts already (then it is dropped). Returns the subscription id it was queued
   * for, or null when nothing was queued. A second call for the same key queues nothing.
   */
  acked(key: string, nowMs: number, maxQueued: number): Promise<string | null>;
  /** Up to `limit` queued receipts of an unexpired subscription, oldest first; [] when expired or absent. */
  queued(subscriptionId: string, nowMs: number, limit: number): Promise<QueuedReceipt[]>;
  /** Forget a queued receipt once delivered; no error when absent. */
  removeQueued(subscriptionId: string, messageId: string): Promise<void>;
  /** Delete expired subscriptions (with their queues) and pending receipts; returns how many went (a backend whose rows expire on their own may say 0). */
  purgeExpired(nowMs: number): Promise<number>;
  close(): Promise<void>;
}

/**
 * What a user agent's ack means for receipts (RFC 8030 §5.1, §6.2): when the acked message id
 * says its sender asked for a receipt (crypto/message-id.ts, `03`/`04` ids), the pending receipt
 * is queued for its receipt subscription, in shared storage, so the node that holds the
 * application server's GET finds it, even if it is another node or this one after a restart.
 * A message says itself whether a receipt was asked (`Notification.receipt`, also kept in
 * storage), so the ack of one that was not costs nothing; only a message stored by an older
 * Herald, without that flag, costs a decryption of its id.
 */
import type { MultiFernet } from '../crypto/fernet.js';
import type { Notification } from '../protocol/notification.js';
import { parseMessageId, receiptKey } from '../crypto/message-id.js';
import type { ReceiptStore } from '../storage/receipt-store.js';
import type { ReceiptBus } from './receipt-bus.js';

export interface ReceiptAcksDeps {
  store: ReceiptStore;
  cipher: MultiFernet;
  bus: ReceiptBus;
  /** Receipts kept per subscription (settings `maxQueuedReceipts`). */
  maxQueued: number;
  nowMs: () => number;
  log: { warn(obj: object, msg: string): void };
}

/** The connection part's ack callback: never throws, so a storage failure cannot end a session. */
export function receiptAckHandler(deps: ReceiptAcksDeps): (message: Pick<Notification, 'version' | 'receipt'>) => Promise<void> {
  return async (message) => {
    if (message.receipt === false) return;
    let key: string | null;
    try {
      key = receiptKey(parseMessageId(deps.cipher, message.version));
    } catch {
      return; // not one of our ids
    }
    if (key === null) return;
    try {
      const subscriptionId = await deps.store.acked(key, deps.nowMs(), deps.maxQueued);
      if (subscriptionId !== null) deps.bus.queued(subscriptionId);
    } catch (err) {
      deps.log.warn({ err }, 'could not queue a push receipt; its sender gets none');
    }
  };
}

/**
 * The lowest urgency a user agent wants (docs/protocol.md#urgency-herald-extension, a Herald
 * extension of the WebSocket protocol). A UA that never says anything wants everything, as
 * with autopush. Messages below its level are not sent: a live one is stored (a TTL-0 one,
 * "now or never", is dropped), and the storage check skips stored ones (`check-storage.ts`), so
 * they wait until the UA lowers its level, or expire by their TTL.
 */
import type { Notification, Urgency } from '../protocol/notification.js';
import { isLowerUrgency } from '../protocol/urgency.js';
import { runStorageCheck } from './check-storage.js';
import type { IdentifiedClient } from './identified.js';
import { toNotificationFrame } from './notification-frame.js';

/** The `urgency` message: answer with the level now in force; a lower one sends what was held. */
export async function onUrgency(client: IdentifiedClient, level: Urgency): Promise<void> {
  const previous = client.urgency;
  client.urgency = level;
  client.out.send({ messageType: 'urgency', status: 200, urgency: level });
  if (isLowerUrgency(level, previous)) await runStorageCheck(client);
}

/**
 * A live notification below the UA's level: keep it in storage instead of sending it, and
 * answer a waiting sender `stored`. When it cannot be stored here, a waiting sender is answered
 * `delivered` (the endpoint then stores it); with no sender waiting it is sent after all, since
 * a message sent too early is better than one lost.
 */
export async function holdBack(client: IdentifiedClient, n: Notification): Promise<void> {
  const { env, senders, uaid } = client;
  const waiting = senders.has(n.version);
  // Live or never (RFC 8030 §5.2): the UA does not want it now, so never.
  if (n.ttl === 0) return senders.settle(n.version, 'delivered');
  if (n.stored) return senders.settle(n.version, 'stored');
  try {
    await env.store.saveMessage(uaid, n);
    client.stats.directStorage++;
    senders.settle(n.version, 'stored');
  } catch (err) {
    env.logger.warn({ err, waiting }, 'could not store a message held back by urgency');
    if (waiting) return senders.settle(n.version, 'delivered');
    client.unackedDirect.set(n.version, n);
    client.out.send(toNotificationFrame(n));
    client.stats.directSent++;
  }
}

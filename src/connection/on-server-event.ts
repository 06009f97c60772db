/**
 * Events from the server side for an identified UA (docs/protocol.md#delivery-policy,
 * docs/protocol.md#storage-check): a direct notification from an endpoint (`PUT /push`), or a
 * nudge to re-check storage (`PUT /notif`). Direct notifications go out at once, even while a
 * stored batch is outstanding, unless the UA already has that very message unacked (sent from
 * storage, or routed twice), or it is below the urgency the UA asked for (then it is stored).
 */
import type { IdentifiedClient } from './identified.js';
import { runStorageCheck } from './check-storage.js';
import { toNotificationFrame } from './notification-frame.js';
import { holdBack } from './urgency-level.js';
import { meetsUrgency } from '../protocol/urgency.js';
import type { ServerEvent } from './types.js';

export async function onServerEvent(client: IdentifiedClient, event: ServerEvent): Promise<void> {
  switch (event.kind) {
    case 'notification': {
      const n = event.notification;
      if (client.unackedDirect.has(n.version) || client.storage.unacked.has(n.version)) return;
      // Below the level the UA asked for: stored for later (Herald extension).
      if (!meetsUrgency(n.urgency, client.urgency)) return holdBack(client, n);
      // TTL 0 means "now or never": it is neither tracked nor ever stored (docs/protocol.md#delivery-guarantee).
      if (n.ttl > 0) client.unackedDirect.set(n.version, n);
      client.out.send(toNotificationFrame(n));
      client.stats.directSent++;
      return;
    }
    case 'check-storage':
      await runStorageCheck(client);
      return;
  }
}

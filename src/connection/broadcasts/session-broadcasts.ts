/**
 * Where a session meets the broadcasts (docs/protocol.md#megaphone-broadcasts): the hello reply's
 * `broadcasts`, the answer to `broadcast_subscribe`, and the
 * `broadcast` frame that replaces a WebSocket ping when a subscribed broadcast changed.
 *
 * Without a broadcast source the session behaves as a server without broadcasts: hello gets
 * `broadcasts: {}` and `broadcast_subscribe` is accepted silently. Firefox subscribes to
 * `remote-settings/monitor_changes` on every start and must not get errors for it then
 * (docs/protocol.md#megaphone-broadcasts).
 */
import type { Broadcasts } from '../../protocol/frames.js';
import type { IdentifiedClient } from '../identified.js';
import type { Outbox } from '../types.js';
import type { BroadcastReply, BroadcastSubscription, BroadcastTracker } from './tracker.js';

/** At hello: the session's subscription (null without a source) and the reply's `broadcasts`. */
export function openBroadcasts(
  tracker: BroadcastTracker | undefined,
  requested: Broadcasts,
): { subscription: BroadcastSubscription | null; reply: BroadcastReply } {
  if (tracker === undefined) return { subscription: null, reply: {} };
  return tracker.open(requested);
}

/** `broadcast_subscribe`: a `broadcast` frame only when something differs or is unknown. */
export function onBroadcastSubscribe(client: IdentifiedClient, requested: Broadcasts): void {
  const reply = client.broadcasts?.subscribe(requested) ?? null;
  if (reply !== null) client.out.send({ messageType: 'broadcast', broadcasts: reply });
}

/**
 * On a ping tick: send the subscribed broadcasts that changed since the session last heard,
 * if any. True means a `broadcast` frame went out in place of the ping.
 */
export function sendChangedBroadcasts(client: { broadcasts: BroadcastSubscription | null; out: Outbox } | null): boolean {
  const changes = client?.broadcasts?.takeChanges() ?? null;
  if (client === null || changes === null) return false;
  client.out.send({ messageType: 'broadcast', broadcasts: changes });
  return true;
}

/**
 * The delivery policy for a WebPush user (docs/protocol.md#delivery-policy), here and nowhere else:
 * check the subscription, then hand the message to the UA's live socket, else store it and nudge
 * the node that holds the UA. A TTL-0 message only ever goes live, and RFC 8030 §5.2 lets us drop
 * it when that fails.
 *
 * Ack-gated durability (docs/architecture.md "Ack-gated delivery"), beyond autopush (which answers
 * once the message is queued and keeps unacked live messages only in memory): for a connected UA
 * the 201 waits for its ack, or, once `ackWindowMs` passes without one, for the connection node to
 * store the message (it deletes the copy on a later ack). A node that does not answer, or a UA
 * that is not connected, gets the message stored here at once. So a 201 always means "acked or
 * stored", also when the connection node dies, and a promptly acked message never touches
 * storage. With `ackWindowMs` 0 every message with a TTL is stored before it goes live.
 */
import { ApiError } from '../errors/api-error.js';
import type { Notification } from '../protocol/notification.js';
import type { NodeRouter, RouteOutcome } from '../routing/node-router.js';
import type { Store, UserRecord } from '../storage/store.js';
import { BRIDGE_ROUTER_TYPES, type BridgePort } from './bridge-port.js';
import { storeApiError } from './store-errors.js';

/**
 * How a push ended, for logs and metrics; every one of them is a 201 to the sender. `bridged`:
 * accepted by a native app's push service (APNs, FCM) through a bridge.
 */
export type DeliveryOutcome = 'direct' | 'stored' | 'dropped' | 'bridged';

/**
 * Whether a push with this outcome left a copy in storage: `stored`, or `direct` when delivery
 * stores first (`ackWindowMs` 0, a TTL); with an ack window a direct push was acked, never stored.
 */
export function leftStoredCopy(outcome: DeliveryOutcome, notification: Notification, ackWindowMs: number): boolean {
  return outcome === 'stored' || (outcome === 'direct' && notification.ttl > 0 && ackWindowMs === 0);
}

/** The part of a pino logger this file uses. */
export interface DeliveryLog {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface DeliveryDeps {
  store: Store;
  router: NodeRouter;
  /** Milliseconds to wait for a connected UA's ack before storing; 0: store first (settings `ackWindowMs`). */
  ackWindowMs: number;
  log?: DeliveryLog;
  /** Bridges to APNs and FCM; absent: a bridged user is treated as any non-WebPush one. */
  bridges?: BridgePort;
}

/** The router type of users that hold a WebPush socket (the only kind Herald serves). */
const WEBPUSH = 'webpush';

/** Run a storage call; a failure is logged and becomes the ApiError of `storeApiError`. */
async function stored<T>(deps: DeliveryDeps, what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    const error = storeApiError(err);
    if (error.status >= 500) deps.log?.error({ err, op: what }, 'storage failed during a push');
    throw error;
  }
}

/** Ask the router; an exception there is a bug, logged, and treated as "not delivered". */
async function route(deps: DeliveryDeps, call: () => Promise<RouteOutcome>): Promise<RouteOutcome> {
  try {
    return await call();
  } catch (err) {
    deps.log?.error({ err }, 'node router threw');
    return 'not-connected';
  }
}

/**
 * A node did not answer: clear its id from the record, but only if the record still names it
 * with the same `connectedAt` (the UA may have reconnected elsewhere meanwhile). Best effort:
 * the message is stored either way, and the next hello rewrites the record.
 */
async function forgetNode(deps: DeliveryDeps, uaid: string, nodeId: string, connectedAt: number): Promise<void> {
  try {
    await deps.store.removeNodeId(uaid, nodeId, connectedAt);
  } catch (err) {
    deps.log?.warn({ err, nodeId }, 'could not clear a stale node id');
  }
}

/** Hand the notification to the node named in the record; clear the node id if it is gone. */
async function pushLive(deps: DeliveryDeps, uaid: string, user: UserRecord, notification: Notification, ackWindowMs?: number): Promise<RouteOutcome> {
  const nodeId = user.nodeId!;
  const outcome = await route(deps, () => deps.router.push(nodeId, uaid, notification, ackWindowMs));
  if (outcome === 'unreachable') await forgetNode(deps, uaid, nodeId, user.connectedAt);
  return outcome;
}

/**
 * Deliver one notification to the subscription `uaid`/`notification.channelID`.
 * A bridged user (router type served by `deps.bridges`) gets the message through its bridge,
 * never stored: the upstream (APNs, FCM) keeps it until the device comes online, as in autopush.
 * @throws ApiError `no-subscription` (410, 106) for an unknown user, a user of an unknown router
 *   type (which is deleted), or a channel not in the user's set; `unknown-app-id` (400, 106) for a
 *   bridged user whose bridge is not configured here (kept); the bridge's errors (bridge-port.ts); `user-was-deleted` (410, 105) when the user
 *   vanished while the message was being stored; `database`/`database-busy` when storage fails
 *   before the message is safely stored.
 */
export async function deliver(deps: DeliveryDeps, uaid: string, notification: Notification): Promise<DeliveryOutcome> {
  const { store, router } = deps;
  const here = router.local;
  const session = here?.channels(uaid);
  if (here !== undefined && session?.has(notification.channelID) === true) {
    const outcome = await deliverHere(deps, here.nodeId, uaid, notification);
    if (outcome !== undefined) return outcome;
  }
  // Taken before the read: what the read finds is taught to the session only if no unregister began meanwhile.
  const epoch = session?.epoch() ?? 0;
  // One read for the user and its channel: the only storage call of a live push to another node.
  const found = await stored(deps, 'lookupChannel', () => store.lookupChannel(uaid, notification.channelID));
  if (found === null) throw new ApiError('no-subscription');
  const { user } = found;
  const bridged = user.routerType !== WEBPUSH && deps.bridges?.serves(user.routerType) === true;
  if (!bridged && BRIDGE_ROUTER_TYPES.includes(user.routerType.toLowerCase())) {
    // A bridge this server is not (or no longer) configured for: the registration is kept, so
    // fixing the configuration brings it back.
    throw new ApiError('unknown-app-id', `This server has no ${user.routerType} bridge configured`);
  }
  if (user.routerType !== WEBPUSH && !bridged) {
    await stored(deps, 'removeUser', () => store.removeUser(uaid));
    throw new ApiError('no-subscription');
  }
  if (!found.channelExists) throw new ApiError('no-subscription');
  if (bridged) {
    await deps.bridges!.send(user, notification);
    return 'bridged';
  }
  if (epoch !== 0 && user.nodeId === here!.nodeId) session!.learn(notification.channelID, epoch);

  if (notification.ttl === 0) {
    // Live or never (RFC 8030 §5.2): nothing to store, nothing to lose.
    if (user.nodeId !== null && (await pushLive(deps, uaid, user, notification)) === 'delivered') return 'direct';
    return 'dropped';
  }

  if (deps.ackWindowMs > 0) {
    if (user.nodeId !== null) {
      const outcome = await pushLive(deps, uaid, user, notification, deps.ackWindowMs);
      if (outcome === 'acked') return 'direct';
      if (outcome === 'stored') return 'stored';
      if (outcome === 'delivered') {
        // On the socket, unacked and not stored by its node: stored here; the node deletes it on ack.
        await stored(deps, 'saveMessage', () => store.saveMessage(uaid, notification));
        return 'stored';
      }
    }
    await stored(deps, 'saveMessage', () => store.saveMessage(uaid, notification));
  } else {
    // Stored first, then handed to the live socket: a connection node that dies before the UA
    // acks loses nothing.
    await stored(deps, 'saveMessage', () => store.saveMessage(uaid, notification));
    if (user.nodeId !== null && (await pushLive(deps, uaid, user, { ...notification, stored: true })) === 'delivered') return 'direct';
  }

  return nudgeAfterStoring(deps, uaid);
}

/**
 * A push to a channel that the UA's session on this node already knows (known-channels.ts): no
 * storage read. An ack (or a TTL-0 message on the socket) ends it; otherwise the message is
 * stored, by the session or here, and the node in the router record is nudged, as on the general
 * path (the record may name another node, if a takeover did not reach this one). Undefined: the
 * session was gone or this is store-first delivery; nothing was sent or stored.
 */
async function deliverHere(deps: DeliveryDeps, nodeId: string, uaid: string, notification: Notification): Promise<DeliveryOutcome | undefined> {
  if (notification.ttl === 0) {
    const outcome = await route(deps, () => deps.router.push(nodeId, uaid, notification));
    return outcome === 'delivered' ? 'direct' : undefined;
  }
  if (deps.ackWindowMs === 0) return undefined;
  const outcome = await route(deps, () => deps.router.push(nodeId, uaid, notification, deps.ackWindowMs));
  if (outcome === 'acked') return 'direct';
  if (outcome === 'not-connected' || outcome === 'unreachable') return undefined;
  // On the socket, unacked and not stored by the session: stored here; the session deletes it on ack.
  if (outcome === 'delivered') await stored(deps, 'saveMessage', () => deps.store.saveMessage(uaid, notification));
  // The session has it (unacked): only another node named in the record needs the nudge.
  return nudgeAfterStoring(deps, uaid, nodeId);
}

/** After storing: tell the node in the router record (if any, and not `except`) to look at storage. */
async function nudgeAfterStoring(deps: DeliveryDeps, uaid: string, except?: string): Promise<DeliveryOutcome> {
  const { store, router } = deps;
  // Re-read: the UA may have connected and finished its storage check while we were saving,
  // in which case only a nudge makes it look again.
  let fresh;
  try {
    fresh = await store.getUser(uaid);
  } catch (err) {
    deps.log?.warn({ err }, 'could not re-read the user after storing; the UA fetches it on its next check');
    return 'stored';
  }
  if (fresh === null) throw new ApiError('user-was-deleted');
  if (fresh.nodeId !== null && fresh.nodeId !== except) {
    const nodeId = fresh.nodeId;
    const outcome = await route(deps, () => router.notify(nodeId, uaid));
    if (outcome === 'unreachable') await forgetNode(deps, uaid, nodeId, fresh.connectedAt);
  }
  return 'stored';
}

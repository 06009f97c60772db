/**
 * How an endpoint node reaches the connection node that holds a user agent
 * (spec/autopush.md §1.3). `deliver.ts` in the endpoint service talks only to this interface;
 * `http-node-router.ts` speaks it over the router port, `local-router.ts` short-cuts this node.
 */
import type { Notification } from '../protocol/notification.js';

/**
 * - `delivered`: the node accepted it for the live socket (HTTP 200 on the router port);
 * - `not-connected`: the node answered but does not hold the UA, or its queue is full;
 * - `unreachable`: connect error or timeout; the caller clears the stale `nodeId`.
 */
export type RouteOutcome = 'delivered' | 'not-connected' | 'unreachable';

export interface NodeRouter {
  /** Hand one notification to the UA's live socket on `nodeId` (`PUT /push/{uaid}`). */
  push(nodeId: string, uaid: string, notification: Notification): Promise<RouteOutcome>;
  /** Ask `nodeId` to re-check storage for `uaid` (`PUT /notif/{uaid}`). */
  notify(nodeId: string, uaid: string): Promise<RouteOutcome>;
  /**
   * Beyond autopush (as the Python server's `DELETE /notif/{uaid}/{connected_at}`): ask `nodeId`
   * to close its session of `uaid` if that session connected before `connectedAt`, because a
   * newer connection took the uaid over. `delivered` means a session was closed.
   */
  disconnect(nodeId: string, uaid: string, connectedAt: number): Promise<RouteOutcome>;
}

/**
 * What a connection node offers to routers: the registry of its live sessions.
 * Implemented by `connection/registry.ts`; routing never imports the connection service.
 */
export interface LocalDelivery {
  /** Queue a notification for the live session of `uaid`; false if none or its queue is full. */
  push(uaid: string, notification: Notification): boolean;
  /** Ask the live session of `uaid` to check storage; false if none. */
  checkStorage(uaid: string): boolean;
  /** Close the session of `uaid` if it connected before `connectedAt`; false if none was closed. */
  disconnect(uaid: string, connectedAt: number): boolean;
}

/**
 * How an endpoint node reaches the connection node that holds a user agent
 * (docs/protocol.md#delivery-policy). `deliver.ts` in the endpoint service talks only to this interface;
 * `http-node-router.ts` speaks it over the router port, `local-router.ts` short-cuts this node.
 */
import type { Notification } from '../protocol/notification.js';

/**
 * - `delivered`: the node accepted it for the live socket (HTTP 200 on the router port) and,
 *   for a push that waits for the ack, neither saw an ack nor stored it: the caller stores it, and
 *   the node deletes that copy on a later ack;
 * - `acked`: (a push that waits for the ack) the UA acked it within the window; nothing stored;
 * - `stored`: (a push that waits for the ack) no ack within the window, or the UA left: the node
 *   stored it, and deletes it on a later ack;
 * - `not-connected`: the node answered but does not hold the UA, or its queue is full;
 * - `unreachable`: connect error or timeout; the caller clears the stale `nodeId`.
 */
export type RouteOutcome = 'delivered' | 'acked' | 'stored' | 'not-connected' | 'unreachable';

/** What a node answers to a push that waits for the ack (see `RouteOutcome`). */
export type AckWaitOutcome = 'acked' | 'stored' | 'delivered' | 'not-connected';

export interface NodeRouter {
  /**
   * Hand one notification to the UA's live socket on `nodeId` (`PUT /push/{uaid}`). With
   * `ackWindowMs` (ack-gated delivery, docs/architecture.md), the answer waits for the UA's ack
   * or, once that many milliseconds pass without one, for the node to store the message.
   */
  push(nodeId: string, uaid: string, notification: Notification, ackWindowMs?: number): Promise<RouteOutcome>;
  /** Ask `nodeId` to re-check storage for `uaid` (`PUT /notif/{uaid}`). */
  notify(nodeId: string, uaid: string): Promise<RouteOutcome>;
  /**
   * Beyond autopush (as the Python server's `DELETE /notif/{uaid}/{connected_at}`): ask `nodeId`
   * to close its session of `uaid` if that session connected before `connectedAt`, because a
   * newer connection took the uaid over. `delivered` means a session was closed.
   */
  disconnect(nodeId: string, uaid: string, connectedAt: number): Promise<RouteOutcome>;
  /**
   * This process's own sessions, for a router that reaches them without a network hop
   * (local-router.ts): the node id they are recorded under and what they know of their channels.
   */
  readonly local?: LocalSessions;
}

export interface LocalSessions {
  readonly nodeId: string;
  /** What the live session of `uaid` here knows of its channels; undefined when none is here. */
  channels(uaid: string): LocalChannels | undefined;
}

/**
 * What the live session of a uaid on this node knows of its channels
 * (connection/known-channels.ts): a push to a channel it knows needs no storage read.
 */
export interface LocalChannels {
  /** Take before a storage read whose result may be taught with `learn`; 0: learn nothing. */
  epoch(): number;
  has(channelID: string): boolean;
  /** The read that began at `epoch` found `channelID` registered to this uaid, on this node. */
  learn(channelID: string, epoch: number): void;
}

/**
 * What a connection node offers to routers: the registry of its live sessions.
 * Implemented by `connection/registry.ts`; routing never imports the connection service.
 */
export interface LocalDelivery {
  /** Queue a notification for the live session of `uaid`; false if none or its queue is full. */
  push(uaid: string, notification: Notification): boolean;
  /**
   * Queue a notification (TTL > 0, not stored) and settle once the UA acks it (`acked`), or once
   * `windowMs` pass or the session ends without an ack and the session stored it (`stored`), or
   * its store write failed (`delivered`: the caller stores it). `not-connected`: no session, or its
   * queue is full; nothing was sent.
   */
  pushAwaitingAck(uaid: string, notification: Notification, windowMs: number): Promise<AckWaitOutcome>;
  /** Ask the live session of `uaid` to check storage; false if none. */
  checkStorage(uaid: string): boolean;
  /** Close the session of `uaid` if it connected before `connectedAt`; false if none was closed. */
  disconnect(uaid: string, connectedAt: number): boolean;
  /** What the live session of `uaid` here knows of its channels; undefined when none is here. */
  channels?(uaid: string): LocalChannels | undefined;
}

/**
 * A router for nodes that run the connection service in the same process: notifications for
 * this node's own id go straight to its registry, without HTTP.
 */
import type { Notification } from '../protocol/notification.js';
import type { LocalDelivery, NodeRouter, RouteOutcome } from './node-router.js';

export class LocalRouter implements NodeRouter {
  constructor(
    private readonly localNodeId: string,
    private readonly local: LocalDelivery,
    /** Used for other nodes' ids; without it, other nodes count as unreachable. */
    private readonly remote?: NodeRouter,
  ) {}

  async push(nodeId: string, uaid: string, notification: Notification): Promise<RouteOutcome> {
    if (nodeId === this.localNodeId) return this.local.push(uaid, notification) ? 'delivered' : 'not-connected';
    return this.remote ? this.remote.push(nodeId, uaid, notification) : 'unreachable';
  }

  async notify(nodeId: string, uaid: string): Promise<RouteOutcome> {
    if (nodeId === this.localNodeId) return this.local.checkStorage(uaid) ? 'delivered' : 'not-connected';
    return this.remote ? this.remote.notify(nodeId, uaid) : 'unreachable';
  }
}

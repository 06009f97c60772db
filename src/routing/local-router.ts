/**
 * A router for nodes that run the connection service in the same process: requests for this
 * node's own id go straight to its registry, without HTTP; other ids go to `remote`.
 */
import type { Notification } from '../protocol/notification.js';
import type { LocalDelivery, LocalSessions, NodeRouter, RouteOutcome } from './node-router.js';

const answer = (accepted: boolean): RouteOutcome => (accepted ? 'delivered' : 'not-connected');

export class LocalRouter implements NodeRouter {
  readonly local: LocalSessions;

  constructor(
    private readonly localNodeId: string,
    private readonly delivery: LocalDelivery,
    /** Used for other nodes' ids; without it, other nodes count as unreachable. */
    private readonly remote?: NodeRouter,
  ) {
    this.local = { nodeId: localNodeId, channels: (uaid) => delivery.channels?.(uaid) };
  }

  async push(nodeId: string, uaid: string, notification: Notification, ackWindowMs?: number): Promise<RouteOutcome> {
    if (nodeId === this.localNodeId) {
      if (ackWindowMs !== undefined && ackWindowMs > 0) return this.delivery.pushAwaitingAck(uaid, notification, ackWindowMs);
      return answer(this.delivery.push(uaid, notification));
    }
    return this.remote ? this.remote.push(nodeId, uaid, notification, ackWindowMs) : 'unreachable';
  }

  async notify(nodeId: string, uaid: string): Promise<RouteOutcome> {
    if (nodeId === this.localNodeId) return answer(this.delivery.checkStorage(uaid));
    return this.remote ? this.remote.notify(nodeId, uaid) : 'unreachable';
  }

  async disconnect(nodeId: string, uaid: string, connectedAt: number): Promise<RouteOutcome> {
    if (nodeId === this.localNodeId) return answer(this.delivery.disconnect(uaid, connectedAt));
    return this.remote ? this.remote.disconnect(nodeId, uaid, connectedAt) : 'unreachable';
  }
}

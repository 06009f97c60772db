/**
 * The connection role (docs/protocol.md#internal-router-port): the router port, whose URL is this
 * node's id, and the WebSocket service that writes that id into router records on hello. The
 * caller attaches `handleUpgrade` to its public HTTP server.
 */
import { hostname } from 'node:os';
import type { AddressInfo } from 'node:net';
import { connectionGuard } from '../abuse/connection-guard.js';
import { httpTimeoutOptions } from '../common/http-timeouts.js';
import { openMegaphone } from '../connection/broadcasts/megaphone.js';
import { ClientRegistry } from '../connection/registry.js';
import { buildRouterPort } from '../connection/router-port.js';
import { createConnectionService, type ConnectionService } from '../connection/server.js';
import { receiptAckHandler } from '../receipts/receipt-acks.js';
import { LocalRouter } from '../routing/local-router.js';
import { routerUrl } from '../routing/node-id.js';
import type { NodeRouter } from '../routing/node-router.js';
import type { NodeResources } from './node-resources.js';

export interface ConnectionNode {
  /** `http://{routerHostname}:{routerPort}`: this node's id and router URL. */
  readonly nodeId: string;
  /** The router port actually bound (useful with --router-port 0). */
  readonly routerPort: number;
  /** This node's sessions in-process, every other node over HTTP. */
  readonly router: NodeRouter;
  readonly handleUpgrade: ConnectionService['handleUpgrade'];
  /** Close every session (saving unacked messages), then the router port. Idempotent. */
  shutdown(): Promise<void>;
}

export async function startConnectionNode(res: NodeResources): Promise<ConnectionNode> {
  const { settings, store, cipher } = res;
  const logger = res.logger.child({ part: 'connection' });
  // The registry exists before the service: the router port must be bound to name the node.
  const registry = new ClientRegistry();
  const routerApp = buildRouterPort({
    delivery: registry,
    key: res.routerKey,
    healthCheck: () => store.healthCheck(),
    maxDataBytes: settings.maxDataBytes,
    timeouts: httpTimeoutOptions(settings),
    logger: res.logger.child({ part: 'router-port' }),
  });
  // exclusive: in a worker process the router port is this node's own, never shared by cluster.
  await routerApp.listen({ host: settings.routerHost, port: settings.routerPort, exclusive: true });
  const routerPort = (routerApp.server.address() as AddressInfo).port;
  const nodeId = routerUrl(settings.routerHostname || hostname(), routerPort);
  const router = new LocalRouter(nodeId, registry, res.remote);

  let megaphone;
  try {
    megaphone = await openMegaphone(settings, logger);
  } catch (err) {
    await routerApp.close();
    throw err;
  }
  const guard = connectionGuard(res.abuse, logger);
  const service = createConnectionService({
    admitRegister: guard.admitRegister,
    watchSession: (req) => {
      const guardEnded = guard.watchSession(req);
      return (reason) => {
        guardEnded?.(reason);
        res.metrics?.sessionEnded(reason);
      };
    },
    ...(res.metrics ? { metrics: res.metrics } : {}),
    settings,
    store,
    cipher,
    nodeId,
    registry,
    router,
    ...(megaphone ? { broadcasts: megaphone.tracker } : {}),
    // Push receipts: an ack of a message whose sender asked for one queues it (src/receipts).
    onAcked: receiptAckHandler({
      store: res.receipts.store,
      bus: res.receipts.bus,
      cipher,
      maxQueued: settings.maxQueuedReceipts,
      nowMs: () => Date.now(),
      log: res.logger.child({ part: 'receipts' }),
    }),
    logger,
  });

  res.metrics?.trackConnections(() => service.connectionCount());
  // Blocked and over-rate IPs are refused before a session exists. The cap on open sockets is the
  // public server's (abuse/socket-caps.ts), applied before this handler.
  const handleUpgrade = guard.guardUpgrades(service.handleUpgrade);

  let stopping: Promise<void> | undefined;
  return {
    nodeId,
    routerPort,
    router,
    handleUpgrade,
    shutdown: () =>
      (stopping ??= (async () => {
        megaphone?.stop();
        // Sessions end first: until then the router port still answers for them.
        await service.shutdown(settings.shutdownGrace * 1000);
        await routerApp.close();
      })()),
  };
}

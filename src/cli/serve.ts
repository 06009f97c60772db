/**
 * Start one Herald process in a role; the only place that wires concrete parts together.
 *
 * | role       | public port                                  | router port |
 * |------------|----------------------------------------------|-------------|
 * | `serve`    | WebSocket (`GET /` upgrade) + endpoint API   | yes         |
 * | `connect`  | WebSocket + health routes                    | yes         |
 * | `endpoint` | endpoint API (no upgrade: a plain 404)       | no          |
 *
 * A node with the connection role reaches its own sessions in-process and other nodes over
 * their router ports; an endpoint-only node reaches every node over HTTP (spec/autopush.md §1.3).
 */
import type { AddressInfo } from 'node:net';
import pino, { type Logger } from 'pino';
import type { FastifyInstance } from 'fastify';
import type { SettingsRole } from '../config/load-settings.js';
import type { Settings } from '../config/settings.js';
import { buildEndpointApp } from '../endpoint/app.js';
import { buildHealthApp } from './health-app.js';
import { mountAccounts } from './mount-accounts.js';
import { openNodeResources } from './node-resources.js';
import { startConnectionNode, type ConnectionNode } from './start-connection-node.js';

export type Role = SettingsRole;

export interface RunningNode {
  readonly role: Role;
  /** The public port actually bound (useful with --port 0). */
  readonly port: number;
  /** The connection role's node id and router port; null for `endpoint`. */
  readonly connection: Pick<ConnectionNode, 'nodeId' | 'routerPort'> | null;
  /** Stop accepting, close sockets (saving unacked messages), close storage. Idempotent. */
  close(): Promise<void>;
}

export async function startNode(role: Role, settings: Readonly<Settings>, logger: Logger = pino({ level: settings.logLevel })): Promise<RunningNode> {
  const res = await openNodeResources(settings, logger);
  let connection: ConnectionNode | null = null;
  let app: FastifyInstance | undefined;
  let accounts: { close(): Promise<void> } | undefined;
  try {
    if (role !== 'endpoint') connection = await startConnectionNode(res);
    app =
      role === 'connect'
        ? buildHealthApp(res.store, logger.child({ part: 'public' }))
        : buildEndpointApp({ settings, store: res.store, router: connection?.router ?? res.remote, cipher: res.cipher, logger: logger.child({ part: 'endpoint' }) });
    if (role !== 'connect') accounts = await mountAccounts(app, settings, logger);
    if (connection !== null) app.server.on('upgrade', connection.handleUpgrade);
    await app.listen({ host: settings.host, port: settings.port });
  } catch (err) {
    await app?.close();
    await connection?.shutdown();
    await accounts?.close();
    await res.close();
    throw err;
  }
  const publicApp = app;
  const port = (publicApp.server.address() as AddressInfo).port;

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      // Stop taking new sockets and requests first, then let sessions save what is unacked.
      const httpClosed = publicApp.close();
      await connection?.shutdown();
      await httpClosed;
      await accounts?.close();
      await res.close();
    })());

  return { role, port, connection: connection && { nodeId: connection.nodeId, routerPort: connection.routerPort }, close };
}

/** `herald serve` in-process (kept for embedders and the bench). It opens the router port too. */
export function startServer(settings: Readonly<Settings>, logger?: Logger): Promise<RunningNode> {
  return startNode('serve', settings, logger);
}

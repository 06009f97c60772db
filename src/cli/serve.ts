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
 * their router ports; an endpoint-only node reaches every node over HTTP
 * (docs/protocol.md#delivery-policy).
 */
import type { AddressInfo } from 'node:net';
import pino, { type Logger } from 'pino';
import type { FastifyInstance } from 'fastify';
import type { SettingsRole } from '../config/load-settings.js';
import type { Settings } from '../config/settings.js';
import { HeraldMetrics } from '../admin/metrics.js';
import { connectionCap } from '../abuse/file-handle-cap.js';
import { SocketCaps } from '../abuse/socket-caps.js';
import { LogThrottle } from '../common/log-throttle.js';
import { openBridges } from '../bridges/open-bridges.js';
import type { Bridges } from '../bridges/bridges.js';
import { buildEndpointApp } from '../endpoint/app.js';
import { serveH2cBeside } from '../receipts/h2c-sniff.js';
import { ReceiptStreams } from '../receipts/receipt-streams.js';
import { buildHealthApp } from './health-app.js';
import { mountAccounts } from './mount-accounts.js';
import { openNodeResources } from './node-resources.js';
import { startAdmin, type AdminPort } from './start-admin.js';
import { startConnectionNode, type ConnectionNode } from './start-connection-node.js';
import { AcceptSwitch } from './accept-switch.js';

export type Role = SettingsRole;

export interface RunningNode {
  readonly role: Role;
  /** The public port actually bound (useful with --port 0). */
  readonly port: number;
  /** The connection role's node id and router port; null for `endpoint`. */
  readonly connection: Pick<ConnectionNode, 'nodeId' | 'routerPort'> | null;
  /** The admin port actually bound (metrics, admin API, dashboard); null when `adminPort` is 0. */
  readonly adminPort: number | null;
  /** Router types with a bridge here (`fcm`, `gcm`, `apns`, `stub`); empty when none. */
  readonly bridges: readonly string[];
  /** Sockets open on the public port (WebSocket and plain HTTP). */
  openSockets(): number;
  /**
   * Stop or resume accepting on the public port, holding the sockets already open; for spreading
   * connections over workers (accept-balance.ts); resolves once in effect (or given up, see
   * accept-switch.ts). Ignored once closing.
   */
  setAccepting(accepting: boolean): Promise<void>;
  /** Whether the public port accepts now. */
  accepting(): boolean;
  /** Stop accepting, close sockets (saving unacked messages), close storage. Idempotent. */
  close(): Promise<void>;
}

export async function startNode(role: Role, settings: Readonly<Settings>, logger: Logger = pino({ level: settings.logLevel })): Promise<RunningNode> {
  // Metrics are collected only where something can read them: the admin port.
  const metrics = settings.adminPort > 0 ? new HeraldMetrics() : undefined;
  const res = await openNodeResources(settings, logger, metrics);
  let connection: ConnectionNode | null = null;
  let app: FastifyInstance | undefined;
  let accounts: { close(): Promise<void> } | undefined;
  let admin: AdminPort | undefined;
  let bridges: Bridges | null = null;
  let receiptStreams: ReceiptStreams | undefined;
  const caps = publicSocketCaps(settings, logger);
  try {
    // First: a bad bridge credential must stop the start before any port opens.
    if (role !== 'connect') bridges = await openBridges(settings, { store: res.store, log: logger.child({ part: 'bridges' }), ...(metrics ? { metrics } : {}) });
    if (role !== 'endpoint') connection = await startConnectionNode(res);
    if (metrics) admin = await startAdmin(res, metrics, { role, nodeId: connection?.nodeId ?? null });
    const serverFactory = caps.serverFactory();
    app =
      role === 'connect'
        ? buildHealthApp(res.store, logger.child({ part: 'public' }), settings, serverFactory)
        : buildEndpointApp({
            settings,
            store: res.store,
            router: connection?.router ?? res.remote,
            cipher: res.cipher,
            abuse: res.abuse,
            ...(metrics ? { metrics } : {}),
            ...(bridges ? { bridges } : {}),
            receipts: res.receipts.store,
            logger: logger.child({ part: 'endpoint' }),
            serverFactory,
          });
    if (role !== 'connect') {
      // Push receipts are received over HTTP/2 (h2c) on the public port (docs/protocol.md#push-message-receipts).
      receiptStreams = new ReceiptStreams({
        store: res.receipts.store,
        bus: res.receipts.bus,
        endpointUrl: settings.endpointUrl,
        pollIntervalMs: settings.receiptPollInterval * 1000,
        nowMs: () => Date.now(),
        log: logger.child({ part: 'receipts' }),
      });
      serveH2cBeside(app.server, receiptStreams.server, { sniffTimeoutMs: settings.httpRequestTimeout * 1000, isRefused: (socket) => caps.isRefused(socket) });
    }
    if (role !== 'connect') accounts = await mountAccounts(app, settings, res.abuse);
    if (connection !== null) app.server.on('upgrade', caps.guardUpgrades(connection.handleUpgrade));
    await app.listen({ host: settings.host, port: settings.port, backlog: PUBLIC_LISTEN_BACKLOG });
  } catch (err) {
    await receiptStreams?.close();
    await app?.close();
    await connection?.shutdown();
    await bridges?.close();
    await accounts?.close();
    await admin?.close();
    await res.close();
    throw err;
  }
  const publicApp = app;
  const port = (publicApp.server.address() as AddressInfo).port;

  let closing: Promise<void> | undefined;
  // The options of the first listen: in a worker they name the socket the workers share (port 0 too).
  const accepting = new AcceptSwitch(publicApp.server, { host: settings.host, port: settings.port, backlog: PUBLIC_LISTEN_BACKLOG }, logger);
  const close = () =>
    (closing ??= (async () => {
      await accepting.stop();
      // Stop taking new sockets and requests first, then let sessions save what is unacked.
      const streamsClosed = receiptStreams?.close();
      const httpClosed = publicApp.close();
      await connection?.shutdown();
      await streamsClosed;
      await httpClosed;
      await bridges?.close();
      await accounts?.close();
      // Last: Prometheus can watch the drain.
      await admin?.close();
      await res.close();
    })());

  return {
    role,
    port,
    bridges: bridges?.types ?? [],
    connection: connection && { nodeId: connection.nodeId, routerPort: connection.routerPort },
    adminPort: admin?.port ?? null,
    openSockets: () => caps.open,
    setAccepting: (on) => accepting.set(on),
    accepting: () => accepting.accepting,
    close,
  };
}

/**
 * The public port's listen backlog: as long as the kernel allows, which is `net.core.somaxconn`
 * (4096 by default on Linux; docs/operations.md). Node's default of 511 overflowed when thousands
 * of user agents reconnected at once: each connection dropped from a full queue waits for the
 * client's SYN retry, 1 s and then 3 s later (docs/benchmarks.md, "the reconnect storm past 50,000").
 * With `--workers` the primary opens the socket the workers share and accept from.
 */
export const PUBLIC_LISTEN_BACKLOG = 65_535;

/** How often the refusals of the socket caps are logged: the operator needs to know, not each one. */
const REFUSED_LOG_INTERVAL_MS = 10_000;

/** The public port's caps on open sockets, in total and per IP (abuse/socket-caps.ts). */
function publicSocketCaps(settings: Readonly<Settings>, logger: Logger): SocketCaps {
  const total = connectionCap(settings.maxConnections);
  const perIp = settings.maxHttpConnectionsPerIp;
  const logs = { total: new LogThrottle(REFUSED_LOG_INTERVAL_MS), 'per-ip': new LogThrottle(REFUSED_LOG_INTERVAL_MS) };
  return new SocketCaps({
    total,
    perIp,
    exempt: settings.trustedProxies,
    onRefused: (ip, cap) =>
      logs[cap].event((skipped) =>
        cap === 'total'
          ? logger.warn({ cap: total, skipped }, 'connection cap reached: refusing new sockets with 503 (add workers or nodes)')
          : logger.warn({ ip, cap: perIp, skipped }, 'per-IP connection cap reached: refusing its new sockets with 503'),
      ),
  });
}

/** `herald serve` in-process (kept for embedders and the bench). It opens the router port too. */
export function startServer(settings: Readonly<Settings>, logger?: Logger): Promise<RunningNode> {
  return startNode('serve', settings, logger);
}

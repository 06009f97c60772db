/**
 * The connection service (docs/protocol.md#internal-router-port,
 * docs/protocol.md#websocket-protocol): WebSocket upgrades on `GET /`
 * of the public port, one `Session` per socket, and the registry routers deliver through.
 * The CLI attaches `handleUpgrade` to the public HTTP server's 'upgrade' event, and serves the
 * registry to other nodes on the router port (`router-port.ts`).
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import pino, { type Logger } from 'pino';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Settings } from '../config/settings.js';
import type { MultiFernet } from '../crypto/fernet.js';
import type { NodeRouter } from '../routing/node-router.js';
import type { Store } from '../storage/store.js';
import type { BroadcastTracker } from './broadcasts/tracker.js';
import type { ConnectionMetrics } from './metrics.js';
import { LivenessTimers } from './liveness.js';
import { RecentlyAcked } from './nack.js';
import { ClientRegistry } from './registry.js';
import { Session } from './session.js';
import type { Clock, ConnectionEnv } from './types.js';

/** Largest client frame; the biggest legitimate one (a register with a key) is well under 1 KiB. */
const MAX_FRAME_BYTES = 64 * 1024;
/** The subprotocol Firefox asks for (docs/protocol.md#connecting-and-framing); echoed when offered. */
const SUBPROTOCOL = 'push-notification';

export interface ConnectionServiceDeps {
  settings: Readonly<Settings>;
  store: Store;
  cipher: MultiFernet;
  /** This node's id (its router URL), written into router records on hello. */
  nodeId: string;
  /**
   * The registry to fill; pass one when the router port must exist before the service (the node
   * id names the port). Default: a new one.
   */
  registry?: ClientRegistry;
  /** Reaches other nodes for takeover and post-disconnect nudges; absent: a single node. */
  router?: NodeRouter;
  /** Megaphone broadcasts (`openMegaphone(...).tracker`, docs/protocol.md#megaphone-broadcasts); absent: hello gets `broadcasts: {}`. */
  broadcasts?: BroadcastTracker;
  /** A logger, `false` for none; by default a pino logger at `settings.logLevel`. */
  logger?: Logger | false;
  clock?: Clock;
  /** Abuse controls on `register` (`ConnectionEnv.admitRegister`); absent: none. */
  admitRegister?: ConnectionEnv['admitRegister'];
  /** Told of each acked message id (push receipts, src/receipts); absent: nobody. */
  onAcked?: ConnectionEnv['onAcked'];
  /**
   * Called with each accepted upgrade's request; the function it returns is told the session's end
   * reason (the penalty box counts protocol errors). It must not keep `req`: an idle session would
   * hold the whole request (headers and all) for its lifetime.
   */
  watchSession?: (req: IncomingMessage) => ((endReason: string) => void) | undefined;
  /** Session counters for Prometheus (src/admin); absent: none. */
  metrics?: ConnectionMetrics;
}

export interface ConnectionService {
  /** Handler for the HTTP server's 'upgrade' event; safe to pass unbound. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Live identified sessions by uaid; the `LocalDelivery` that routers use. */
  readonly registry: ClientRegistry;
  /**
   * Stop accepting sockets, close every session with 1001 ServerShutdown (spread evenly over
   * `settings.shutdownDrain` s), and wait until each has saved its unacked direct messages (at
   * most `graceMs` after the last close, default `settings.shutdownGrace` s).
   */
  shutdown(graceMs?: number): Promise<void>;
  /** Open sockets, identified or not. */
  connectionCount(): number;
}

export function createConnectionService(deps: ConnectionServiceDeps): ConnectionService {
  const { settings, store, cipher, nodeId } = deps;
  const logger = deps.logger === false ? pino({ level: 'silent' }) : (deps.logger ?? pino({ level: settings.logLevel }));
  const clock = deps.clock ?? { nowMs: () => Date.now() };
  const registry = deps.registry ?? new ClientRegistry();
  let lastConnectedAt = 0;
  const env: ConnectionEnv = {
    settings,
    store,
    cipher,
    nodeId,
    logger,
    clock,
    registry,
    ...(deps.router ? { router: deps.router } : {}),
    ...(deps.broadcasts ? { broadcasts: deps.broadcasts } : {}),
    ...(deps.admitRegister ? { admitRegister: deps.admitRegister } : {}),
    ...(deps.onAcked ? { onAcked: deps.onAcked } : {}),
    ...(deps.metrics ? { metrics: deps.metrics } : {}),
    liveness: new LivenessTimers(settings),
    recentlyAcked: new RecentlyAcked(),
    // Two hellos in the same millisecond must still order: update_user compares connectedAt.
    nextConnectedAt: () => (lastConnectedAt = Math.max(clock.nowMs(), lastConnectedAt + 1)),
  };
  const sessions = new Set<Session>();
  let shuttingDown: Promise<void> | null = null;

  const wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    maxPayload: MAX_FRAME_BYTES,
    clientTracking: false,
    handleProtocols: (protocols) => (protocols.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
  });

  function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (pathOf(req.url) !== '/') return refuse(socket, 404, 'Not Found');
    if (shuttingDown !== null) return refuse(socket, 503, 'Service Unavailable');
    wss.handleUpgrade(req, socket, head, (ws) => openSession(ws, socket, deps.watchSession?.(req)));
  }

  /** Session end hooks (abuse controls), kept only for the sessions that have one. */
  const endHooks = new Map<Session, (endReason: string) => void>();
  // One function for every session: a live session holds no closure of its own here.
  const sessionFinished = (session: Session): void => {
    sessions.delete(session);
    const ended = endHooks.get(session);
    if (ended === undefined) return;
    endHooks.delete(session);
    ended(session.endReason ?? 'unknown');
  };

  // Apart from handleUpgrade so that no closure of a live session keeps the upgrade request.
  function openSession(ws: WebSocket, socket: Duplex, ended: ((endReason: string) => void) | undefined): void {
    const session = new Session(ws, socket, env, sessionFinished);
    sessions.add(session);
    if (ended !== undefined) endHooks.set(session, ended);
    if (shuttingDown !== null) session.end('ServerShutdown');
  }

  async function drain(graceMs: number): Promise<void> {
    const all = [...sessions];
    await endSpread(all, settings.shutdownDrain * 1000);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), graceMs)));
    const done = Promise.all(all.map((s) => s.finished)).then(() => false);
    if (await Promise.race([done, timedOut])) {
      logger.warn({ sessions: sessions.size, graceMs }, 'shutdown grace ran out before every session saved its messages');
    }
    clearTimeout(timer);
    wss.close();
  }

  return {
    handleUpgrade,
    registry,
    shutdown: (graceMs = settings.shutdownGrace * 1000) => (shuttingDown ??= drain(graceMs)),
    connectionCount: () => sessions.size,
  };
}

const DRAIN_STEP_MS = 100;

/** End sessions a share at a time over `drainMs`, so their user agents do not reconnect all at once. */
async function endSpread(all: Session[], drainMs: number): Promise<void> {
  const steps = Math.max(1, Math.min(all.length, Math.floor(drainMs / DRAIN_STEP_MS)));
  const perStep = Math.ceil(all.length / steps);
  for (let i = 0; i < all.length; i += perStep) {
    if (i > 0) await sleep(drainMs / steps);
    for (const s of all.slice(i, i + perStep)) s.end('ServerShutdown');
  }
}

/** The request path without its query string. */
function pathOf(url: string | undefined): string {
  const u = url ?? '/';
  const q = u.indexOf('?');
  return q === -1 ? u : u.slice(0, q);
}

/** Answer an upgrade we will not take with a plain HTTP status, then drop the socket. */
function refuse(socket: Duplex, status: number, text: string): void {
  socket.once('finish', () => socket.destroy());
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

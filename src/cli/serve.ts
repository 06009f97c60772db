/**
 * `herald serve`: the only place that wires concrete parts together. One HTTP server carries the
 * user-agent WebSocket (`GET /` upgrade) and the endpoint API; both share one store.
 */
import { hostname } from 'node:os';
import type { AddressInfo } from 'node:net';
import pino, { type Logger } from 'pino';
import type { Settings } from '../config/settings.js';
import { MultiFernet } from '../crypto/fernet.js';
import { openStore } from '../storage/open-store.js';
import { createConnectionService } from '../connection/server.js';
import { buildEndpointApp } from '../endpoint/app.js';
import { LocalRouter } from '../routing/local-router.js';

export interface RunningServer {
  /** The port actually bound (useful with --port 0). */
  port: number;
  nodeId: string;
  /** Stop accepting, close sockets (saving unacked messages), close storage. Idempotent. */
  close(): Promise<void>;
}

export async function startServer(settings: Readonly<Settings>, logger: Logger = pino({ level: settings.logLevel })): Promise<RunningServer> {
  const store = await openStore(settings.db, { routerTtlDays: settings.routerTtlDays });
  const cipher = new MultiFernet(settings.cryptoKeys);
  // One process is one node; the id names it in router records (the router port comes later).
  const nodeId = `http://${hostname()}:${settings.port}#${process.pid}`;
  const connection = createConnectionService({ settings, store, cipher, nodeId, logger: logger.child({ part: 'connection' }) });
  const router = new LocalRouter(nodeId, connection.registry);
  const app = buildEndpointApp({ settings, store, router, cipher, logger: logger.child({ part: 'endpoint' }) });
  app.server.on('upgrade', connection.handleUpgrade);

  try {
    await app.listen({ host: settings.host, port: settings.port });
  } catch (err) {
    await store.close();
    throw err;
  }
  const port = (app.server.address() as AddressInfo).port;

  const purge = setInterval(() => {
    store.purgeExpired(Date.now()).then(
      (n) => n > 0 && logger.debug({ purged: n }, 'expired rows purged'),
      (err: unknown) => logger.warn({ err }, 'purge of expired rows failed'),
    );
  }, settings.purgeInterval * 1000);
  purge.unref();

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      clearInterval(purge);
      // Stop taking new sockets and requests first, then let sessions save what is unacked.
      const httpClosed = app.close();
      await connection.shutdown(settings.shutdownGrace * 1000);
      await httpClosed;
      await store.close();
    })());

  return { port, nodeId, close };
}

/**
 * The public port of a connection-only node (`herald connect`): the WebSocket upgrade (attached
 * by the caller) and the Dockerflow health routes, as autoconnect's public port has
 * (docs/protocol.md#internal-router-port). No endpoint API: every other path is an empty 404.
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyServerFactory } from 'fastify';
import { httpTimeoutOptions } from '../common/http-timeouts.js';
import type { Settings } from '../config/settings.js';
import { healthRoutes } from '../endpoint/routes/health.js';
import type { Store } from '../storage/store.js';

/** `serverFactory`: the public port's socket caps (`SocketCaps.serverFactory`); absent: Fastify's own server. */
export function buildHealthApp(store: Store, logger: FastifyBaseLogger, settings: Readonly<Settings>, serverFactory?: FastifyServerFactory): FastifyInstance {
  const app = Fastify({
    loggerInstance: logger,
    logController: new LogController({ disableRequestLogging: true }),
    // The same request and idle timeouts as the endpoint app on `herald serve`'s public port.
    ...httpTimeoutOptions(settings),
    ...(serverFactory ? { serverFactory } : {}),
  });
  app.setNotFoundHandler((_req, reply) => reply.code(404).send());
  app.register(healthRoutes, { store });
  return app;
}

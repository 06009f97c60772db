/**
 * The public port of a connection-only node (`herald connect`): the WebSocket upgrade (attached
 * by the caller) and the Dockerflow health routes, as autoconnect's public port has
 * (spec/autopush.md §1.1). No endpoint API: every other path is an empty 404.
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { healthRoutes } from '../endpoint/routes/health.js';
import type { Store } from '../storage/store.js';

export function buildHealthApp(store: Store, logger: FastifyBaseLogger): FastifyInstance {
  const app = Fastify({ loggerInstance: logger, logController: new LogController({ disableRequestLogging: true }) });
  app.setNotFoundHandler((_req, reply) => reply.code(404).send());
  app.register(healthRoutes, { store });
  return app;
}

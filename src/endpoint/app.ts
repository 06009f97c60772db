/**
 * The endpoint service: the HTTP API for application servers (docs/protocol.md#endpoint-http-api), the
 * equivalent of autoendpoint. This file wires the HTTP layer only: body parsing, CORS, logging,
 * and the one place that turns an error into a response. Routes live in `routes/`, validation in
 * `edge/`, the delivery policy in `deliver.ts`.
 */
import { STATUS_CODES } from 'node:http';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerFactory } from 'fastify';
import cors from '@fastify/cors';
import type { AbuseControls } from '../abuse/abuse-controls.js';
import { httpTimeoutOptions } from '../common/http-timeouts.js';
import type { Settings } from '../config/settings.js';
import type { MultiFernet } from '../crypto/fernet.js';
import { ApiError, MORE_INFO_URL } from '../errors/api-error.js';
import type { NodeRouter } from '../routing/node-router.js';
import type { ReceiptStore } from '../storage/receipt-store.js';
import type { Store } from '../storage/store.js';
import type { BridgePort } from './bridge-port.js';
import type { EndpointContext } from './context.js';
import { registerAbuseHooks } from './abuse-hooks.js';
import type { EndpointMetrics } from './metrics.js';
import { ReceiptClock, type WallClock } from './receipt-clock.js';
import { healthRoutes } from './routes/health.js';
import { messageRoutes } from './routes/message.js';
import { receiptRoutes } from './routes/receipts.js';
import { webpushRoutes } from './routes/webpush.js';

export interface EndpointDeps {
  settings: Readonly<Settings>;
  store: Store;
  router: NodeRouter;
  cipher: MultiFernet;
  /** A pino logger; false or absent logs nothing. */
  logger?: FastifyBaseLogger | false;
  /** Wall clock for receipt times and VAPID `exp` checks; tests pass a fixed one. */
  clock?: WallClock;
  /** Rate limits, penalty box and retention maximums (src/abuse); absent: none. */
  abuse?: AbuseControls;
  /** Request and push counters for Prometheus (src/admin); absent: none. */
  metrics?: EndpointMetrics;
  /** Bridges to APNs and FCM (src/bridges) with their registration API; absent: none. */
  bridges?: BridgePort;
  /** Push message receipts (src/receipts); absent: none. */
  receipts?: ReceiptStore;
  /** Makes the HTTP server (`SocketCaps.serverFactory`: the public port's socket caps); absent: Fastify's own. */
  serverFactory?: FastifyServerFactory;
}

/** Push tokens are ~140 (v1) or ~185 (v2) characters and message ids up to ~230; UnifiedPush
 * allows endpoints up to 1000 bytes. find-my-way's default of 100 would 404 every token. */
const MAX_PARAM_LENGTH = 1024;

/** Map any error to an ApiError: ours as they are, Fastify's by their status. */
function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  const { code, statusCode, message } = err as Partial<FastifyError>;
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new ApiError('payload-too-large');
  // A path segment longer than any token or message id we mint cannot name anything.
  if (code === 'FST_ERR_MAX_PARAM_LENGTH' || statusCode === 404) return new ApiError('not-found');
  if (statusCode === 405) return new ApiError('method-not-allowed');
  if (statusCode !== undefined && statusCode >= 400 && statusCode < 500) {
    // Body errors say what is wrong with the request; others (bad URL…) would echo the URL back.
    return new ApiError('bad-request', code?.startsWith('FST_ERR_CTP_') ? message : undefined);
  }
  return new ApiError('internal');
}

/**
 * Render an ApiError as autopush does (docs/protocol.md#responses-and-errors): JSON `{code, errno,
 * error, message, more_info}`,
 * except 404, whose body is always empty; 410 may be cached for a day; 503, 429 and a blocked IP's
 * 403 say when to retry.
 */
/** The errno each error reply carried, for its log line. */
const replyErrnos = new WeakMap<FastifyReply, number | null>();

function sendApiError(reply: FastifyReply, error: ApiError): FastifyReply {
  const { status } = error;
  replyErrnos.set(reply, error.errno);
  if (status === 404) return reply.code(404).send();
  if (status === 410) reply.header('cache-control', 'max-age=86400');
  // 429 (rate limits) and 403 (blocked IP) say when to retry too: the seconds until they would pass.
  if (status === 503 || status === 429 || error.retryAfter !== undefined) {
    reply.header('retry-after', String(Math.max(1, Math.ceil(error.retryAfter ?? (status === 503 ? 120 : 1)))));
  }
  return reply
    .code(status)
    .type('application/json')
    .send({ code: status, errno: error.errno, error: STATUS_CODES[status] ?? 'Error', message: error.message, more_info: MORE_INFO_URL });
}

/**
 * Build the endpoint app (routes are registered lazily; `inject`, `ready` or `listen` loads them).
 * The caller owns the store and closes it.
 */
export function buildEndpointApp(deps: EndpointDeps): FastifyInstance {
  const { settings } = deps;
  const app = Fastify({
    ...(deps.logger ? { loggerInstance: deps.logger } : { logger: false }),
    // Request logs come from the onResponse hook below: route pattern, never the token or body.
    logController: new LogController({ disableRequestLogging: true }),
    // Slow or idle clients cannot hold sockets (common/http-timeouts.ts).
    ...httpTimeoutOptions(settings),
    ...(deps.serverFactory ? { serverFactory: deps.serverFactory } : {}),
    trustProxy: false,
    bodyLimit: settings.maxDataBytes,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    // Errors Fastify raises before routing (bad URL encoding, over-long segment) skip the error
    // handler; render them the same way.
    frameworkErrors: (err, _req, reply) => sendApiError(reply, toApiError(err)),
  });

  // Every body is opaque bytes, whatever its Content-Type: no JSON or text parsing, ever.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: settings.maxDataBytes }, (_req, body, done) => done(null, body));

  // As autopush's actix-cors: any origin, any requested header. Non-strict preflight: a bare OPTIONS
  // gets the CORS headers rather than a text/plain 400.
  app.register(cors, { origin: '*', methods: ['DELETE', 'GET', 'POST', 'PUT'], maxAge: 3600, strictPreflight: false });

  app.setErrorHandler((err, req, reply) => {
    const error = toApiError(err);
    // ApiErrors are logged where they arise, with their cause; anything else here is a bug.
    if (!(err instanceof ApiError) && error.status >= 500) req.log.error({ err }, 'request failed');
    return sendApiError(reply, error);
  });
  app.setNotFoundHandler((_req, reply) => sendApiError(reply, new ApiError('not-found')));
  const clientIpOf = (req: Pick<FastifyRequest, 'socket' | 'headers'>) =>
    deps.abuse ? deps.abuse.clientIp(req.socket.remoteAddress, req.headers['x-forwarded-for']) : (req.socket.remoteAddress ?? '');
  app.addHook('onResponse', (req, reply, done) => {
    const route = req.routeOptions.url ?? null;
    const status = reply.statusCode;
    // One line per request; a refused one says why (errno) and from where, never the token or body.
    const rejected = status >= 400 ? { errno: replyErrnos.get(reply) ?? null, ip: clientIpOf(req) || null } : {};
    req.log.info({ method: req.method, route, status, ms: Math.round(reply.elapsedTime), ...rejected }, status >= 400 ? 'request rejected' : 'request');
    deps.metrics?.request(route, status, reply.elapsedTime / 1000);
    done();
  });

  if (deps.abuse) registerAbuseHooks(app, deps.abuse);

  const ctx: EndpointContext = {
    settings,
    store: deps.store,
    router: deps.router,
    cipher: deps.cipher,
    clock: new ReceiptClock(deps.clock),
    ...(deps.abuse ? { abuse: deps.abuse } : {}),
    ...(deps.metrics ? { metrics: deps.metrics } : {}),
    ...(deps.bridges ? { bridges: deps.bridges } : {}),
    ...(deps.receipts ? { receipts: deps.receipts } : {}),
    clientIp: clientIpOf,
  };
  app.register(webpushRoutes, ctx);
  if (deps.receipts) app.register(receiptRoutes, ctx);
  if (deps.bridges) app.register(deps.bridges.routes, ctx);
  app.register(messageRoutes, ctx);
  app.register(healthRoutes, ctx);
  return app;
}

/**
 * The router port of a connection node (docs/protocol.md#overview,
 * docs/protocol.md#internal-router-port): how endpoint nodes, and other connection nodes, reach the
 * user agents held here.
 *
 * - `PUT /push/{uaid}`, body a notification (`routing/transport-notification.ts`): queued for
 *   the live session → 200, else 404 "Client not available". Beyond autopush, with
 *   `Herald-Ack-Window-Ms` (ack-gated delivery, docs/architecture.md) the 200 waits for the UA's
 *   ack or, after that many milliseconds, for the session to store the message, and
 *   `Herald-Delivery` says which (`acked`, `stored`, or `delivered`: not stored, the caller stores).
 * - `PUT /notif/{uaid}`: the session re-checks storage → 200, else 404.
 * - `DELETE /notif/{uaid}/{connectedAt}` (beyond autopush, as the Python server had it): a newer
 *   connection of the uaid took over on another node; an older session here closes → 200, else 404.
 * - `/__lbheartbeat__`, `/__heartbeat__`: health, the only routes without the key.
 *
 * Beyond autopush, every other request must carry `Authorization: Bearer <router key>`
 * (`routing/router-key.ts`), else 401. Bad input gets 400 and changes nothing.
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from 'fastify';
import { httpTimeoutOptions, type HttpTimeoutOptions } from '../common/http-timeouts.js';
import { defaultSettings } from '../config/settings.js';
import { LogThrottle } from '../common/log-throttle.js';
import type { LocalDelivery } from '../routing/node-router.js';
import type { RouterKey } from '../routing/router-key.js';
import { ACK_WINDOW_HEADER, DELIVERY_HEADER } from '../routing/ack-wait-headers.js';
import { MAX_ACK_WINDOW_MS } from '../config/settings.js';
import { TransportError, UAID, parseTransportNotification } from '../routing/transport-notification.js';

export interface RouterPortDeps {
  /** This node's live sessions (the registry). */
  delivery: LocalDelivery;
  key: RouterKey;
  /** Whether storage answers, for `/__heartbeat__`. */
  healthCheck(): Promise<boolean>;
  /** The largest push body the endpoint accepts, in bytes; the JSON carrying it is bounded from it. */
  maxDataBytes: number;
  /** A pino logger; false or absent logs nothing. */
  logger?: FastifyBaseLogger | false;
  /** Request and idle timeouts (`httpTimeoutOptions`); absent: the defaults of the settings. */
  timeouts?: HttpTimeoutOptions;
}

const HEALTH = new Set(['/__lbheartbeat__', '/__heartbeat__']);
/** Room for the JSON around a base64url body: message id, crypto headers, field names. */
const ENVELOPE_BYTES = 16 * 1024;
const CONNECTED_AT = /^\d{1,15}$/;
/** One warning per this much time for requests without the key: a scan must not flood the log. */
const UNAUTHORIZED_LOG_INTERVAL_MS = 10_000;
const WINDOW_MS = /^\d{1,4}$/;

type UaidParams = { uaid: string };

/** Build the router-port app; the caller listens and closes it. */
export function buildRouterPort(deps: RouterPortDeps): FastifyInstance {
  const { delivery, key } = deps;
  const app = Fastify({
    ...(deps.logger ? { loggerInstance: deps.logger } : { logger: false }),
    ...(deps.timeouts ?? httpTimeoutOptions(defaultSettings)),
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: Math.ceil((deps.maxDataBytes * 4) / 3) + ENVELOPE_BYTES,
    // Errors Fastify raises before routing (bad URL encoding) get a plain 400.
    frameworkErrors: (_err, _req, reply) => void (reply as FastifyReply).code(400).type('text/plain').send('Bad request'),
  });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  const unauthorizedLog = new LogThrottle(UNAUTHORIZED_LOG_INTERVAL_MS);
  app.addHook('onRequest', (req, reply, done) => {
    // Access is decided on the matched route, never on the raw URL.
    if (HEALTH.has(req.routeOptions.url ?? '') || key.accepts(req.headers.authorization)) return done();
    unauthorizedLog.event((skipped) => req.log.warn({ method: req.method, from: req.ip, skipped }, 'router port request without a valid router key'));
    void reply.code(401).header('www-authenticate', 'Bearer').type('text/plain').send('Unauthorized');
  });
  app.setErrorHandler((err, req, reply) => {
    const status = (err as { statusCode?: number }).statusCode ?? 500;
    if (status >= 500) req.log.error({ err }, 'router port request failed');
    return reply.code(status).type('text/plain').send(status === 413 ? 'Payload too large' : status >= 500 ? 'Internal error' : 'Bad request');
  });
  app.setNotFoundHandler((_req, reply) => reply.code(404).send());

  const badRequest = (reply: FastifyReply, why: string) => reply.code(400).type('text/plain').send(why);
  const answer = (reply: FastifyReply, accepted: boolean) =>
    accepted ? reply.code(200).send() : reply.code(404).type('text/plain').send('Client not available');

  app.put<{ Params: UaidParams }>('/push/:uaid', async (req, reply) => {
    if (!UAID.test(req.params.uaid)) return badRequest(reply, 'uaid: must be 32 lowercase hex characters');
    let notification;
    try {
      notification = parseTransportNotification((req.body as Buffer | undefined) ?? '');
    } catch (err) {
      if (err instanceof TransportError) return badRequest(reply, err.message);
      throw err;
    }
    const windowHeader = req.headers[ACK_WINDOW_HEADER];
    if (windowHeader === undefined) return answer(reply, delivery.push(req.params.uaid, notification));
    const windowMs = typeof windowHeader === 'string' && WINDOW_MS.test(windowHeader) ? Number(windowHeader) : NaN;
    if (!(windowMs > 0 && windowMs <= MAX_ACK_WINDOW_MS)) return badRequest(reply, `${ACK_WINDOW_HEADER}: must be 1 to ${MAX_ACK_WINDOW_MS} milliseconds`);
    if (notification.ttl === 0 || notification.stored) return badRequest(reply, `${ACK_WINDOW_HEADER}: only for a message with a TTL that is not stored yet`);
    const outcome = await delivery.pushAwaitingAck(req.params.uaid, notification, windowMs);
    if (outcome === 'not-connected') return answer(reply, false);
    return reply.code(200).header(DELIVERY_HEADER, outcome).send();
  });

  app.put<{ Params: UaidParams }>('/notif/:uaid', async (req, reply) => {
    if (!UAID.test(req.params.uaid)) return badRequest(reply, 'uaid: must be 32 lowercase hex characters');
    return answer(reply, delivery.checkStorage(req.params.uaid));
  });

  app.delete<{ Params: UaidParams & { connectedAt: string } }>('/notif/:uaid/:connectedAt', async (req, reply) => {
    const { uaid, connectedAt } = req.params;
    if (!UAID.test(uaid)) return badRequest(reply, 'uaid: must be 32 lowercase hex characters');
    if (!CONNECTED_AT.test(connectedAt)) return badRequest(reply, 'connectedAt: must be milliseconds since the epoch');
    return answer(reply, delivery.disconnect(uaid, Number(connectedAt)));
  });

  app.get('/__lbheartbeat__', async (_req, reply) => reply.code(200).send());
  app.get('/__heartbeat__', async () => {
    const status = (await deps.healthCheck().catch(() => false)) ? 'OK' : 'ERROR';
    return { status, database: status };
  });
  return app;
}

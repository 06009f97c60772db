/**
 * The endpoint API's side of the abuse controls (src/abuse, docs/operations.md): before a push
 * route runs, a blocked client IP gets 403 and one over its rate 429; after it answered, a 404,
 * 410 or 401 counts against the IP in the penalty box (a token scan, a sender ignoring 410s).
 * Only the push API (`/wpush/…`, `/m/…`) and the bridge registration API (`/v1/{router_type}/
 * {app_id}/registration…`, docs/bridges.md) are covered; health and account routes are not.
 * Which request is a push request is read from the route the router matched, never from the raw
 * URL: `/%77push/…` reaches the same route and must meet the same checks (docs/security.md).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AbuseControls, Refusal } from '../abuse/abuse-controls.js';
import { ApiError } from '../errors/api-error.js';

const PENALIZED = new Set([401, 404, 410]);
/** The route patterns of the bridge registration API (src/bridges/routes/registration.ts). */
export const REGISTRATION_ROUTES = '/v1/:routerType/:appId/registration';

/** Whether the matched route pattern (not the request's URL) belongs to the push API. */
function isPushApi(route: string | undefined): boolean {
  return route !== undefined && (route.startsWith('/wpush/') || route.startsWith('/m/') || route.startsWith(REGISTRATION_ROUTES));
}

/** A refusal of the abuse controls as the ApiError the renderer answers with. */
export function refusalError(refusal: Refusal): ApiError {
  switch (refusal.kind) {
    case 'rate-limited':
      return new ApiError('rate-limited', undefined, { retryAfter: refusal.retryAfter });
    case 'ip-blocked':
      return new ApiError('ip-blocked', undefined, { retryAfter: refusal.retryAfter });
    case 'channel-limit':
      // Not an endpoint refusal; kept total for the type.
      return new ApiError('bad-request');
  }
}

const clientIps = new WeakMap<FastifyRequest, string>();

export function registerAbuseHooks(app: FastifyInstance, abuse: AbuseControls): void {
  app.addHook('onRequest', (req, _reply, done) => {
    if (!isPushApi(req.routeOptions.url)) return done();
    const ip = abuse.clientIp(req.socket.remoteAddress, req.headers['x-forwarded-for']);
    clientIps.set(req, ip);
    const refusal = abuse.admitIp(ip, 'endpoint');
    done(refusal === null ? undefined : refusalError(refusal));
  });
  app.addHook('onResponse', (req, reply, done) => {
    const ip = clientIps.get(req);
    if (ip !== undefined && PENALIZED.has(reply.statusCode)) abuse.recordBadOutcome(ip, String(reply.statusCode));
    done();
  });
}

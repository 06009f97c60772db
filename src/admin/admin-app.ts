/**
 * The admin port (docs/operations.md "Admin API and dashboard"): `GET /metrics` for Prometheus,
 * the admin API under `/admin/api/` and the dashboard page at `/admin/`. Every API route, and
 * `/metrics` when a token is set, needs `Authorization: Bearer <adminToken>`; without a token
 * the API and dashboard are off (404) and only `/metrics` is served.
 *
 * Access is decided per matched route (docs/security.md): each group of routes is a Fastify plugin
 * with its own `onRequest` check, so a percent-encoded, dot-segment or fragment spelling of a path
 * either reaches a route together with its check or reaches no route at all.
 *
 * Request logs name the route pattern only: the subscription lookup's query holds a push
 * endpoint, whose token must never reach a log.
 */
import { isIP } from 'node:net';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type onRequestHookHandler } from 'fastify';
import { isPrefixKey } from '../abuse/ip-key.js';
import { bearerChecker } from './admin-auth.js';
import type { BlocklistAdmin } from './blocklist-admin.js';
import { dashboardCss } from './dashboard/dashboard-css.js';
import { dashboardHtml } from './dashboard/dashboard-html.js';
import { dashboardJs } from './dashboard/dashboard-js.js';
import type { HeraldMetrics } from './metrics.js';
import type { RateHistory } from './rate-history.js';
import { LookupError, type SubscriptionState } from './subscription-lookup.js';
import type { SecurityEvent } from '../storage/accounts/account-store.js';

export interface AdminNodeInfo {
  role: string;
  /** The connection node id (router URL); null for an endpoint node. */
  nodeId: string | null;
  /** Epoch ms the process started serving. */
  startedAt: number;
}

export interface AdminDeps {
  /** The admin token; empty: API and dashboard off, `/metrics` open. */
  token: string;
  metrics: HeraldMetrics;
  rates: RateHistory;
  node: AdminNodeInfo;
  /** The shared blocklist; absent: the block routes answer 404. */
  blocks?: BlocklistAdmin;
  /** Abuse counters and table sizes, shown as they are. */
  abuse?: { counters(): object; sizes(): object };
  /** Subscription lookup by push endpoint URL. */
  lookup?: (endpoint: string) => Promise<SubscriptionState>;
  /** An account's security events by its (lowercased) email; null when there is no such account. */
  accountEvents?: (email: string) => Promise<SecurityEvent[] | null>;
  logger?: FastifyBaseLogger | false;
  /** Epoch ms clock (tests). */
  now?: () => number;
}

/** Longest block an admin may set: a year. Longer is a firewall rule's job. */
const MAX_BLOCK_SECONDS = 365 * 24 * 3600;
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

function problem(reply: FastifyReply, status: number, error: string): FastifyReply {
  return reply.code(status).type('application/json').send({ error });
}

function asset(reply: FastifyReply, type: string, body: string): FastifyReply {
  return reply
    .type(type)
    .header('content-security-policy', CSP)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('cache-control', 'no-store')
    .send(body);
}

export function buildAdminApp(deps: AdminDeps): FastifyInstance {
  const { metrics, token } = deps;
  const authorized = bearerChecker(token);
  const adminOff: onRequestHookHandler = (_req, reply) => void problem(reply, 404, 'the admin API is off: start Herald with --admin-token');
  const requireToken: onRequestHookHandler = (req, reply, done) => {
    if (authorized(req.headers.authorization)) return done();
    reply.header('www-authenticate', 'Bearer realm="herald-admin"');
    void problem(reply, 401, 'missing or wrong admin token (Authorization: Bearer <token>)');
  };
  const app = Fastify({
    ...(deps.logger ? { loggerInstance: deps.logger } : { logger: false }),
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 4096,
  });

  app.addHook('onResponse', (req, reply, done) => {
    req.log.info({ method: req.method, route: req.routeOptions.url ?? null, status: reply.statusCode, ms: Math.round(reply.elapsedTime) }, reply.statusCode >= 400 ? 'admin request rejected' : 'admin request');
    done();
  });
  app.setNotFoundHandler((_req, reply) => problem(reply, 404, 'not found'));
  app.setErrorHandler((err, req, reply) => {
    const status = (err as { statusCode?: number }).statusCode ?? 500;
    if (status >= 500) req.log.error({ err }, 'admin request failed');
    return problem(reply, status, status >= 500 ? 'internal error' : 'bad request');
  });

  // `/metrics`: open without a token (Prometheus on loopback), else the token.
  app.register(async (open) => {
    if (token !== '') open.addHook('onRequest', requireToken);
    open.get('/metrics', async (_req, reply) => reply.type(metrics.contentType).send(await metrics.exposition()));
  });

  // The dashboard's static files: public when the API is on (the page asks for the token), else off.
  app.register(async (page) => {
    if (token === '') page.addHook('onRequest', adminOff);
    page.get('/admin', (_req, reply) => reply.redirect('/admin/'));
    page.get('/admin/', (_req, reply) => asset(reply, 'text/html; charset=utf-8', dashboardHtml));
    page.get('/admin/dashboard.js', (_req, reply) => asset(reply, 'text/javascript; charset=utf-8', dashboardJs));
    page.get('/admin/dashboard.css', (_req, reply) => asset(reply, 'text/css; charset=utf-8', dashboardCss));
  });

  app.register(async (api) => {
    api.addHook('onRequest', token === '' ? adminOff : requireToken);
    apiRoutes(api, deps);
  });
  return app;
}

/** The admin API's routes; the caller puts them behind the token check. */
function apiRoutes(app: FastifyInstance, deps: AdminDeps): void {
  const { metrics, rates } = deps;
  const now = deps.now ?? Date.now;

  app.get('/admin/api/summary', async () => ({
    node: { ...deps.node, uptimeSeconds: Math.round((now() - deps.node.startedAt) / 1000) },
    connections: metrics.connections(),
    totals: { ...metrics.totals },
    abuse: deps.abuse ? { counters: deps.abuse.counters(), sizes: deps.abuse.sizes() } : null,
    blocks: deps.blocks ? (await deps.blocks.list()).length : null,
  }));

  app.get('/admin/api/rates', async () => ({ samples: rates.samples() }));

  app.get<{ Querystring: { limit?: string } }>('/admin/api/top-senders', async (req) => {
    const limit = Math.min(100, Math.max(1, Number.parseInt(req.query.limit ?? '20', 10) || 20));
    return { tracked: metrics.topSenders.size, senders: metrics.topSenders.top(limit) };
  });

  app.get('/admin/api/blocks', async (_req, reply) => (deps.blocks ? { blocks: await deps.blocks.list() } : problem(reply, 404, 'no blocklist on this node')));
  app.post<{ Body: { ip?: unknown; seconds?: unknown; reason?: unknown } }>('/admin/api/blocks', async (req, reply) => {
    if (!deps.blocks) return problem(reply, 404, 'no blocklist on this node');
    const { ip, seconds, reason } = req.body ?? {};
    if (typeof ip !== 'string' || isIP(ip) === 0) return problem(reply, 400, 'ip must be an IPv4 or IPv6 address');
    if (seconds !== undefined && (typeof seconds !== 'number' || !(seconds > 0) || seconds > MAX_BLOCK_SECONDS)) {
      return problem(reply, 400, `seconds must be a number above 0 and at most ${MAX_BLOCK_SECONDS}`);
    }
    if (reason !== undefined && (typeof reason !== 'string' || reason.length > 200)) return problem(reply, 400, 'reason must be a string of at most 200 characters');
    const entry = await deps.blocks.add(ip, seconds, reason === undefined || reason === '' ? undefined : `admin: ${reason}`);
    return reply.code(201).send(entry);
  });
  app.delete<{ Params: { ip: string } }>('/admin/api/blocks/:ip', async (req, reply) => {
    if (!deps.blocks) return problem(reply, 404, 'no blocklist on this node');
    // The penalty box blocks an IPv6 client by its /64 (`2001:db8:1:2::/64`, slash percent-encoded).
    if (isIP(req.params.ip) === 0 && !isPrefixKey(req.params.ip)) return problem(reply, 400, 'not an IP address or an IPv6 /64 block');
    return (await deps.blocks.lift(req.params.ip)) ? reply.code(204).send() : problem(reply, 404, 'that IP is not blocked');
  });

  // docs/accounts.md "Security events": the admin looks an account's events up by its email.
  app.get<{ Querystring: { email?: string } }>('/admin/api/account-events', async (req, reply) => {
    if (!deps.accountEvents) return problem(reply, 404, 'no accounts on this node');
    const email = typeof req.query.email === 'string' ? req.query.email.trim().toLowerCase() : '';
    if (email === '' || email.length > 255) return problem(reply, 400, 'give ?email=<account email>');
    const events = await deps.accountEvents(email);
    return events === null ? problem(reply, 404, 'no account with that email') : { email, events };
  });

  app.get<{ Querystring: { endpoint?: string } }>('/admin/api/subscription', async (req, reply) => {
    if (!deps.lookup) return problem(reply, 404, 'no subscription lookup on this node');
    const endpoint = req.query.endpoint;
    if (typeof endpoint !== 'string' || endpoint === '') return problem(reply, 400, 'give ?endpoint=<push endpoint URL>');
    try {
      return await deps.lookup(endpoint);
    } catch (err) {
      if (err instanceof LookupError) return problem(reply, 400, err.message);
      throw err;
    }
  });
}

/**
 * `POST /wpush/{v1|v2}/{token}` and `POST /wpush/{token}` (as v1): send a push
 * (docs/protocol.md#routes). 201 with `Location` and `TTL` on success, or 202 for a push that asks
 * for a receipt (`Push-Receipt`) with `Prefer: respond-async` (docs/protocol.md#push-message-receipts).
 *
 * `GET` on the same paths is UnifiedPush discovery (docs/compatibility.md#unifiedpush): application servers
 * check that an endpoint is a push endpoint before posting to it.
 */
import type { FastifyPluginCallback, FastifyReply, FastifyRequest } from 'fastify';
import { parseEndpointToken } from '../../crypto/endpoint-token.js';
import { refusalError } from '../abuse-hooks.js';
import type { EndpointContext } from '../context.js';
import { deliver, leftStoredCopy } from '../deliver.js';
import { parseNotification, pushHeadersFrom } from '../edge/notification.js';
import { prefersRespondAsync } from '../edge/push-receipt.js';
import { recordReceiptRequest } from '../receipt-request.js';
import { receiptLinkHeader } from '../../receipts/receipt-urls.js';

type PushParams = { Params: { version?: string; token: string } };

/** `{endpointUrl}/m/`, URL-joined like push endpoints are, so both share one base path. */
export function messageUrlBase(endpointUrl: string): string {
  return new URL('m/', endpointUrl).href;
}

/** A `connectedAt` later than any session's: every session of a reset uaid is stale (the largest the router port takes). */
const ANY_SESSION = 999_999_999_999_999;

/**
 * The stored-message maximum (src/abuse/stored-limit.ts); the push is stored already, so a failure
 * here only logs. A reset user agent that is connected is disconnected at once (as a takeover
 * would), so it comes back, finds its uaid gone and subscribes again instead of waiting on a
 * socket whose subscriptions all answer 410.
 */
async function applyStoredLimit(ctx: EndpointContext, uaid: string, log: FastifyRequest['log']): Promise<void> {
  try {
    const result = await ctx.abuse?.afterStored(uaid);
    if (result?.action === 'reset' && result.nodeId !== null) await ctx.router.disconnect(result.nodeId, uaid, ANY_SESSION);
  } catch (err) {
    log.warn({ err }, 'could not apply the stored-message maximum');
  }
}

export const webpushRoutes: FastifyPluginCallback<EndpointContext> = (app, ctx, done) => {
  // The body is opaque encrypted bytes and autopush ignores Content-Type (docs/protocol.md#request-headers), so a missing or
  // malformed one must not make Fastify refuse the request before we see it.
  app.addHook('onRequest', (req, _reply, next) => {
    delete req.headers['content-type'];
    next();
  });

  const messageBase = messageUrlBase(ctx.settings.endpointUrl);
  const receiptLink = ctx.receipts ? receiptLinkHeader(ctx.settings.endpointUrl) : undefined;

  const send = async (req: FastifyRequest<PushParams>, reply: FastifyReply) => {
    const { version = 'v1', token } = req.params;
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const parsed = parseNotification({ apiVersion: version, token, headers: pushHeadersFrom(req.headers), body }, ctx);
    const { uaid, notification, subscription } = parsed;
    const refused = ctx.abuse?.admitPush(uaid, notification.channelID, subscription.vapid && subscription.vapid.keyId);
    if (refused) throw refusalError(refused);
    if (parsed.receiptSubscriptionId !== null) await recordReceiptRequest(ctx, parsed, ctx.clientIp(req), req.log);
    const outcome = await deliver(
      { store: ctx.store, router: ctx.router, ackWindowMs: ctx.settings.ackWindowMs, log: req.log, ...(ctx.bridges ? { bridges: ctx.bridges } : {}) },
      uaid,
      notification,
    );
    if (leftStoredCopy(outcome, notification, ctx.settings.ackWindowMs)) await applyStoredLimit(ctx, uaid, req.log);
    ctx.metrics?.pushAccepted(outcome, subscription.vapid?.keyId ?? null, reply.elapsedTime / 1000);
    req.log.debug({ outcome, ttl: notification.ttl, bytes: body.length }, 'push accepted');
    // RFC 8030 §5, §5.1: 202 when a receipt was asked for with `Prefer: respond-async`.
    const prefer = req.headers.prefer;
    const accepted = parsed.receiptSubscriptionId !== null && prefersRespondAsync(Array.isArray(prefer) ? prefer.join(', ') : prefer);
    if (accepted) reply.header('preference-applied', 'respond-async');
    if (receiptLink !== undefined) reply.header('link', receiptLink);
    return reply
      .code(accepted ? 202 : 201)
      .header('location', messageBase + notification.version)
      .header('ttl', String(notification.ttl))
      .send();
  };

  const discover = async (req: FastifyRequest<PushParams>, reply: FastifyReply) => {
    parseEndpointToken(ctx.cipher, req.params.version ?? 'v1', req.params.token);
    // RFC 8030 §4: where the receipt subscribe resource is, for senders that want receipts.
    if (receiptLink !== undefined) reply.header('link', receiptLink);
    return { unifiedpush: { version: 1 } };
  };

  for (const path of ['/wpush/:version/:token', '/wpush/:token']) {
    app.post<PushParams>(path, send);
    app.get<PushParams>(path, discover);
  }
  done();
};

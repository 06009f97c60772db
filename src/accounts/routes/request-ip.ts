/** The client address of an account API request, as the limits key it (trusted proxies applied). */
import type { FastifyRequest } from 'fastify';
import type { AccountsContext } from '../context.js';

export function requestIp(ctx: Pick<AccountsContext, 'limits'>, req: FastifyRequest): string {
  return ctx.limits.clientIp(req.socket.remoteAddress, req.headers['x-forwarded-for']);
}

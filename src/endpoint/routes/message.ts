/**
 * `DELETE /m/{message_id}` (docs/protocol.md#routes): cancel a stored, undelivered message. The
 * encrypted id is the capability, so there is no other authentication; the answer is 204
 * whether or not anything was stored, so the id reveals nothing about delivery.
 */
import type { FastifyPluginCallback, FastifyRequest } from 'fastify';
import { parseMessageId } from '../../crypto/message-id.js';
import type { EndpointContext } from '../context.js';
import { storeApiError } from '../store-errors.js';

export const messageRoutes: FastifyPluginCallback<EndpointContext> = (app, ctx, done) => {
  app.delete('/m/:messageId', async (req: FastifyRequest<{ Params: { messageId: string } }>, reply) => {
    const { messageId } = req.params;
    const { uaid } = parseMessageId(ctx.cipher, messageId);
    try {
      await ctx.store.removeMessage(uaid, messageId);
    } catch (err) {
      req.log.error({ err }, 'storage failed while deleting a message');
      throw storeApiError(err);
    }
    return reply.code(204).send();
  });
  done();
};

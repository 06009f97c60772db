/** The messages API of the recipe (docs/device-messages.md#the-messages-api-2018-recipe): send to a device, read one's own. */
import type { FastifyPluginCallback } from 'fastify';
import { authenticate } from '../../accounts/authenticate.js';
import { requireVerifiedEmail } from '../../accounts/email-verification.js';
import type { AccountsContext } from '../../accounts/context.js';
import { parseDeviceMessage } from '../edge/device-message.js';
import { parseMessagesQuery } from '../edge/read-query.js';
import { readMessages, sendMessage } from '../messages.js';

export const messageRoutes: FastifyPluginCallback<AccountsContext> = (app, ctx, done) => {
  app.post('/v1/account/devices/messages', async (req) => {
    const auth = await authenticate(ctx, req.headers.authorization);
    await requireVerifiedEmail(ctx, auth);
    return sendMessage(ctx, auth, parseDeviceMessage(req.body));
  });
  app.get('/v1/account/device/messages', async (req) => {
    const auth = await authenticate(ctx, req.headers.authorization);
    return readMessages(ctx, auth, parseMessagesQuery(req.query));
  });
  done();
};

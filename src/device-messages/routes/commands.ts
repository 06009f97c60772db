/** Device commands (docs/device-messages.md#device-commands-send-tab): invoke on a target, read one's own. */
import type { FastifyPluginCallback } from 'fastify';
import { authenticate } from '../../accounts/authenticate.js';
import { requireVerifiedEmail } from '../../accounts/email-verification.js';
import type { AccountsContext } from '../../accounts/context.js';
import { invokeCommand, readCommands } from '../commands.js';
import { parseCommandInvocation } from '../edge/invoke-command.js';
import { parseReadQuery } from '../edge/read-query.js';

export const commandRoutes: FastifyPluginCallback<AccountsContext> = (app, ctx, done) => {
  app.post('/v1/account/devices/invoke_command', async (req) => {
    const auth = await authenticate(ctx, req.headers.authorization);
    await requireVerifiedEmail(ctx, auth);
    return invokeCommand(ctx, auth, parseCommandInvocation(req.body));
  });
  app.get('/v1/account/device/commands', async (req) => {
    const auth = await authenticate(ctx, req.headers.authorization);
    return readCommands(ctx, auth, parseReadQuery(req.query));
  });
  done();
};

/**
 * Account and session routes (docs/device-messages.md#accounts-and-sessions): create, sign in, sign
 * out, profile,
 * delete. Bodies become typed values in `edge/`; the work is in `accounts.ts`.
 */
import type { FastifyPluginCallback } from 'fastify';
import { z } from 'zod';
import { createAccount, destroyAccount, getProfile, signIn, signOut, updateProfile } from '../accounts.js';
import { authenticate } from '../authenticate.js';
import { requireVerifiedEmail } from '../email-verification.js';
import type { AccountsContext } from '../context.js';
import { parseCredentials, parsePassword } from '../edge/credentials.js';
import { deviceNameSchema } from '../edge/device-registration.js';
import { parseWith } from '../edge/parse.js';
import { requestIp } from './request-ip.js';
import { listEvents } from '../security-events.js';
import { confirmSignIn, resendConfirmation } from '../sign-in-confirmation.js';
import { codeSchema } from './email.js';

const confirmBody = z.object({ code: codeSchema });
const profileSchema = z.object({ displayName: deviceNameSchema.nullable() }).strict();

export const accountRoutes: FastifyPluginCallback<AccountsContext> = (app, ctx, done) => {
  app.post('/v1/account/create', async (req) => createAccount(ctx, parseCredentials(req.body), requestIp(ctx, req), req.headers['user-agent'] ?? ''));
  app.post('/v1/account/login', async (req) => signIn(ctx, parseCredentials(req.body), requestIp(ctx, req), req.headers['user-agent'] ?? ''));

  // Sign-in confirmation (docs/accounts.md): with sign-out, what an unconfirmed session may call.
  app.post('/v1/session/verify_code', async (req) => {
    const session = await authenticate(ctx, req.headers.authorization, { allowUnverified: true });
    return confirmSignIn(ctx, session, parseWith(confirmBody, req.body).code, requestIp(ctx, req));
  });
  app.post('/v1/session/resend_code', async (req) => {
    const session = await authenticate(ctx, req.headers.authorization, { allowUnverified: true });
    await resendConfirmation(ctx, session, requestIp(ctx, req), req.headers['user-agent'] ?? '');
    return {};
  });

  app.post('/v1/session/destroy', async (req) => {
    await signOut(ctx, await authenticate(ctx, req.headers.authorization, { allowUnverified: true }));
    return {};
  });

  app.get('/v1/account/profile', async (req) => getProfile(ctx, await authenticate(ctx, req.headers.authorization)));
  app.post('/v1/account/profile', async (req) => {
    const auth = await authenticate(ctx, req.headers.authorization);
    await requireVerifiedEmail(ctx, auth);
    await updateProfile(ctx, auth, parseWith(profileSchema, req.body).displayName);
    return {};
  });

  app.get('/v1/account/security_events', async (req) => listEvents(ctx, await authenticate(ctx, req.headers.authorization)));

  app.post('/v1/account/destroy', async (req) => {
    const auth = await authenticate(ctx, req.headers.authorization);
    await destroyAccount(ctx, auth, parsePassword(req.body), requestIp(ctx, req));
    return {};
  });
  done();
};

/** Two-step authentication routes (docs/accounts.md "Two-step authentication"), FxA's names. */
import type { FastifyPluginCallback } from 'fastify';
import { z } from 'zod';
import { authenticate } from '../authenticate.js';
import type { AccountsContext } from '../context.js';
import { parseWith } from '../edge/parse.js';
import {
  confirmTotp,
  createTotp,
  destroyTotp,
  regenerateRecoveryCodes,
  totpStatus,
  verifySessionWithRecoveryCode,
  verifySessionWithTotp,
} from '../two-step.js';
import { requestIp } from './request-ip.js';

const totpBody = z.object({ code: z.string().regex(/^\d{6}$/, 'must be the 6-digit code of the authenticator app') });
const recoveryBody = z.object({ code: z.string().regex(/^[A-Za-z2-7]{10}$/, 'must be a 10-character recovery code') });

export const twoStepRoutes: FastifyPluginCallback<AccountsContext> = (app, ctx, done) => {
  const auth = (authorization: string | undefined) => authenticate(ctx, authorization);
  app.post('/v1/totp/create', async (req) => createTotp(ctx, await auth(req.headers.authorization)));
  app.post('/v1/totp/verify', async (req) => confirmTotp(ctx, await auth(req.headers.authorization), parseWith(totpBody, req.body).code, requestIp(ctx, req)));
  app.get('/v1/totp/exists', async (req) => totpStatus(ctx, await auth(req.headers.authorization)));
  app.post('/v1/totp/destroy', async (req) => {
    await destroyTotp(ctx, await auth(req.headers.authorization));
    return {};
  });
  app.post('/v1/recovery_codes', async (req) => regenerateRecoveryCodes(ctx, await auth(req.headers.authorization)));

  // The second step of a sign-in: the only routes (with sign-out) an unverified session may call.
  app.post('/v1/session/verify/totp', async (req) => {
    const session = await authenticate(ctx, req.headers.authorization, { allowUnverified: true });
    return verifySessionWithTotp(ctx, session, parseWith(totpBody, req.body).code, requestIp(ctx, req));
  });
  app.post('/v1/session/verify/recovery_code', async (req) => {
    const session = await authenticate(ctx, req.headers.authorization, { allowUnverified: true });
    return verifySessionWithRecoveryCode(ctx, session, parseWith(recoveryBody, req.body).code, requestIp(ctx, req));
  });
  done();
};

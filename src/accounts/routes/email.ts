/**
 * Email verification routes (docs/accounts.md "Email verification"), FxA's names: the status, a
 * new code, and the code entered back.
 */
import type { FastifyPluginCallback } from 'fastify';
import { z } from 'zod';
import { authenticate } from '../authenticate.js';
import type { AccountsContext } from '../context.js';
import { emailStatus, resendVerificationCode, verifyEmail } from '../email-verification.js';
import { parseWith } from '../edge/parse.js';

/** A mailed code: digits, spaces and dashes allowed as people type them. */
export const codeSchema = z
  .string()
  .max(32)
  .transform((c) => c.replace(/[\s-]/g, ''))
  .pipe(z.string().regex(/^\d{8}$/, 'must be the 8-digit code from the mail'));

const verifyBody = z.object({ code: codeSchema });

export const emailRoutes: FastifyPluginCallback<AccountsContext> = (app, ctx, done) => {
  app.get('/v1/recovery_email/status', async (req) => emailStatus(ctx, await authenticate(ctx, req.headers.authorization)));
  app.post('/v1/recovery_email/resend_code', async (req) => {
    await resendVerificationCode(ctx, await authenticate(ctx, req.headers.authorization));
    return {};
  });
  app.post('/v1/recovery_email/verify_code', async (req) => {
    const auth = await authenticate(ctx, req.headers.authorization);
    return verifyEmail(ctx, auth, parseWith(verifyBody, req.body).code);
  });
  done();
};

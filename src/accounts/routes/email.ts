/**
 * Email routes (docs/accounts.md "Email verification", "Secondary emails"), FxA's names: the
 * primary address's status, a new code and the code entered back; the list of addresses, and
 * adding, verifying, removing and making primary a secondary address.
 */
import type { FastifyPluginCallback } from 'fastify';
import { z } from 'zod';
import { authenticate } from '../authenticate.js';
import type { AccountsContext } from '../context.js';
import { emailStatus, resendVerificationCode, verifyEmail } from '../email-verification.js';
import { wrapKbSchema } from '../account-keys.js';
import { emailSchema } from '../edge/credentials.js';
import { parseWith } from '../edge/parse.js';
import { addEmail, listEmails, makePrimary, removeEmail, resendEmailCode, verifyEmailCode } from '../secondary-emails.js';
import { requestIp } from './request-ip.js';

/** A mailed code: digits, spaces and dashes allowed as people type them. */
export const codeSchema = z
  .string()
  .max(32)
  .transform((c) => c.replace(/[\s-]/g, ''))
  .pipe(z.string().regex(/^\d{8}$/, 'must be the 8-digit code from the mail'));

const verifyBody = z.object({ code: codeSchema });
const emailBody = z.object({ email: emailSchema });
const secondaryCodeBody = z.object({ email: emailSchema, code: codeSchema });
const setPrimaryBody = z
  .object({
    email: emailSchema,
    oldPassword: z.string().min(1).max(1024).optional(),
    newPassword: z.string().min(8, 'must be at least 8 characters').max(1024).optional(),
    wrapKB: wrapKbSchema.optional(),
  })
  .refine((b) => (b.oldPassword === undefined) === (b.newPassword === undefined), 'oldPassword and newPassword come together')
  .refine((b) => b.wrapKB === undefined || b.newPassword !== undefined, 'wrapKB comes with newPassword');

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

  app.get('/v1/recovery_emails', async (req) => listEmails(ctx, await authenticate(ctx, req.headers.authorization)));
  app.post('/v1/recovery_email', async (req) => {
    const auth = await authenticate(ctx, req.headers.authorization);
    await addEmail(ctx, auth, parseWith(emailBody, req.body).email, requestIp(ctx, req));
    return {};
  });
  app.post('/v1/recovery_email/secondary/resend_code', async (req) => {
    const auth = await authenticate(ctx, req.headers.authorization);
    await resendEmailCode(ctx, auth, parseWith(emailBody, req.body).email);
    return {};
  });
  app.post('/v1/recovery_email/secondary/verify_code', async (req) => {
    const auth = await authenticate(ctx, req.headers.authorization);
    const { email, code } = parseWith(secondaryCodeBody, req.body);
    await verifyEmailCode(ctx, auth, email, code, requestIp(ctx, req));
    return {};
  });
  app.post('/v1/recovery_email/destroy', async (req) => {
    const auth = await authenticate(ctx, req.headers.authorization);
    await removeEmail(ctx, auth, parseWith(emailBody, req.body).email, requestIp(ctx, req));
    return {};
  });
  app.post('/v1/recovery_email/set_primary', async (req) => {
    const auth = await authenticate(ctx, req.headers.authorization);
    const body = parseWith(setPrimaryBody, req.body);
    const rekey =
      body.oldPassword !== undefined && body.newPassword !== undefined
        ? { oldPassword: body.oldPassword, newPassword: body.newPassword, ...(body.wrapKB !== undefined ? { wrapKB: body.wrapKB } : {}) }
        : undefined;
    await makePrimary(ctx, auth, body.email, requestIp(ctx, req), rekey);
    return {};
  });
  done();
};

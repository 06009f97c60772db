/**
 * Password, key and recovery-key routes (docs/accounts.md "Password", "Keys", "Account recovery
 * key"), with FxA's names where FxA has the route.
 */
import type { FastifyPluginCallback } from 'fastify';
import { z } from 'zod';
import { deleteRecoveryKey, getWrapKb, recoveryDataSchema, recoveryKeyExists, recoveryKeyIdSchema, setRecoveryKey, setWrapKb, wrapKbSchema } from '../account-keys.js';
import { authenticate } from '../authenticate.js';
import type { AccountsContext } from '../context.js';
import { parseWith } from '../edge/parse.js';
import { changePassword, resetPassword, sendResetCode, verifyResetCode } from '../password-change.js';
import { requireVerifiedEmail } from '../email-verification.js';
import { codeSchema } from './email.js';
import { requestIp } from './request-ip.js';

const emailSchema = z
  .string()
  .trim()
  .max(255)
  .regex(/^[^\s@]+@[^\s@]+$/, 'must be an email address')
  .transform((e) => e.toLowerCase());
const passwordSchema = z.string().min(8, 'must be at least 8 characters').max(1024);

const changeBody = z.object({ oldPassword: z.string().min(1).max(1024), newPassword: passwordSchema, wrapKB: wrapKbSchema.optional() });
const forgotBody = z.object({ email: emailSchema });
const verifyBody = z.object({ email: emailSchema, code: codeSchema, recoveryKeyId: recoveryKeyIdSchema.optional() });
const resetBody = z.object({
  email: emailSchema,
  resetToken: z.string().regex(/^[0-9a-f]{64}$/, 'must be the 64-hex reset token'),
  newPassword: passwordSchema,
  wrapKB: wrapKbSchema.optional(),
  keepKeys: z.boolean().optional(),
});
const keysBody = z.object({ wrapKB: wrapKbSchema });
const recoveryKeyBody = z.object({ recoveryKeyId: recoveryKeyIdSchema, recoveryData: recoveryDataSchema });

/** Drop absent optional fields, so `exactOptionalPropertyTypes` holds. */
function defined<T extends object>(o: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as { [K in keyof T]: Exclude<T[K], undefined> };
}

export const passwordRoutes: FastifyPluginCallback<AccountsContext> = (app, ctx, done) => {
  app.post('/v1/password/change', async (req) => {
    const auth = await authenticate(ctx, req.headers.authorization);
    await changePassword(ctx, auth, defined(parseWith(changeBody, req.body)), requestIp(ctx, req));
    return {};
  });
  app.post('/v1/password/forgot/send_code', async (req) => {
    await sendResetCode(ctx, parseWith(forgotBody, req.body).email, requestIp(ctx, req));
    return {};
  });
  app.post('/v1/password/forgot/verify_code', async (req) => {
    const b = parseWith(verifyBody, req.body);
    return verifyResetCode(ctx, b.email, b.code, b.recoveryKeyId, requestIp(ctx, req));
  });
  app.post('/v1/password/forgot/reset', async (req) => resetPassword(ctx, defined(parseWith(resetBody, req.body)), requestIp(ctx, req)));

  app.get('/v1/account/keys', async (req) => getWrapKb(ctx, await authenticate(ctx, req.headers.authorization)));
  app.post('/v1/account/keys', async (req) => {
    await setWrapKb(ctx, await authenticate(ctx, req.headers.authorization), parseWith(keysBody, req.body).wrapKB);
    return {};
  });

  app.post('/v1/recovery_key', async (req) => {
    const auth = await authenticate(ctx, req.headers.authorization);
    await requireVerifiedEmail(ctx, auth);
    const b = parseWith(recoveryKeyBody, req.body);
    await setRecoveryKey(ctx, auth, { id: b.recoveryKeyId, data: b.recoveryData });
    return {};
  });
  app.get('/v1/recovery_key/exists', async (req) => recoveryKeyExists(ctx, await authenticate(ctx, req.headers.authorization)));
  app.post('/v1/recovery_key/destroy', async (req) => {
    await deleteRecoveryKey(ctx, await authenticate(ctx, req.headers.authorization));
    return {};
  });
  done();
};

/**
 * Verification of the account's email address (docs/accounts.md "Email verification"): a code
 * mailed to the address, entered back with a session of the account. With `emailVerification`
 * on, an unverified account may only sign in and out, read its profile and verification status,
 * ask for and enter codes, and delete itself; everything else is `unverified-account`.
 */
import { ApiError } from '../errors/api-error.js';
import type { AuthContext } from './authenticate.js';
import type { AccountsContext } from './context.js';
import { issueCode, useCode } from './one-time-code.js';
import { recordEvent } from './security-events.js';
import { sendMailNow } from './send-mail.js';

export interface EmailStatus {
  email: string;
  verified: boolean;
}

async function account(ctx: AccountsContext, uid: string) {
  const found = await ctx.store.getAccount(uid);
  if (found === null) throw new ApiError('invalid-session-token');
  return found;
}

/** Mail a new code to the account's address (replacing any earlier one); nothing when already verified. */
export async function sendVerificationCode(ctx: AccountsContext, uid: string): Promise<void> {
  const found = await account(ctx, uid);
  if (found.emailVerified) return;
  if (ctx.mailer === null) throw new ApiError('mail-not-configured');
  const code = await issueCode(ctx, uid, 'verify-email');
  await sendMailNow(ctx, found.email, { kind: 'verify-email', code, minutes: Math.ceil(ctx.settings.codeLifetime / 60) });
}

/** Ask for a code again (a write: the per-account rate limit bounds the mails). */
export async function resendVerificationCode(ctx: AccountsContext, auth: AuthContext): Promise<void> {
  ctx.limits.admitWrite(auth.uid);
  await sendVerificationCode(ctx, auth.uid);
}

/** @throws ApiError `invalid-code`, `code-expired`, `code-attempts-exhausted`. */
export async function verifyEmail(ctx: AccountsContext, auth: AuthContext, code: string): Promise<EmailStatus> {
  const found = await account(ctx, auth.uid);
  if (found.emailVerified) return { email: found.email, verified: true };
  await useCode(ctx, auth.uid, 'verify-email', code);
  await ctx.store.updateAccount(auth.uid, { emailVerified: true });
  await recordEvent(ctx, auth.uid, 'email-verified');
  return { email: found.email, verified: true };
}

export async function emailStatus(ctx: AccountsContext, auth: AuthContext): Promise<EmailStatus> {
  const found = await account(ctx, auth.uid);
  return { email: found.email, verified: found.emailVerified };
}

/** @throws ApiError `unverified-account` when verification is on and this account has not confirmed its address. */
export async function requireVerifiedEmail(ctx: AccountsContext, auth: AuthContext): Promise<void> {
  if (!ctx.settings.emailVerification) return;
  if (!(await account(ctx, auth.uid)).emailVerified) throw new ApiError('unverified-account');
}

/**
 * Secondary email addresses (docs/accounts.md "Secondary emails"), FxA's recovery-emails model:
 * an account has one primary address, the only one that signs in, and up to
 * `maxSecondaryEmails` secondary ones. A new secondary gets a code by mail and is unverified until
 * the code comes back; a verified one can become the primary, and the old primary then becomes a
 * secondary. Every change is a security event and a notice to the primary address (on a change
 * of primary: to the old and the new one). An address belongs to at most one account, as its
 * primary or a secondary; the store checks that atomically.
 */
import { ApiError } from '../errors/api-error.js';
import type { SecondaryEmail } from '../storage/accounts/account-store.js';
import { accountEvents } from './account-events.js';
import { WRAP_KB } from './account-keys.js';
import { checkPassword } from './accounts.js';
import { hashPassword } from './password.js';
import type { AuthContext } from './authenticate.js';
import type { AccountsContext } from './context.js';
import { requireVerifiedEmail } from './email-verification.js';
import { notifyDevicesLater } from './notify-devices.js';
import { issueCode, useCode } from './one-time-code.js';
import { recordEvent } from './security-events.js';
import { sendMailNow, sendNoticeLater } from './send-mail.js';

/** One row of `GET /v1/recovery_emails`: the primary first, then the secondaries, oldest first. */
export interface EmailListing {
  email: string;
  verified: boolean;
  isPrimary: boolean;
}

async function accountOf(ctx: AccountsContext, uid: string) {
  const found = await ctx.store.getAccount(uid);
  if (found === null) throw new ApiError('invalid-session-token');
  return found;
}

async function secondaryOf(ctx: AccountsContext, uid: string, email: string): Promise<SecondaryEmail> {
  const found = (await ctx.store.listSecondaryEmails(uid)).find((e) => e.email === email);
  if (found === undefined) throw new ApiError('unknown-email');
  return found;
}

export async function listEmails(ctx: AccountsContext, auth: AuthContext): Promise<EmailListing[]> {
  const account = await accountOf(ctx, auth.uid);
  const secondaries = await ctx.store.listSecondaryEmails(auth.uid);
  return [
    { email: account.email, verified: account.emailVerified, isPrimary: true },
    ...secondaries.map((e) => ({ email: e.email, verified: e.verified, isPrimary: false })),
  ];
}

async function mailCode(ctx: AccountsContext, uid: string, email: string): Promise<void> {
  const code = await issueCode(ctx, uid, 'verify-secondary-email', email);
  await sendMailNow(ctx, email, { kind: 'verify-secondary-email', code, minutes: Math.ceil(ctx.settings.codeLifetime / 60) });
}

/**
 * Add an unverified secondary address and mail it a code (a write: the per-account rate limit).
 * @throws ApiError `email-is-primary`, `email-taken`, `too-many-emails`, `mail-not-configured`.
 */
export async function addEmail(ctx: AccountsContext, auth: AuthContext, email: string, ip: string): Promise<void> {
  ctx.limits.admitWrite(auth.uid);
  await requireVerifiedEmail(ctx, auth);
  if (ctx.mailer === null) throw new ApiError('mail-not-configured');
  const account = await accountOf(ctx, auth.uid);
  if (account.email === email) throw new ApiError('email-is-primary');
  const added = await ctx.store.addSecondaryEmail(auth.uid, email, ctx.clock.now(), ctx.settings.maxSecondaryEmails);
  if (added === 'taken') throw new ApiError('email-taken');
  if (added === 'limit') throw new ApiError('too-many-emails', `This account has the most secondary addresses allowed (${ctx.settings.maxSecondaryEmails}): remove one first`);
  if (added === 'no-account') throw new ApiError('invalid-session-token');
  await recordEvent(ctx, auth.uid, 'secondary-email-added', ip);
  sendNoticeLater(ctx, account.email, `The address ${email} was added to your account`);
  // The address stays (unverified) when the mail fails: resend_code asks again.
  await mailCode(ctx, auth.uid, email);
}

/** Mail a new code to an unverified secondary address, replacing the earlier one. */
export async function resendEmailCode(ctx: AccountsContext, auth: AuthContext, email: string): Promise<void> {
  ctx.limits.admitWrite(auth.uid);
  const found = await secondaryOf(ctx, auth.uid, email);
  if (found.verified) return;
  if (ctx.mailer === null) throw new ApiError('mail-not-configured');
  await mailCode(ctx, auth.uid, email);
}

/**
 * Enter the code mailed to a secondary address. The code is the account's latest for this
 * purpose and names the address it went to: a code of another address is `invalid-code`.
 * @throws ApiError `unknown-email`, `invalid-code`, `code-expired`, `code-attempts-exhausted`.
 */
export async function verifyEmailCode(ctx: AccountsContext, auth: AuthContext, email: string, code: string, ip: string): Promise<void> {
  const found = await secondaryOf(ctx, auth.uid, email);
  if (found.verified) return;
  const sentTo = await useCode(ctx, auth.uid, 'verify-secondary-email', code);
  if (sentTo !== email) throw new ApiError('invalid-code', 'This code was sent to another address');
  if (!(await ctx.store.verifySecondaryEmail(auth.uid, email))) throw new ApiError('unknown-email');
  await recordEvent(ctx, auth.uid, 'secondary-email-verified', ip);
  sendNoticeLater(ctx, (await accountOf(ctx, auth.uid)).email, `The address ${email} was confirmed as a secondary address of your account`);
}

/** @throws ApiError `unknown-email` (the primary is never removed: make another one primary first). */
export async function removeEmail(ctx: AccountsContext, auth: AuthContext, email: string, ip: string): Promise<void> {
  ctx.limits.admitWrite(auth.uid);
  const account = await accountOf(ctx, auth.uid);
  if (account.email === email) throw new ApiError('unknown-email', 'The primary address cannot be removed: make another address primary first');
  if (!(await ctx.store.removeSecondaryEmail(auth.uid, email))) throw new ApiError('unknown-email');
  await recordEvent(ctx, auth.uid, 'secondary-email-removed', ip);
  sendNoticeLater(ctx, account.email, `The address ${email} was removed from your account`);
}

/**
 * The password re-stretched with the new address, for clients that derive the password they
 * send from the address (the SDK and the account page: src/sdk/account-secrets.ts): without it
 * such a client could not sign in with the new primary.
 */
export interface Rekey {
  /** What the client sends as the password today (derived from the old primary). */
  oldPassword: string;
  /** The same password derived from the new primary. */
  newPassword: string;
  /** kB wrapped under the new password; required when the account keeps a `wrapKB`. */
  wrapKB?: string;
}

/**
 * Make a verified secondary address the primary one (the one that signs in); the old primary
 * becomes a secondary. With `rekey`, the password hash (and `wrapKB`) change in the same request,
 * after the old password was checked with the sign-in limits. Both addresses are told by mail,
 * and the devices hear `profile_updated`.
 * @throws ApiError `unknown-email`, `email-unverified`, `incorrect-password`, `invalid-parameter`.
 */
export async function makePrimary(ctx: AccountsContext, auth: AuthContext, email: string, ip: string, rekey?: Rekey): Promise<void> {
  ctx.limits.admitWrite(auth.uid);
  await requireVerifiedEmail(ctx, auth);
  const account = await accountOf(ctx, auth.uid);
  if (account.email === email) return;
  const found = await secondaryOf(ctx, auth.uid, email);
  if (!found.verified) throw new ApiError('email-unverified');
  let newHash: string | null = null;
  if (rekey !== undefined) {
    await checkPassword(ctx, { email: account.email, password: rekey.oldPassword }, ip, async () => account);
    if (rekey.wrapKB === undefined && (await ctx.store.getAccountSecret(auth.uid, WRAP_KB)) !== null) {
      throw new ApiError('invalid-parameter', 'wrapKB is required: this account keeps keys wrapped under the password');
    }
    newHash = await hashPassword(rekey.newPassword, ctx.settings.passwordCost);
  }
  if (!(await ctx.store.makeEmailPrimary(auth.uid, email, ctx.clock.now()))) throw new ApiError('unknown-email');
  if (newHash !== null) await ctx.store.updateAccount(auth.uid, { passwordHash: newHash });
  if (rekey?.wrapKB !== undefined) await ctx.store.setAccountSecret(auth.uid, WRAP_KB, rekey.wrapKB);
  await recordEvent(ctx, auth.uid, 'primary-email-changed', ip);
  const what = `The primary address of your account changed from ${account.email} to ${email}; sign in with ${email} from now on`;
  sendNoticeLater(ctx, account.email, what);
  sendNoticeLater(ctx, email, what);
  notifyDevicesLater(ctx, await ctx.store.listDevices(auth.uid), accountEvents.profileUpdated());
}

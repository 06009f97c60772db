/**
 * Changing and resetting the password (docs/accounts.md "Password"). Both sign out sessions and
 * tell the devices; both mail the owner a notice.
 *
 * - **Change** (old password + a session): the new password's hash, and `wrapKB` re-wrapped by
 *   the client under the new password (the key material stays the same); every other session
 *   is signed out with its device; devices hear `password_changed`.
 * - **Forgot** (an emailed code, no session): the code gives a short-lived reset token, and with
 *   it a new password. Without the recovery key the end-to-end keys are reset: the old `wrapKB`
 *   (and the recovery data, which wraps the old key) are dropped and the client sends a new
 *   `wrapKB`, and every session is signed out with its device. With the recovery key (its id
 *   given with the code) the client re-wraps the same kB, so devices keep working: only
 *   sessions without a device are signed out. Devices hear `password_reset` either way.
 */
import { createHash, randomBytes } from 'node:crypto';
import { ApiError } from '../errors/api-error.js';
import { accountEvents } from './account-events.js';
import { RECOVERY_KEY, recoveryDataFor, WRAP_KB } from './account-keys.js';
import { checkPassword, startSession, type SignedIn } from './accounts.js';
import type { AuthContext } from './authenticate.js';
import type { AccountsContext } from './context.js';
import { notifyDevicesLater } from './notify-devices.js';
import { issueCode, useCode } from './one-time-code.js';
import { hashPassword } from './password.js';
import { sendMailNow, sendNoticeLater } from './send-mail.js';
import { sameId } from './session-token.js';
import { recordEvent } from './security-events.js';

export interface PasswordChange {
  oldPassword: string;
  newPassword: string;
  /** Required when the account keeps a `wrapKB`: kB wrapped under the new password. */
  wrapKB?: string;
}

/**
 * @throws ApiError `incorrect-password` (with the sign-in limits), `invalid-parameter` when
 *   `wrapKB` is missing for an account with keys.
 */
export async function changePassword(ctx: AccountsContext, auth: AuthContext, change: PasswordChange, ip: string): Promise<void> {
  const account = await ctx.store.getAccount(auth.uid);
  if (account === null) throw new ApiError('invalid-session-token');
  await checkPassword(ctx, { email: account.email, password: change.oldPassword }, ip, async () => account);
  const hasKeys = (await ctx.store.getAccountSecret(auth.uid, WRAP_KB)) !== null;
  if (hasKeys && change.wrapKB === undefined) {
    throw new ApiError('invalid-parameter', 'wrapKB is required: this account keeps keys wrapped under the password');
  }
  await ctx.store.updateAccount(auth.uid, { passwordHash: await hashPassword(change.newPassword, ctx.settings.passwordCost) });
  if (change.wrapKB !== undefined) await ctx.store.setAccountSecret(auth.uid, WRAP_KB, change.wrapKB);
  const devices = await ctx.store.listDevices(auth.uid);
  const gone = await ctx.store.deleteOtherSessions(auth.uid, auth.sessionId);
  for (const id of gone) await ctx.mailbox.deleteDevice(auth.uid, id);
  await recordEvent(ctx, auth.uid, 'password-changed', ip);
  notifyDevicesLater(ctx, devices, accountEvents.passwordChanged());
  sendNoticeLater(ctx, account.email, 'Your password was changed, and your other devices were signed out');
}

/** Mail a reset code when the email has an account; the answer is the same either way. */
export async function sendResetCode(ctx: AccountsContext, email: string, ip: string): Promise<void> {
  // The sign-in limits: this is a way to probe emails and to make Herald send mail.
  ctx.limits.admitLogin(ip, email);
  if (ctx.mailer === null) throw new ApiError('mail-not-configured');
  const account = await ctx.store.findAccountByEmail(email);
  if (account === null) return;
  const code = await issueCode(ctx, account.uid, 'reset-password');
  await sendMailNow(ctx, account.email, { kind: 'reset-password', code, minutes: Math.ceil(ctx.settings.codeLifetime / 60) });
}

export interface ResetGrant {
  resetToken: string;
  /** kB sealed under the recovery key, when `recoveryKeyId` named it; else null. */
  recoveryData: string | null;
}

/**
 * Trade the mailed code for a reset token (alive as long as a code, single use).
 * @throws ApiError `invalid-code` (also for an unknown email), `code-expired`, `code-attempts-exhausted`.
 */
export async function verifyResetCode(ctx: AccountsContext, email: string, code: string, recoveryKeyId: string | undefined, ip: string): Promise<ResetGrant> {
  ctx.limits.admitLogin(ip, email);
  const account = await ctx.store.findAccountByEmail(email);
  if (account === null) throw new ApiError('invalid-code');
  await useCode(ctx, account.uid, 'reset-password', code);
  const recoveryData = recoveryKeyId === undefined ? null : await recoveryDataFor(ctx, account.uid, recoveryKeyId);
  const resetToken = randomBytes(32).toString('hex');
  // The token is kept like a code (hashed, short-lived, bounded tries); its data says whether the recovery key was shown.
  await ctx.store.putCode({
    uid: account.uid,
    purpose: 'reset-token',
    codeHash: resetTokenHash(account.uid, resetToken),
    expiresAt: ctx.clock.now() + ctx.settings.codeLifetime * 1000,
    attempts: 0,
    data: recoveryData === null ? 'keys-reset' : 'keys-kept',
  });
  return { resetToken, recoveryData };
}

export interface PasswordReset {
  email: string;
  resetToken: string;
  newPassword: string;
  /** kB (new, or the recovered one) wrapped under the new password. */
  wrapKB?: string;
  /** True when the client recovered kB with the recovery key (it must have shown the key's id). */
  keepKeys?: boolean;
}

/**
 * Set the new password with a reset token; answers a new session.
 * @throws ApiError `invalid-code` (a wrong, used or unknown token), `code-expired`,
 *   `code-attempts-exhausted`; `invalid-parameter` for `keepKeys` without the recovery key.
 */
export async function resetPassword(ctx: AccountsContext, reset: PasswordReset, ip: string): Promise<SignedIn> {
  ctx.limits.admitLogin(ip, reset.email);
  const account = await ctx.store.findAccountByEmail(reset.email);
  if (account === null) throw new ApiError('invalid-code');
  const stored = await ctx.store.attemptCode(account.uid, 'reset-token');
  if (stored === null) throw new ApiError('invalid-code');
  if (stored.expiresAt <= ctx.clock.now() || stored.attempts > ctx.settings.codeMaxAttempts) {
    await ctx.store.deleteCode(account.uid, 'reset-token');
    throw new ApiError(stored.expiresAt <= ctx.clock.now() ? 'code-expired' : 'code-attempts-exhausted');
  }
  if (!sameId(stored.codeHash, resetTokenHash(account.uid, reset.resetToken))) throw new ApiError('invalid-code');
  const keysKept = reset.keepKeys === true;
  if (keysKept && stored.data !== 'keys-kept') {
    throw new ApiError('invalid-parameter', 'keepKeys needs the recovery key: give its recoveryKeyId with the code');
  }
  if (!(await ctx.store.deleteCode(account.uid, 'reset-token'))) throw new ApiError('invalid-code');

  await ctx.store.updateAccount(account.uid, {
    passwordHash: await hashPassword(reset.newPassword, ctx.settings.passwordCost),
    // The code came to the address: it is the owner's.
    emailVerified: true,
  });
  // Without the recovery key the old kB is gone for good; the recovery data wraps the old kB (or was just used).
  await ctx.store.setAccountSecret(account.uid, WRAP_KB, reset.wrapKB ?? null);
  await ctx.store.setAccountSecret(account.uid, RECOVERY_KEY, null);
  const devices = await ctx.store.listDevices(account.uid);
  if (keysKept) {
    // The keys did not change, so registered devices (and their mailboxes) keep working; every
    // session without a device is signed out. The owner can disconnect any device from the page.
    await ctx.store.trimSessions(account.uid, 0);
  } else {
    const gone = await ctx.store.deleteOtherSessions(account.uid, null);
    for (const id of gone) await ctx.mailbox.deleteDevice(account.uid, id);
  }
  await recordEvent(ctx, account.uid, keysKept ? 'password-reset-with-recovery-key' : 'password-reset', ip);
  notifyDevicesLater(ctx, devices, accountEvents.passwordReset(keysKept));
  sendNoticeLater(
    ctx,
    account.email,
    keysKept
      ? 'Your password was reset with your account recovery key; your devices stayed connected (disconnect any you do not know on the devices page)'
      : 'Your password was reset, your end-to-end keys were replaced, and every device was signed out',
  );
  ctx.limits.loginSucceeded(account.email);
  return startSession(ctx, account.uid, { emailVerified: true });
}

function resetTokenHash(uid: string, token: string): string {
  return createHash('sha256').update(`herald-reset\0${uid}\0${token}`).digest('hex');
}

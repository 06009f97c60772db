/**
 * Accounts and sessions (docs/device-messages.md#accounts-and-sessions): create, sign in, sign out,
 * profile, delete. Sessions are random tokens stored as hashes (session-token.ts); passwords are
 * scrypt hashes (password.ts). Deleting a session or an account also removes the devices and
 * their mailboxes, and tells the devices (docs/device-messages.md#account-push-events).
 */
import { randomBytes } from 'node:crypto';
import { ApiError } from '../errors/api-error.js';
import { accountEvents } from './account-events.js';
import type { AccountRecord } from '../storage/accounts/account-store.js';
import type { AuthContext } from './authenticate.js';
import type { AccountsContext } from './context.js';
import type { Credentials } from './edge/credentials.js';
import { destroyDevice } from './devices.js';
import { sendVerificationCode } from './email-verification.js';
import { totpEnabled } from './two-step.js';
import { recordEvent } from './security-events.js';
import { notifyDevicesLater } from './notify-devices.js';
import { hashPassword, verifyPassword } from './password.js';
import { newSessionToken, sessionIdOfToken } from './session-token.js';
import { needsConfirmation, placeOf, rememberPlace, sendConfirmation } from './sign-in-confirmation.js';

export interface SignedIn {
  uid: string;
  /** Shown once; the server keeps only its hash. */
  sessionToken: string;
  /** False while the session owes a second step (docs/accounts.md). */
  verified: boolean;
  /** What an unverified session owes: a TOTP (or recovery) code, or the code mailed to confirm the sign-in. */
  verificationMethod?: 'totp-2fa' | 'email-otp';
  /** Whether the account's email address is confirmed. */
  emailVerified: boolean;
}

/**
 * @param ip the client address, for the per-IP creation limit.
 * @throws ApiError `account-exists` when the email has an account; `account-throttled`.
 */
export async function createAccount(ctx: AccountsContext, creds: Credentials, ip: string, userAgent = ''): Promise<SignedIn> {
  ctx.limits.admitCreate(ip);
  if ((await ctx.store.findAccountByEmail(creds.email)) !== null) throw new ApiError('account-exists');
  const uid = randomBytes(16).toString('hex');
  const passwordHash = await hashPassword(creds.password, ctx.settings.passwordCost);
  const created = await ctx.store.createAccount({ uid, email: creds.email, passwordHash, displayName: null, createdAt: ctx.clock.now() });
  if (!created) throw new ApiError('account-exists');
  const signedIn = await startSession(ctx, uid, { emailVerified: false });
  await recordEvent(ctx, uid, 'account-created', ip);
  await rememberPlace(ctx, uid, placeOf(uid, ip, userAgent));
  if (ctx.settings.emailVerification) {
    // The account exists either way; a code that did not go out is asked for again (resend_code).
    await sendVerificationCode(ctx, uid).catch((err: unknown) => ctx.log.warn({ kind: (err as { kind?: unknown }).kind }, 'verification code not sent'));
  }
  return signedIn;
}

/**
 * @param ip the client address: the per-IP limit, and failures count in its penalty box.
 * @param userAgent with `ip`, the place the sign-in comes from (sign-in-confirmation.ts).
 * @throws ApiError `incorrect-password`, the same for an unknown email; `account-throttled` before
 *   any password check when the IP or the email is over its limit; `sign-in-with-secondary-email`
 *   for a secondary address, only once the password matched (so it tells nothing without it).
 */
export async function signIn(ctx: AccountsContext, creds: Credentials, ip: string, userAgent = ''): Promise<SignedIn> {
  const account = await checkPassword(ctx, creds, ip, async () => {
    const primary = await ctx.store.findAccountByEmail(creds.email);
    if (primary !== null) return primary;
    const owner = await ctx.store.findSecondaryEmailOwner(creds.email);
    return owner === null ? null : ctx.store.getAccount(owner);
  });
  if (account.email !== creds.email) throw new ApiError('sign-in-with-secondary-email');
  const place = placeOf(account.uid, ip, userAgent);
  // With two-step authentication on, the session can do nothing until its second step
  // (two-step.ts); else a sign-in from a place not seen lately waits for a mailed code.
  const method = (await totpEnabled(ctx, account.uid)) ? 'totp-2fa' : (await needsConfirmation(ctx, account.uid, place)) ? 'email-otp' : null;
  const signedIn = await startSession(ctx, account.uid, account, { verified: method === null });
  const session = sessionIdOfToken(signedIn.sessionToken) as string;
  await recordEvent(ctx, account.uid, 'sign-in', ip);
  if (method === null) {
    await rememberPlace(ctx, account.uid, place);
    return signedIn;
  }
  if (method === 'email-otp') {
    try {
      await sendConfirmation(ctx, account.uid, account.email, session, place, ip);
    } catch (err) {
      // No code went out: the session would be stuck, so it goes.
      await ctx.store.deleteSession(session);
      throw err;
    }
  }
  return { ...signedIn, verificationMethod: method };
}

/** The account whose password this is, after the limits admitted the attempt; else `incorrect-password`. */
export async function checkPassword(ctx: AccountsContext, creds: Credentials, ip: string, find: () => Promise<AccountRecord | null>): Promise<AccountRecord> {
  ctx.limits.admitLogin(ip, creds.email);
  const account = await find();
  const ok = await verifyPassword(creds.password, account?.passwordHash ?? (await ctx.decoyHash));
  if (account === null || !ok) {
    ctx.limits.loginFailed(ip);
    if (account !== null) await recordEvent(ctx, account.uid, 'sign-in-failed', ip);
    throw new ApiError('incorrect-password');
  }
  ctx.limits.loginSucceeded(creds.email);
  return account;
}

/**
 * A new session of `uid`. Over `maxSessionsPerAccount`, the least recently used sessions without
 * a device make room (a device's session is never signed out this way).
 * @throws ApiError `too-many-sessions` when every session has a device.
 */
export async function startSession(ctx: AccountsContext, uid: string, account: { emailVerified: boolean }, opts: { verified?: boolean } = {}): Promise<SignedIn> {
  const max = ctx.settings.maxSessionsPerAccount;
  if (max > 0 && (await ctx.store.trimSessions(uid, max - 1)) >= max) throw new ApiError('too-many-sessions');
  const { token, id } = newSessionToken();
  const verified = opts.verified !== false;
  if (!(await ctx.store.createSession({ id, uid, createdAt: ctx.clock.now(), verified }))) {
    // The account was deleted between the check and now.
    throw new ApiError('incorrect-password');
  }
  return { uid, sessionToken: token, verified, emailVerified: account.emailVerified };
}

/** End the session; its device goes with it, as in FxA's `/session/destroy`. */
export async function signOut(ctx: AccountsContext, auth: AuthContext): Promise<void> {
  if (auth.deviceId !== null) {
    await destroyDevice(ctx, auth, auth.deviceId);
    return;
  }
  await ctx.store.deleteSession(auth.sessionId);
}

export interface Profile {
  uid: string;
  email: string;
  displayName: string | null;
  emailVerified: boolean;
}

export async function getProfile(ctx: AccountsContext, auth: AuthContext): Promise<Profile> {
  const account = await ctx.store.getAccount(auth.uid);
  if (account === null) throw new ApiError('invalid-session-token');
  return { uid: account.uid, email: account.email, displayName: account.displayName, emailVerified: account.emailVerified };
}

/** Change the display name and push `profile_updated` to every device (a write: per-account limit). */
export async function updateProfile(ctx: AccountsContext, auth: AuthContext, displayName: string | null): Promise<void> {
  ctx.limits.admitWrite(auth.uid);
  if (!(await ctx.store.updateAccount(auth.uid, { displayName }))) throw new ApiError('invalid-session-token');
  notifyDevicesLater(ctx, await ctx.store.listDevices(auth.uid), accountEvents.profileUpdated());
}

/**
 * Delete the account after re-checking its password: sessions, devices and every mailbox go, and
 * every device hears `account_destroyed`. The password check has the sign-in limits.
 * @throws ApiError `incorrect-password`, `account-throttled`.
 */
export async function destroyAccount(ctx: AccountsContext, auth: AuthContext, password: string, ip: string): Promise<void> {
  const found = await ctx.store.getAccount(auth.uid);
  if (found === null) throw new ApiError('invalid-session-token');
  await checkPassword(ctx, { email: found.email, password }, ip, async () => found);
  const devices = await ctx.store.listDevices(auth.uid);
  await ctx.store.deleteAccount(auth.uid);
  await ctx.mailbox.deleteAccount(auth.uid);
  notifyDevicesLater(ctx, devices, accountEvents.accountDestroyed(auth.uid));
}

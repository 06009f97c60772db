/**
 * Accounts and sessions (spec/device-messages.md §6.1, §6.3 item 1): create, sign in, sign out,
 * profile, delete. Sessions are random tokens stored as hashes (session-token.ts); passwords are
 * scrypt hashes (password.ts). Deleting a session or an account also removes the devices and
 * their mailboxes, and tells the devices (§4.1).
 */
import { randomBytes } from 'node:crypto';
import { ApiError } from '../errors/api-error.js';
import { accountEvents } from './account-events.js';
import type { AuthContext } from './authenticate.js';
import type { AccountsContext } from './context.js';
import type { Credentials } from './edge/credentials.js';
import { destroyDevice } from './devices.js';
import { notifyDevicesLater } from './notify-devices.js';
import { hashPassword, verifyPassword } from './password.js';
import { newSessionToken } from './session-token.js';

export interface SignedIn {
  uid: string;
  /** Shown once; the server keeps only its hash. */
  sessionToken: string;
}

/** @throws ApiError `account-exists` when the email has an account. */
export async function createAccount(ctx: AccountsContext, creds: Credentials): Promise<SignedIn> {
  if ((await ctx.store.findAccountByEmail(creds.email)) !== null) throw new ApiError('account-exists');
  const uid = randomBytes(16).toString('hex');
  const passwordHash = await hashPassword(creds.password, ctx.settings.passwordCost);
  const created = await ctx.store.createAccount({ uid, email: creds.email, passwordHash, displayName: null, createdAt: ctx.clock.now() });
  if (!created) throw new ApiError('account-exists');
  return startSession(ctx, uid);
}

/** @throws ApiError `incorrect-password`, the same for an unknown email. */
export async function signIn(ctx: AccountsContext, creds: Credentials): Promise<SignedIn> {
  const account = await ctx.store.findAccountByEmail(creds.email);
  const ok = await verifyPassword(creds.password, account?.passwordHash ?? (await ctx.decoyHash));
  if (account === null || !ok) throw new ApiError('incorrect-password');
  return startSession(ctx, account.uid);
}

async function startSession(ctx: AccountsContext, uid: string): Promise<SignedIn> {
  const { token, id } = newSessionToken();
  if (!(await ctx.store.createSession({ id, uid, createdAt: ctx.clock.now() }))) {
    // The account was deleted between the check and now.
    throw new ApiError('incorrect-password');
  }
  return { uid, sessionToken: token };
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
}

export async function getProfile(ctx: AccountsContext, auth: AuthContext): Promise<Profile> {
  const account = await ctx.store.getAccount(auth.uid);
  if (account === null) throw new ApiError('invalid-session-token');
  return { uid: account.uid, email: account.email, displayName: account.displayName };
}

/** Change the display name and push `profile_updated` to every device. */
export async function updateProfile(ctx: AccountsContext, auth: AuthContext, displayName: string | null): Promise<void> {
  if (!(await ctx.store.updateAccount(auth.uid, { displayName }))) throw new ApiError('invalid-session-token');
  notifyDevicesLater(ctx, await ctx.store.listDevices(auth.uid), accountEvents.profileUpdated());
}

/**
 * Delete the account after re-checking its password: sessions, devices and every mailbox go, and
 * every device hears `account_destroyed`.
 * @throws ApiError `incorrect-password`.
 */
export async function destroyAccount(ctx: AccountsContext, auth: AuthContext, password: string): Promise<void> {
  const account = await ctx.store.getAccount(auth.uid);
  if (account === null) throw new ApiError('invalid-session-token');
  if (!(await verifyPassword(password, account.passwordHash))) throw new ApiError('incorrect-password');
  const devices = await ctx.store.listDevices(auth.uid);
  await ctx.store.deleteAccount(auth.uid);
  await ctx.mailbox.deleteAccount(auth.uid);
  notifyDevicesLater(ctx, devices, accountEvents.accountDestroyed(auth.uid));
}

/**
 * The account's end-to-end key material as the server holds it (docs/accounts.md "Keys"): only
 * `wrapKB`, the client's root key kB wrapped under a key the client derives from the password,
 * and the recovery data, kB wrapped under the account recovery key. The server can unwrap
 * neither: it never sees the password (only the derived `authPW`) nor the recovery key (only
 * its id).
 */
import { z } from 'zod';
import { ApiError } from '../errors/api-error.js';
import type { AuthContext } from './authenticate.js';
import type { AccountsContext } from './context.js';
import { sameId } from './session-token.js';
import { recordEvent } from './security-events.js';

export const WRAP_KB = 'wrap-kb';
export const RECOVERY_KEY = 'recovery-key';

/** 32 bytes in hex: kB XOR the password's unwrap key. */
export const wrapKbSchema = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex characters');
/** 16 bytes in hex, derived by the client from the recovery key. */
export const recoveryKeyIdSchema = z.string().regex(/^[0-9a-f]{32}$/, 'must be 32 lowercase hex characters');
/** base64url of the sealed kB (IV, ciphertext, tag): at most 1 KiB. */
export const recoveryDataSchema = z.string().min(16).max(1024).regex(/^[A-Za-z0-9_-]+$/, 'must be base64url');

interface StoredRecoveryKey {
  id: string;
  data: string;
}

export async function getWrapKb(ctx: AccountsContext, auth: AuthContext): Promise<{ wrapKB: string | null }> {
  return { wrapKB: await ctx.store.getAccountSecret(auth.uid, WRAP_KB) };
}

/** First-time key setup (sign-up, or an account from before keys were kept): only when none is stored. */
export async function setWrapKb(ctx: AccountsContext, auth: AuthContext, wrapKB: string): Promise<void> {
  ctx.limits.admitWrite(auth.uid);
  if ((await ctx.store.getAccountSecret(auth.uid, WRAP_KB)) !== null) {
    throw new ApiError('invalid-parameter', 'This account already has keys: they change only with the password (POST /v1/password/change)');
  }
  if (!(await ctx.store.setAccountSecret(auth.uid, WRAP_KB, wrapKB))) throw new ApiError('invalid-session-token');
}

export async function setRecoveryKey(ctx: AccountsContext, auth: AuthContext, key: StoredRecoveryKey): Promise<void> {
  ctx.limits.admitWrite(auth.uid);
  if (!(await ctx.store.setAccountSecret(auth.uid, RECOVERY_KEY, JSON.stringify(key)))) throw new ApiError('invalid-session-token');
  await recordEvent(ctx, auth.uid, 'recovery-key-created');
}

export async function recoveryKeyExists(ctx: AccountsContext, auth: AuthContext): Promise<{ exists: boolean }> {
  return { exists: (await ctx.store.getAccountSecret(auth.uid, RECOVERY_KEY)) !== null };
}

export async function deleteRecoveryKey(ctx: AccountsContext, auth: AuthContext): Promise<void> {
  await ctx.store.setAccountSecret(auth.uid, RECOVERY_KEY, null);
}

/** The recovery data when `id` names the account's recovery key; null otherwise. */
export async function recoveryDataFor(ctx: AccountsContext, uid: string, id: string): Promise<string | null> {
  const raw = await ctx.store.getAccountSecret(uid, RECOVERY_KEY);
  if (raw === null) return null;
  const stored = JSON.parse(raw) as StoredRecoveryKey;
  return sameId(stored.id, id) ? stored.data : null;
}

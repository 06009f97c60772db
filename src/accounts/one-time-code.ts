/**
 * Short-lived one-time codes sent by mail (docs/accounts.md "Codes"): 8 random digits, stored only
 * as a hash bound to the account and the purpose, alive for `codeLifetime` seconds, and dead after
 * `codeMaxAttempts` tries, right or wrong. Each try is counted in storage before the code is
 * compared, so concurrent guesses cannot pass the bound; a right code is deleted by exactly one
 * caller, so a code never works twice.
 */
import { createHash, randomInt, timingSafeEqual } from 'node:crypto';
import { ApiError } from '../errors/api-error.js';
import type { AccountsContext } from './context.js';

export type CodePurpose = 'verify-email' | 'reset-password' | 'confirm-sign-in' | 'verify-secondary-email';

const DIGITS = 8;

function hashCode(uid: string, purpose: string, code: string): string {
  return createHash('sha256').update(`herald-code\0${uid}\0${purpose}\0${code}`).digest('hex');
}

/** A new code for (uid, purpose), replacing any earlier one; returns it to be mailed. */
export async function issueCode(ctx: AccountsContext, uid: string, purpose: CodePurpose, data: string | null = null): Promise<string> {
  const code = String(randomInt(0, 10 ** DIGITS)).padStart(DIGITS, '0');
  const expiresAt = ctx.clock.now() + ctx.settings.codeLifetime * 1000;
  if (!(await ctx.store.putCode({ uid, purpose, codeHash: hashCode(uid, purpose, code), expiresAt, attempts: 0, data }))) {
    throw new ApiError('invalid-session-token');
  }
  return code;
}

/**
 * Use the code: returns the data stored with it.
 * @throws ApiError `invalid-code` (wrong, used, or never sent), `code-expired`, `code-attempts-exhausted`.
 */
export async function useCode(ctx: AccountsContext, uid: string, purpose: CodePurpose, code: string): Promise<string | null> {
  const stored = await ctx.store.attemptCode(uid, purpose);
  if (stored === null) throw new ApiError('invalid-code');
  if (stored.expiresAt <= ctx.clock.now()) {
    await ctx.store.deleteCode(uid, purpose);
    throw new ApiError('code-expired');
  }
  if (stored.attempts > ctx.settings.codeMaxAttempts) {
    await ctx.store.deleteCode(uid, purpose);
    throw new ApiError('code-attempts-exhausted');
  }
  const given = Buffer.from(hashCode(uid, purpose, code), 'hex');
  if (!timingSafeEqual(given, Buffer.from(stored.codeHash, 'hex'))) throw new ApiError('invalid-code');
  if (!(await ctx.store.deleteCode(uid, purpose))) throw new ApiError('invalid-code');
  return stored.data;
}

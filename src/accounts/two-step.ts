/**
 * Two-step authentication (docs/accounts.md "Two-step authentication"): TOTP (RFC 6238 with
 * `otpauth`: SHA-1, 6 digits, 30 s, one step either side) and ten single-use recovery codes.
 *
 * - Enrolment: `create` makes a secret (kept pending) and answers its `otpauth://` URI and a QR
 *   code; `confirm` with a first code turns it on and answers the recovery codes, shown once.
 * - Sign-in of an account with TOTP makes a session that can do nothing but this second step
 *   (authenticate.ts); a TOTP code or one recovery code verifies it.
 * - A code is refused once its time step, or a later one, was used (no replay); every failure
 *   counts in the sign-in limits, so guessing is bounded like passwords.
 * Recovery codes are kept as SHA-256 hashes and each works once. Using a code (moving `lastStep`,
 * striking a recovery code) is a compare-and-set on the stored value, so of two requests with the
 * same code at the same moment, on one node or two, exactly one succeeds.
 */
import { createHash } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import QRCode from 'qrcode';
import { ApiError } from '../errors/api-error.js';
import type { AuthContext } from './authenticate.js';
import type { AccountsContext } from './context.js';
import { requireVerifiedEmail } from './email-verification.js';
import { recordEvent } from './security-events.js';
import { sendNoticeLater } from './send-mail.js';

const TOTP_SECRET = 'totp';
const TOTP_PENDING = 'totp-pending';
const RECOVERY_CODES = 'recovery-codes';
export const RECOVERY_CODE_COUNT = 10;
const PERIOD = 30;
const ISSUER = 'Herald';

interface StoredTotp {
  secret: string;
  /** The last time step a code was accepted for; codes of that step or earlier are replays. */
  lastStep: number;
}

function totpFor(secret: string, label: string): TOTP {
  return new TOTP({ issuer: ISSUER, label, algorithm: 'SHA1', digits: 6, period: PERIOD, secret: Secret.fromBase32(secret) });
}

const hashRecoveryCode = (uid: string, code: string) => createHash('sha256').update(`herald-recovery-code\0${uid}\0${code}`).digest('hex');

/** Ten new codes of 10 base32 characters (50 bits each). */
function newRecoveryCodes(): string[] {
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => new Secret({ size: 7 }).base32.slice(0, 10).toLowerCase());
}

async function accountOf(ctx: AccountsContext, uid: string) {
  const account = await ctx.store.getAccount(uid);
  if (account === null) throw new ApiError('invalid-session-token');
  return account;
}

async function readJson<T>(ctx: AccountsContext, uid: string, name: string): Promise<T | null> {
  return (await readStored<T>(ctx, uid, name))?.value ?? null;
}

/** The secret parsed, with the raw text a compare-and-set expects. */
async function readStored<T>(ctx: AccountsContext, uid: string, name: string): Promise<{ raw: string; value: T } | null> {
  const raw = await ctx.store.getAccountSecret(uid, name);
  return raw === null ? null : { raw, value: JSON.parse(raw) as T };
}

/**
 * Replace a stored secret with `next(current)` by compare-and-set. When another request changed it
 * first, read it again and retry: `next` then sees the other's change (its code now used, so a
 * replay throws) and a different code still goes through.
 * @throws whatever `next` throws; `invalid-code` (a failed sign-in from `ip`) when the secret is
 *   gone or keeps changing.
 */
async function consume<T>(ctx: AccountsContext, uid: string, name: string, ip: string, next: (current: T) => T | null): Promise<T | null> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const stored = await readStored<T>(ctx, uid, name);
    if (stored === null) break;
    const value = next(stored.value);
    if (await ctx.store.compareAndSetAccountSecret(uid, name, stored.raw, value === null ? null : JSON.stringify(value))) return value;
  }
  ctx.limits.loginFailed(ip);
  throw new ApiError('invalid-code', 'This code was already used');
}

export interface TotpEnrolment {
  secret: string;
  uri: string;
  /** `data:image/png;base64,…` of the URI, for a page to show. */
  qrCode: string;
}

/** Start enrolment (replacing an unconfirmed one). @throws `invalid-parameter` when TOTP is already on. */
export async function createTotp(ctx: AccountsContext, auth: AuthContext): Promise<TotpEnrolment> {
  ctx.limits.admitWrite(auth.uid);
  await requireVerifiedEmail(ctx, auth);
  if ((await ctx.store.getAccountSecret(auth.uid, TOTP_SECRET)) !== null) {
    throw new ApiError('invalid-parameter', 'Two-step authentication is already on: turn it off first (POST /v1/totp/destroy)');
  }
  const account = await accountOf(ctx, auth.uid);
  const secret = new Secret({ size: 20 }).base32;
  await ctx.store.setAccountSecret(auth.uid, TOTP_PENDING, JSON.stringify({ secret, lastStep: 0 } satisfies StoredTotp));
  const uri = totpFor(secret, account.email).toString();
  return { secret, uri, qrCode: await QRCode.toDataURL(uri) };
}

/**
 * The time step `code` is valid for (±1 step), if it is and it is newer than `lastStep`.
 * @throws ApiError `invalid-code`, counted in the sign-in limits.
 */
function checkTotp(ctx: AccountsContext, stored: StoredTotp, code: string, ip: string): number {
  const now = ctx.clock.now();
  const delta = totpFor(stored.secret, 'x').validate({ token: code, timestamp: now, window: 1 });
  const step = Math.floor(now / 1000 / PERIOD) + (delta ?? 0);
  if (delta === null || step <= stored.lastStep) {
    ctx.limits.loginFailed(ip);
    throw new ApiError('invalid-code', delta === null ? 'Invalid two-step code' : 'This two-step code was already used: wait for the next one');
  }
  return step;
}

/** Confirm enrolment with a first code; answers the recovery codes (shown once). */
export async function confirmTotp(ctx: AccountsContext, auth: AuthContext, code: string, ip: string): Promise<{ recoveryCodes: string[] }> {
  const account = await accountOf(ctx, auth.uid);
  ctx.limits.admitLogin(ip, account.email);
  const pending = await readJson<StoredTotp>(ctx, auth.uid, TOTP_PENDING);
  if (pending === null) throw new ApiError('invalid-parameter', 'No two-step enrolment to confirm: start with POST /v1/totp/create');
  const step = checkTotp(ctx, pending, code, ip);
  // Taking the pending secret is the claim: a concurrent confirmation loses.
  await consume<StoredTotp>(ctx, auth.uid, TOTP_PENDING, ip, (current) => {
    if (current.secret !== pending.secret) throw new ApiError('invalid-code', 'The enrolment was restarted: use the new secret');
    return null;
  });
  await ctx.store.setAccountSecret(auth.uid, TOTP_SECRET, JSON.stringify({ secret: pending.secret, lastStep: step } satisfies StoredTotp));
  const recoveryCodes = await storeNewRecoveryCodes(ctx, auth.uid);
  await recordEvent(ctx, auth.uid, 'two-step-enabled', ip);
  sendNoticeLater(ctx, account.email, 'Two-step authentication was turned on');
  return { recoveryCodes };
}

async function storeNewRecoveryCodes(ctx: AccountsContext, uid: string): Promise<string[]> {
  const codes = newRecoveryCodes();
  await ctx.store.setAccountSecret(uid, RECOVERY_CODES, JSON.stringify(codes.map((c) => hashRecoveryCode(uid, c))));
  return codes;
}

/** New recovery codes (the old ones stop working). */
export async function regenerateRecoveryCodes(ctx: AccountsContext, auth: AuthContext): Promise<{ recoveryCodes: string[] }> {
  ctx.limits.admitWrite(auth.uid);
  if ((await ctx.store.getAccountSecret(auth.uid, TOTP_SECRET)) === null) throw new ApiError('invalid-parameter', 'Two-step authentication is off');
  const recoveryCodes = await storeNewRecoveryCodes(ctx, auth.uid);
  await recordEvent(ctx, auth.uid, 'recovery-codes-replaced');
  sendNoticeLater(ctx, (await accountOf(ctx, auth.uid)).email, 'New two-step recovery codes were made; the old ones no longer work');
  return { recoveryCodes };
}

export async function totpStatus(ctx: AccountsContext, auth: AuthContext): Promise<{ exists: boolean; recoveryCodesLeft: number }> {
  const on = (await ctx.store.getAccountSecret(auth.uid, TOTP_SECRET)) !== null;
  const codes = (await readJson<string[]>(ctx, auth.uid, RECOVERY_CODES)) ?? [];
  return { exists: on, recoveryCodesLeft: on ? codes.length : 0 };
}

export async function destroyTotp(ctx: AccountsContext, auth: AuthContext): Promise<void> {
  for (const name of [TOTP_SECRET, TOTP_PENDING, RECOVERY_CODES]) await ctx.store.setAccountSecret(auth.uid, name, null);
  await recordEvent(ctx, auth.uid, 'two-step-disabled');
  sendNoticeLater(ctx, (await accountOf(ctx, auth.uid)).email, 'Two-step authentication was turned off');
}

/** Whether sign-in must ask for a second step. */
export async function totpEnabled(ctx: AccountsContext, uid: string): Promise<boolean> {
  return (await ctx.store.getAccountSecret(uid, TOTP_SECRET)) !== null;
}

/** The second step of a sign-in with a TOTP code. */
export async function verifySessionWithTotp(ctx: AccountsContext, auth: AuthContext, code: string, ip: string): Promise<{ verified: true }> {
  const account = await accountOf(ctx, auth.uid);
  ctx.limits.admitLogin(ip, account.email);
  if (!(await totpEnabled(ctx, auth.uid))) throw new ApiError('invalid-parameter', 'Two-step authentication is off');
  try {
    // checkTotp counts its failures in the sign-in limits, so does consume.
    await consume<StoredTotp>(ctx, auth.uid, TOTP_SECRET, ip, (stored) => ({ ...stored, lastStep: checkTotp(ctx, stored, code, ip) }));
  } catch (err) {
    await recordEvent(ctx, auth.uid, 'two-step-failed', ip);
    throw err;
  }
  await ctx.store.verifySession(auth.sessionId);
  await recordEvent(ctx, auth.uid, 'two-step-verified', ip);
  return { verified: true };
}

/** The second step of a sign-in with one recovery code, which then stops working. */
export async function verifySessionWithRecoveryCode(ctx: AccountsContext, auth: AuthContext, code: string, ip: string): Promise<{ verified: true; recoveryCodesLeft: number }> {
  const account = await accountOf(ctx, auth.uid);
  ctx.limits.admitLogin(ip, account.email);
  const hash = hashRecoveryCode(auth.uid, code.toLowerCase());
  let left: string[];
  try {
    // Striking the code is a compare-and-set: of two requests with it at once, one strikes it.
    left = (await consume<string[]>(ctx, auth.uid, RECOVERY_CODES, ip, (hashes) => {
      if (!hashes.includes(hash)) {
        ctx.limits.loginFailed(ip);
        throw new ApiError('invalid-code', 'Invalid or already used recovery code');
      }
      return hashes.filter((h) => h !== hash);
    })) as string[];
  } catch (err) {
    await recordEvent(ctx, auth.uid, 'two-step-failed', ip);
    if (err instanceof ApiError && err.kind === 'invalid-code') throw new ApiError('invalid-code', 'Invalid or already used recovery code');
    throw err;
  }
  await ctx.store.verifySession(auth.sessionId);
  await recordEvent(ctx, auth.uid, 'recovery-code-used', ip);
  sendNoticeLater(ctx, account.email, `A two-step recovery code was used to sign in (${left.length} left)`);
  return { verified: true, recoveryCodesLeft: left.length };
}


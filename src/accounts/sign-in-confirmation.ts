/**
 * Sign-in confirmation (docs/accounts.md "Sign-in confirmation"): with `signInConfirmation` > 0,
 * a sign-in from a place the account has not been seen at for that many seconds gets a session
 * that can do nothing until the code mailed to the primary address comes back, the same limited
 * session two-step sign-in uses (authenticate.ts, errno 138).
 *
 * A place is the client's network and browser: the IPv4 /24 or IPv6 /48 the request came from
 * (after the trusted proxies) with its User-Agent, hashed with the uid. A new network, or another
 * browser on a known one, is a new place. The account keeps the newest `KNOWN_PLACES_KEPT`
 * places with when each was last confirmed, as one per-account secret.
 */
import { createHash } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';
import { ApiError } from '../errors/api-error.js';
import type { AuthContext } from './authenticate.js';
import type { AccountsContext } from './context.js';
import { issueCode, useCode } from './one-time-code.js';
import { recordEvent } from './security-events.js';
import { sendMailNow } from './send-mail.js';
import { totpEnabled } from './two-step.js';

const KNOWN_PLACES = 'known-places';
export const KNOWN_PLACES_KEPT = 50;

/** The network part of an address: IPv4 /24, IPv6 /48 (an IPv4-mapped IPv6 address as IPv4). */
export function networkOf(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  const v4 = mapped?.[1] ?? ip;
  if (isIPv4(v4)) return `${v4.split('.').slice(0, 3).join('.')}.0/24`;
  if (!isIPv6(ip)) return ip;
  const [head = '', tail = ''] = ip.toLowerCase().split('::');
  const left = head === '' ? [] : head.split(':');
  const right = ip.includes('::') && tail !== '' ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${groups.slice(0, 3).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/48`;
}

/** The place id of a request: a hash, so the stored list holds no addresses or user agents. */
export function placeOf(uid: string, ip: string, userAgent: string): string {
  return createHash('sha256').update(`herald-place\0${uid}\0${networkOf(ip)}\0${userAgent.slice(0, 512)}`).digest('hex').slice(0, 32);
}

type KnownPlaces = Record<string, number>;

async function knownPlaces(ctx: AccountsContext, uid: string): Promise<KnownPlaces> {
  const raw = await ctx.store.getAccountSecret(uid, KNOWN_PLACES);
  return raw === null ? {} : (JSON.parse(raw) as KnownPlaces);
}

/** Remember `place` as seen now, keeping the newest places only. */
export async function rememberPlace(ctx: AccountsContext, uid: string, place: string): Promise<void> {
  if (ctx.settings.signInConfirmation === 0) return;
  const places = { ...(await knownPlaces(ctx, uid)), [place]: ctx.clock.now() };
  const newest = Object.entries(places)
    .sort((a, b) => b[1] - a[1])
    .slice(0, KNOWN_PLACES_KEPT);
  await ctx.store.setAccountSecret(uid, KNOWN_PLACES, JSON.stringify(Object.fromEntries(newest)));
}

/** Whether a sign-in of `uid` from `place` must be confirmed by mail. */
export async function needsConfirmation(ctx: AccountsContext, uid: string, place: string): Promise<boolean> {
  const window = ctx.settings.signInConfirmation;
  if (window === 0) return false;
  const seen = (await knownPlaces(ctx, uid))[place];
  return seen === undefined || ctx.clock.now() - seen > window * 1000;
}

interface PendingSignIn {
  sessionId: string;
  place: string;
}

/** Mail a confirmation code for the (unverified) session; a newer sign-in's code replaces it. */
export async function sendConfirmation(ctx: AccountsContext, uid: string, email: string, sessionId: string, place: string, ip: string): Promise<void> {
  const code = await issueCode(ctx, uid, 'confirm-sign-in', JSON.stringify({ sessionId, place } satisfies PendingSignIn));
  await sendMailNow(ctx, email, { kind: 'confirm-sign-in', code, minutes: Math.ceil(ctx.settings.codeLifetime / 60) });
  await recordEvent(ctx, uid, 'sign-in-confirmation-sent', ip);
}

/**
 * Confirm the calling session with the mailed code; the place becomes known.
 * @throws ApiError `invalid-code` (wrong, used, replaced, or sent for another session),
 *   `code-expired`, `code-attempts-exhausted`; failures count as failed sign-ins.
 */
export async function confirmSignIn(ctx: AccountsContext, auth: AuthContext, code: string, ip: string): Promise<{ verified: true }> {
  if (auth.verified) return { verified: true };
  const account = await ctx.store.getAccount(auth.uid);
  if (account === null) throw new ApiError('invalid-session-token');
  ctx.limits.admitLogin(ip, account.email);
  let pending: PendingSignIn;
  try {
    pending = JSON.parse((await useCode(ctx, auth.uid, 'confirm-sign-in', code)) ?? '{}') as PendingSignIn;
    if (pending.sessionId !== auth.sessionId) throw new ApiError('invalid-code', 'This code confirms another sign-in: use the latest mail, or ask for a new code');
  } catch (err) {
    ctx.limits.loginFailed(ip);
    throw err;
  }
  await ctx.store.verifySession(auth.sessionId);
  await rememberPlace(ctx, auth.uid, pending.place);
  await recordEvent(ctx, auth.uid, 'sign-in-confirmed', ip);
  return { verified: true };
}

/** Mail a new code for the calling unverified session (a write: the per-account rate limit). */
export async function resendConfirmation(ctx: AccountsContext, auth: AuthContext, ip: string, userAgent: string): Promise<void> {
  ctx.limits.admitWrite(auth.uid);
  if (auth.verified) return;
  // A session owing a TOTP code must never be verified by mail instead.
  if (ctx.settings.signInConfirmation === 0 || (await totpEnabled(ctx, auth.uid))) {
    throw new ApiError('invalid-parameter', 'This session owes a two-step code, not a mailed one');
  }
  const account = await ctx.store.getAccount(auth.uid);
  if (account === null) throw new ApiError('invalid-session-token');
  await sendConfirmation(ctx, auth.uid, account.email, auth.sessionId, placeOf(auth.uid, ip, userAgent), ip);
}

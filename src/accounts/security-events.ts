/**
 * The account's security events (docs/accounts.md "Security events"): sign-ins, failures and
 * changes, the newest `SECURITY_EVENTS_KEPT` per account, readable by the owner. A failure to
 * record is logged, never turned into a failed request.
 */
import type { SecurityEvent } from '../storage/accounts/account-store.js';
import type { AuthContext } from './authenticate.js';
import type { AccountsContext } from './context.js';

export const SECURITY_EVENTS_KEPT = 100;

export type SecurityEventKind =
  | 'account-created'
  | 'sign-in'
  | 'sign-in-failed'
  | 'email-verified'
  | 'password-changed'
  | 'password-reset'
  | 'password-reset-with-recovery-key'
  | 'recovery-key-created'
  | 'two-step-enabled'
  | 'two-step-disabled'
  | 'two-step-verified'
  | 'two-step-failed'
  | 'recovery-code-used'
  | 'recovery-codes-replaced'
  | 'secondary-email-added'
  | 'secondary-email-verified'
  | 'secondary-email-removed'
  | 'primary-email-changed'
  | 'sign-in-confirmation-sent'
  | 'sign-in-confirmed';

export async function recordEvent(ctx: AccountsContext, uid: string, kind: SecurityEventKind, ip: string | null = null): Promise<void> {
  try {
    await ctx.store.addSecurityEvent(uid, { kind, at: ctx.clock.now(), ip }, SECURITY_EVENTS_KEPT);
  } catch (err) {
    ctx.log.warn({ kind, code: (err as { code?: unknown }).code ?? null }, 'security event not recorded');
  }
}

export function listEvents(ctx: AccountsContext, auth: AuthContext): Promise<SecurityEvent[]> {
  return ctx.store.listSecurityEvents(auth.uid);
}

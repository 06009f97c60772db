/**
 * Mail from the account part: codes are sent before the answer (the client must know whether one
 * went), security notices after it. Only the template kind and the failure's code are logged:
 * never an address's code or a body.
 */
import { ApiError } from '../errors/api-error.js';
import { renderMail, type MailTemplate } from '../mail/templates.js';
import type { AccountsContext } from './context.js';

/** @throws ApiError `mail-not-configured`, or `mail-failed` when the mail server refused or was unreachable. */
export async function sendMailNow(ctx: AccountsContext, to: string, template: MailTemplate): Promise<void> {
  if (ctx.mailer === null) throw new ApiError('mail-not-configured');
  try {
    await ctx.mailer.send(renderMail(to, template));
  } catch (err) {
    ctx.log.warn({ mail: template.kind, code: (err as { code?: unknown }).code ?? null }, 'sending mail failed');
    throw new ApiError('mail-failed');
  }
}

/** A security notice after the response; nothing when no mail is configured. */
export function sendNoticeLater(ctx: AccountsContext, to: string, what: string): void {
  if (ctx.mailer === null) return;
  ctx.background.run(() => sendMailNow(ctx, to, { kind: 'security-notice', what }));
}

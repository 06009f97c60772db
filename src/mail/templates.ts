/**
 * The mails the account part sends, each in plain text and HTML (docs/accounts.md "Mail"). The
 * HTML is built from escaped text only: nothing a user typed is ever HTML.
 */
import type { MailMessage } from './mailer.js';

export type MailTemplate =
  | { kind: 'verify-email'; code: string; minutes: number }
  | { kind: 'reset-password'; code: string; minutes: number }
  | { kind: 'confirm-sign-in'; code: string; minutes: number }
  | { kind: 'verify-secondary-email'; code: string; minutes: number }
  | { kind: 'security-notice'; what: string };

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Paragraphs of text, the first line a heading, as a plain message and an HTML one. */
function both(to: string, subject: string, paragraphs: string[]): MailMessage {
  const text = `${paragraphs.join('\n\n')}\n`;
  const body = paragraphs.map((p, i) => (i === 0 ? `<h1 style="font-size:1.2em">${escapeHtml(p)}</h1>` : `<p>${escapeHtml(p)}</p>`)).join('\n');
  const html = `<!doctype html>\n<html><head><meta charset="utf-8"><title>${escapeHtml(subject)}</title></head>\n<body style="font-family:sans-serif">\n${body}\n</body></html>\n`;
  return { to, subject, text, html };
}

const codeLine = (code: string) => `Your code: ${code}`;
const lifetime = (minutes: number) => `It works once, for ${minutes} minute${minutes === 1 ? '' : 's'}.`;
const notYou = 'If this was not you, ignore this mail; nothing changes without the code.';

export function renderMail(to: string, t: MailTemplate): MailMessage {
  switch (t.kind) {
    case 'verify-email':
      return both(to, 'Confirm your email address', ['Confirm your email address', codeLine(t.code), lifetime(t.minutes), notYou]);
    case 'reset-password':
      return both(to, 'Reset your password', [
        'Reset your password',
        codeLine(t.code),
        lifetime(t.minutes),
        'Without your account recovery key, a reset makes your devices create new end-to-end keys.',
        notYou,
      ]);
    case 'verify-secondary-email':
      return both(to, 'Confirm your new email address', [
        'Confirm your new email address',
        'This address was added to an account as a secondary address.',
        codeLine(t.code),
        lifetime(t.minutes),
        notYou,
      ]);
    case 'confirm-sign-in':
      return both(to, 'Confirm a sign-in', ['Confirm a sign-in', codeLine(t.code), lifetime(t.minutes), notYou]);
    case 'security-notice':
      return both(to, `Security notice: ${t.what}`, [
        'A change to your account',
        `${t.what}.`,
        'If this was not you, reset your password now and check your devices.',
      ]);
  }
}

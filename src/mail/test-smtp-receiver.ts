/**
 * A real SMTP server for tests (smtp-server on loopback): every mail Herald sends is received,
 * parsed with mailparser, and kept; tests read codes from the mails, never from storage.
 */
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import type { SmtpSettings } from './mailer.js';

export interface ReceivedMail {
  to: string;
  from: string;
  subject: string;
  text: string;
  html: string;
}

export interface SmtpReceiver {
  /** Settings that reach this receiver (plain SMTP on loopback). */
  smtp: SmtpSettings;
  mails: ReceivedMail[];
  /** The next mail to `to` after the `seen` first ones, waiting for it (ms timeout). */
  nextMail(to: string, seen?: number, timeoutMs?: number): Promise<ReceivedMail>;
  /** Mails received for `to` so far. */
  mailsTo(to: string): ReceivedMail[];
  /** Refuse (`true`) or take (`false`) mail from now on. */
  refuse(on: boolean): void;
  close(): Promise<void>;
}

export async function startSmtpReceiver(): Promise<SmtpReceiver> {
  const mails: ReceivedMail[] = [];
  const waiters = new Set<() => void>();
  let refusing = false;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      if (refusing) {
        stream.resume();
        stream.on('end', () => callback(Object.assign(new Error('mailbox unavailable'), { responseCode: 550 })));
        return;
      }
      simpleParser(stream)
        .then((m) => {
          const to = Array.isArray(m.to) ? m.to.map((a) => a.text).join(', ') : (m.to?.text ?? '');
          mails.push({ to, from: m.from?.text ?? '', subject: m.subject ?? '', text: m.text ?? '', html: typeof m.html === 'string' ? m.html : '' });
          for (const w of waiters) w();
          callback();
        })
        .catch((err: Error) => callback(err));
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  const mailsTo = (to: string) => mails.filter((m) => m.to.includes(to));
  return {
    smtp: { host: '127.0.0.1', port, tls: 'none', user: '', password: '', from: 'Herald <accounts@herald.test>' },
    mails,
    mailsTo,
    nextMail(to, seen = mailsTo(to).length, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const got = mailsTo(to)[seen];
          if (got === undefined) return false;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(got);
          return true;
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no mail #${seen + 1} to ${to} within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    refuse(on) {
      refusing = on;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The 8-digit code in a mail Herald sent. */
export function codeIn(mail: ReceivedMail): string {
  const code = /Your code: (\d{8})/.exec(mail.text)?.[1];
  if (code === undefined) throw new Error(`no code in the mail "${mail.subject}"`);
  return code;
}

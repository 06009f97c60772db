/**
 * Mail out of Herald (docs/accounts.md "Mail"): one message at a time over SMTP with nodemailer.
 * The account part only sees `Mailer`; what is in a message comes from templates.ts.
 */
import nodemailer from 'nodemailer';
import type { Transporter } from 'nodemailer';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
}

export interface Mailer {
  /** Hand one message to the mail server; rejects when it refuses or cannot be reached. */
  send(message: MailMessage): Promise<void>;
  close(): void;
}

/** How to reach the SMTP server. */
export interface SmtpSettings {
  /** Host name; empty: no mail configured. */
  host: string;
  port: number;
  /** `tls`: TLS from the first byte (port 465); `starttls`: must upgrade; `none`: plain (loopback only). */
  tls: 'tls' | 'starttls' | 'none';
  /** Empty: no authentication. */
  user: string;
  password: string;
  /** The From address, e.g. `Herald <accounts@example.com>`. */
  from: string;
}

/** Whether `smtp` names a server and a sender, so mail can be sent at all. */
export function mailConfigured(smtp: Readonly<SmtpSettings>): boolean {
  return smtp.host !== '' && smtp.from !== '';
}

export function smtpMailer(smtp: Readonly<SmtpSettings>): Mailer {
  const transport: Transporter = nodemailer.createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.tls === 'tls',
    requireTLS: smtp.tls === 'starttls',
    ignoreTLS: smtp.tls === 'none',
    ...(smtp.user === '' ? {} : { auth: { user: smtp.user, pass: smtp.password } }),
    // A mail server that hangs must not hold a request for long.
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
  });
  return {
    async send(m) {
      await transport.sendMail({ from: smtp.from, to: m.to, subject: m.subject, text: m.text, html: m.html });
    },
    close() {
      transport.close();
    },
  };
}

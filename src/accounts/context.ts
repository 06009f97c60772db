/**
 * What the account and device-messages routes share: settings and the parts built once when the
 * plugin starts. Passed to route plugins as their options, so routes never reach for globals.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Mailer } from '../mail/mailer.js';
import type { AccountStore } from '../storage/accounts/account-store.js';
import type { MailboxStore } from '../storage/accounts/mailbox-store.js';
import type { AccountLimits } from './account-limits.js';
import type { BackgroundTasks } from './background.js';
import type { DevicePusher } from './device-push.js';
import type { AccountsSettings, Clock } from './settings.js';

export interface AccountsContext {
  settings: Readonly<AccountsSettings>;
  store: AccountStore;
  mailbox: MailboxStore;
  pusher: DevicePusher;
  clock: Clock;
  /** Pushes of account events, sent after the response. */
  background: BackgroundTasks;
  log: FastifyBaseLogger;
  /** Rate limits and the sign-in delay, checked before costly work. */
  limits: AccountLimits;
  /** A hash to verify against when the email is unknown, so timing does not tell (password.ts). */
  decoyHash: Promise<string>;
  /** Mail out (codes, security notices); null when no mail server is configured. */
  mailer: Mailer | null;
}

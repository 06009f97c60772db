/**
 * Opens the account-side stores for a storage DSN, beside the push store of the same DSN (same
 * SQLite file). Like `../open-store.ts`, the only module here that knows concrete backends; each
 * is imported lazily. PostgreSQL and Redis backends slot in as further cases of the switch.
 */
import { parseStoreDsn } from '../open-store.js';
import type { AccountStore } from './account-store.js';
import type { MailboxStore } from './mailbox-store.js';

export interface AccountStores {
  accounts: AccountStore;
  mailbox: MailboxStore;
  /** Close both. */
  close(): Promise<void>;
}

export interface OpenAccountStoresOptions {
  /** Clock of the mailbox's expiry decisions; default `Date.now`. */
  now?: () => number;
}

/** Open (and migrate) the account and mailbox stores a DSN names. */
export async function openAccountStores(dsn: string, opts: OpenAccountStoresOptions = {}): Promise<AccountStores> {
  const parsed = parseStoreDsn(dsn);
  switch (parsed.backend) {
    case 'sqlite': {
      const { openSqliteAccountStore } = await import('./sqlite/sqlite-account-store.js');
      const { openSqliteMailboxStore } = await import('./sqlite/sqlite-mailbox-store.js');
      const accounts = await openSqliteAccountStore(parsed.path);
      let mailbox: MailboxStore;
      try {
        mailbox = await openSqliteMailboxStore(parsed.path, { now: opts.now });
      } catch (err) {
        await accounts.close();
        throw err;
      }
      return { accounts, mailbox, close: async () => void (await Promise.all([accounts.close(), mailbox.close()])) };
    }
    case 'postgres':
    case 'redis':
      throw new Error(`Accounts and device messages have no ${parsed.backend} backend yet in this build; use sqlite:PATH`);
  }
}

/**
 * Opens the account-side stores for a storage DSN, beside the push store of the same DSN (same
 * SQLite file). Like `../open-store.ts`, the only module here that knows concrete backends; each
 * is imported lazily: SQLite, PostgreSQL and Redis, like the push store.
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
  const mailboxOpts = { now: opts.now };
  switch (parsed.backend) {
    case 'sqlite': {
      const { openSqliteAccountStore } = await import('./sqlite/sqlite-account-store.js');
      const { openSqliteMailboxStore } = await import('./sqlite/sqlite-mailbox-store.js');
      return openBoth(() => openSqliteAccountStore(parsed.path), () => openSqliteMailboxStore(parsed.path, mailboxOpts));
    }
    case 'postgres': {
      const { openPostgresAccountStore } = await import('./postgres/postgres-account-store.js');
      const { openPostgresMailboxStore } = await import('./postgres/postgres-mailbox-store.js');
      return openBoth(() => openPostgresAccountStore(parsed.url), () => openPostgresMailboxStore(parsed.url, mailboxOpts));
    }
    case 'redis': {
      const { openRedisAccountStore } = await import('./redis/redis-account-store.js');
      const { openRedisMailboxStore } = await import('./redis/redis-mailbox-store.js');
      return openBoth(() => openRedisAccountStore(parsed.url), () => openRedisMailboxStore(parsed.url, mailboxOpts));
    }
  }
}

/** Open the account store, then the mailbox; if the mailbox fails, the account store is closed again. */
async function openBoth(openAccounts: () => Promise<AccountStore>, openMailbox: () => Promise<MailboxStore>): Promise<AccountStores> {
  const accounts = await openAccounts();
  let mailbox: MailboxStore;
  try {
    mailbox = await openMailbox();
  } catch (err) {
    await accounts.close();
    throw err;
  }
  return { accounts, mailbox, close: async () => void (await Promise.all([accounts.close(), mailbox.close()])) };
}

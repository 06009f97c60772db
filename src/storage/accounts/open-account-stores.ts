/**
 * Opens the account-side stores for a storage DSN, beside the push store of the same DSN (same
 * SQLite file). Like `../open-store.ts`, the only module here that knows concrete backends; each
 * is imported lazily: SQLite, PostgreSQL and Redis, like the push store. A backend without account
 * stores would throw `NoAccountBackendError`, which `cli/mount-accounts.ts` turns into a warning.
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

/** The DSN names a backend this build has no account stores for yet. */
export class NoAccountBackendError extends Error {
  override name = 'NoAccountBackendError';
}

/**
 * Open (and migrate) the account and mailbox stores a DSN names.
 * @throws NoAccountBackendError for a backend without account stores in this build.
 */
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
    case 'postgres': {
      const { openPostgresAccountStore } = await import('./postgres/postgres-account-store.js');
      const { openPostgresMailboxStore } = await import('./postgres/postgres-mailbox-store.js');
      const accounts = await openPostgresAccountStore(parsed.url);
      let mailbox: MailboxStore;
      try {
        mailbox = await openPostgresMailboxStore(parsed.url, { now: opts.now });
      } catch (err) {
        await accounts.close();
        throw err;
      }
      return { accounts, mailbox, close: async () => void (await Promise.all([accounts.close(), mailbox.close()])) };
    }
    case 'redis': {
      const { openRedisAccountStore } = await import('./redis/redis-account-store.js');
      const { openRedisMailboxStore } = await import('./redis/redis-mailbox-store.js');
      const accounts = await openRedisAccountStore(parsed.url);
      let mailbox: MailboxStore;
      try {
        mailbox = await openRedisMailboxStore(parsed.url, { now: opts.now });
      } catch (err) {
        await accounts.close();
        throw err;
      }
      return { accounts, mailbox, close: async () => void (await Promise.all([accounts.close(), mailbox.close()])) };
    }
  }
}

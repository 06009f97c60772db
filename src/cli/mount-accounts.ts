/**
 * Accounts, devices and device messages on the endpoint app (spec/device-messages.md): the
 * account stores beside the push store, Herald's own VAPID key beside the crypto keys, and the
 * plugin. Their backends exist for SQLite only so far; on PostgreSQL or Redis the push service
 * runs without them and says so once at start.
 */
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { accountsSettings } from '../accounts/settings.js';
import { defaultVapidKeyFilePath, loadOrCreateVapidKeys } from '../accounts/vapid-key-file.js';
import type { Settings } from '../config/settings.js';
import { accountsPlugin } from '../device-messages/plugin.js';
import { parseStoreDsn } from '../storage/open-store.js';
import { openAccountStores } from '../storage/accounts/open-account-stores.js';

/** Register the plugin on `app` (before it listens); resolves with what to close after the app. */
export async function mountAccounts(app: FastifyInstance, settings: Readonly<Settings>, logger: Logger): Promise<{ close(): Promise<void> }> {
  if (parseStoreDsn(settings.db).backend !== 'sqlite') {
    logger.warn({ db: settings.db.replace(/\/\/[^@/]*@/, '//…@') }, 'accounts and device messages need sqlite storage for now; they are off on this node');
    return { close: async () => {} };
  }
  const stores = await openAccountStores(settings.db);
  const { keys: vapid } = loadOrCreateVapidKeys(defaultVapidKeyFilePath(settings.db));
  app.register(accountsPlugin, {
    settings: accountsSettings(settings.endpointUrl, {
      ...(settings.allowedPushOrigins.length > 0 ? { allowedPushOrigins: settings.allowedPushOrigins } : {}),
      maxMessageTtl: settings.deviceMessageMaxTtl,
      maxMessageBytes: settings.deviceMessageMaxBytes,
      sweepInterval: settings.purgeInterval,
    }),
    accounts: stores.accounts,
    mailbox: stores.mailbox,
    vapid,
  });
  return stores;
}

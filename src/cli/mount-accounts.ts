/**
 * Accounts, devices and device messages on the endpoint app (spec/device-messages.md): the
 * account stores beside the push store, Herald's own VAPID key beside the crypto keys, and the
 * plugin. They run on every backend `openAccountStores` supports, beside the push store of the
 * same DSN; on a backend it does not support yet the push service runs without them and says so
 * once at start.
 */
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { accountsSettings } from '../accounts/settings.js';
import { defaultVapidKeyFilePath, loadOrCreateVapidKeys } from '../accounts/vapid-key-file.js';
import type { Settings } from '../config/settings.js';
import { accountsPlugin } from '../device-messages/plugin.js';
import { NoAccountBackendError, openAccountStores, type AccountStores } from '../storage/accounts/open-account-stores.js';

/** Register the plugin on `app` (before it listens); resolves with what to close after the app. */
export async function mountAccounts(app: FastifyInstance, settings: Readonly<Settings>, logger: Logger): Promise<{ close(): Promise<void> }> {
  let stores: AccountStores;
  try {
    stores = await openAccountStores(settings.db);
  } catch (err) {
    if (!(err instanceof NoAccountBackendError)) throw err;
    logger.warn({ db: settings.db.replace(/\/\/[^@/]*@/, '//…@') }, 'accounts and device messages have no backend for this storage yet; they are off on this node');
    return { close: async () => {} };
  }
  let vapid: ReturnType<typeof loadOrCreateVapidKeys>['keys'];
  try {
    ({ keys: vapid } = loadOrCreateVapidKeys(defaultVapidKeyFilePath(settings.db)));
  } catch (err) {
    await stores.close();
    throw err;
  }
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

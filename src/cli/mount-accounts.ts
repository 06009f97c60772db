/**
 * Accounts, devices and device messages on the endpoint app (spec/device-messages.md): the
 * account stores beside the push store, Herald's own VAPID key kept with the accounts, and the
 * plugin, on every storage backend, beside the push store of the same DSN.
 */
import type { FastifyInstance } from 'fastify';
import { accountsSettings } from '../accounts/settings.js';
import { serviceVapidKeys } from '../accounts/service-vapid-key.js';
import type { VapidKeyPair } from '../crypto/vapid.js';
import type { Settings } from '../config/settings.js';
import { accountsPlugin } from '../device-messages/plugin.js';
import { openAccountStores } from '../storage/accounts/open-account-stores.js';

/** Register the plugin on `app` (before it listens); resolves with what to close after the app. */
export async function mountAccounts(app: FastifyInstance, settings: Readonly<Settings>): Promise<{ close(): Promise<void> }> {
  const stores = await openAccountStores(settings.db);
  let vapid: VapidKeyPair;
  try {
    vapid = await serviceVapidKeys(stores.accounts);
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

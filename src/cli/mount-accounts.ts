/**
 * Accounts, devices and device messages on the endpoint app (docs/device-messages.md): the
 * account stores beside the push store, Herald's own VAPID key kept with the accounts, and the
 * plugin, on every storage backend, beside the push store of the same DSN. With the node's abuse
 * controls, the account API shares their trusted proxies, blocklist and penalty box.
 */
import type { FastifyInstance } from 'fastify';
import type { AccountAbuseGuard } from '../accounts/account-limits.js';
import { accountsSettings } from '../accounts/settings.js';
import { serviceVapidKeys } from '../accounts/service-vapid-key.js';
import type { VapidKeyPair } from '../crypto/vapid.js';
import type { Settings } from '../config/settings.js';
import { accountsPlugin } from '../device-messages/plugin.js';
import { openAccountStores } from '../storage/accounts/open-account-stores.js';
import { mailConfigured, smtpMailer } from '../mail/mailer.js';

/** Register the plugin on `app` (before it listens); resolves with what to close after the app. */
export async function mountAccounts(app: FastifyInstance, settings: Readonly<Settings>, abuse?: AccountAbuseGuard): Promise<{ close(): Promise<void> }> {
  const smtp = { host: settings.smtpHost, port: settings.smtpPort, tls: settings.smtpTls, user: settings.smtpUser, password: settings.smtpPassword, from: settings.mailFrom };
  const mailer = mailConfigured(smtp) ? smtpMailer(smtp) : null;
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
      deviceMailboxMaxMessages: settings.deviceMailboxMaxMessages,
      deviceMailboxMaxBytes: settings.deviceMailboxMaxBytes,
      accountMailboxMaxMessages: settings.accountMailboxMaxMessages,
      accountMailboxMaxBytes: settings.accountMailboxMaxBytes,
      maxDevicesPerAccount: settings.maxDevicesPerAccount,
      maxSessionsPerAccount: settings.maxSessionsPerAccount,
      maxJsonDepth: settings.accountMaxJsonDepth,
      corsOrigins: settings.accountCorsOrigins,
      emailVerification: settings.accountEmailVerification,
      codeLifetime: settings.accountCodeLifetime,
      codeMaxAttempts: settings.accountCodeMaxAttempts,
      maxSecondaryEmails: settings.accountMaxSecondaryEmails,
      signInConfirmation: settings.accountSignInConfirmation,
      limits: {
        loginPerIp: settings.limitAccountLoginPerIp,
        createPerIp: settings.limitAccountCreatePerIp,
        requestsPerIp: settings.limitAccountRequestsPerIp,
        writesPerAccount: settings.limitAccountWritesPerAccount,
        loginFailuresBeforeDelay: settings.loginFailuresBeforeDelay,
        loginDelayMax: settings.loginDelayMax,
        trackedKeys: settings.limitTrackedKeys,
      },
    }),
    accounts: stores.accounts,
    mailbox: stores.mailbox,
    vapid,
    ...(abuse ? { abuse } : {}),
    ...(mailer ? { mailer } : {}),
  });
  return {
    close: async () => {
      mailer?.close();
      await stores.close();
    },
  };
}

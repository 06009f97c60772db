/** The FCM bridge of `--fcm-credentials` and the other `--fcm-*` settings (docs/bridges.md "FCM"). */
import type { Settings } from '../../config/settings.js';
import type { BridgeRouter } from '../bridge-router.js';
import { FcmClient } from './fcm-client.js';
import { parseFcmCredentials } from './fcm-config.js';
import { FcmRouter } from './fcm-router.js';
import { GoogleAccessToken } from './google-token.js';

/** The FCM router, or null when `--fcm-credentials` is empty or `{}`. @throws BridgeConfigError */
export function openFcmRouter(settings: Readonly<Settings>, retryBudgetMs: number): Promise<BridgeRouter | null> {
  if (settings.fcmCredentials.trim() === '') return Promise.resolve(null);
  const apps = parseFcmCredentials(settings.fcmCredentials);
  if (apps.size === 0) return Promise.resolve(null);
  const timeoutMs = settings.fcmTimeout * 1000;
  const clients = new Map<string, FcmClient>();
  for (const [appId, app] of apps) {
    clients.set(appId, new FcmClient(settings.fcmBaseUrl, app.projectId, new GoogleAccessToken(app.account, { timeoutMs }), timeoutMs));
  }
  return Promise.resolve(new FcmRouter(clients, { minTtl: settings.fcmMinTtl, maxTtl: settings.fcmMaxTtl, maxData: settings.fcmMaxData, retryBudgetMs }));
}

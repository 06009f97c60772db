/**
 * One bridge to a native app's push service (docs/bridges.md): what it stores at registration
 * and how it sends. The FCM, APNs and stub routers implement it; `bridges.ts` picks one per
 * router type.
 */
import type { Notification } from '../protocol/notification.js';
import type { RouterData } from '../storage/store.js';
import type { RegistrationInput } from './registration-input.js';
import type { Platform } from './router-type.js';

export interface BridgeRouter {
  readonly platform: Platform;
  /**
   * The router data to store for a device registering under `appId`.
   * @throws ApiError `unknown-app-id` (400) when this bridge has no such app; `invalid-aps` (400).
   */
  register(appId: string, input: RegistrationInput): RouterData;
  /**
   * Send one notification to the device the router data names; resolves once the upstream
   * accepted it.
   * @throws BridgeFailure (upstream-failure.ts) for anything the upstream refused or did not answer.
   */
  send(routerData: RouterData, notification: Notification): Promise<void>;
  /** Close upstream connections. */
  close(): Promise<void>;
}

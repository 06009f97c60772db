/**
 * The FCM bridge (router types `fcm` and `gcm`, docs/bridges.md "FCM"): registration stores
 * `{token, app_id}`; a push becomes an FCM HTTP v1 data message with autopush's data map, its TTL
 * clamped to [min, max], and a priority from `Urgency` (autopush leaves it to FCM's default).
 */
import { ApiError } from '../../errors/api-error.js';
import type { Notification, Urgency } from '../../protocol/notification.js';
import type { RouterData } from '../../storage/store.js';
import type { BridgeRouter } from '../bridge-router.js';
import { messageData } from '../message-data.js';
import type { RegistrationInput } from '../registration-input.js';
import { BridgeFailure } from '../upstream-failure.js';
import { withRetry } from '../upstream-retry.js';
import type { FcmClient, FcmPriority } from './fcm-client.js';

export interface FcmLimits {
  minTtl: number;
  maxTtl: number;
  /** Bytes of the data map's JSON. */
  maxData: number;
  retryBudgetMs: number;
}

/** Low urgencies may wait for the device to wake (RFC 8030 §5.3); everything else, as autopush's pushes in practice, goes at once. */
export function fcmPriority(urgency: Urgency | undefined): FcmPriority {
  return urgency === 'low' || urgency === 'very-low' ? 'NORMAL' : 'HIGH';
}

export class FcmRouter implements BridgeRouter {
  readonly platform = 'fcm' as const;
  readonly #clients: ReadonlyMap<string, FcmClient>;
  readonly #limits: FcmLimits;

  constructor(clients: ReadonlyMap<string, FcmClient>, limits: FcmLimits) {
    this.#clients = clients;
    this.#limits = limits;
  }

  register(appId: string, input: RegistrationInput): RouterData {
    if (!this.#clients.has(appId)) throw new ApiError('unknown-app-id', `Unknown app id for FCM: ${JSON.stringify(appId.slice(0, 64))}`);
    return { token: input.token, app_id: appId };
  }

  async send(routerData: RouterData, n: Notification): Promise<void> {
    const { token, app_id: appId } = routerData;
    if (typeof token !== 'string' || typeof appId !== 'string') throw new BridgeFailure('no-routing-data', 'the FCM registration lacks its token or app id');
    const client = this.#clients.get(appId);
    if (client === undefined) throw new BridgeFailure('unknown-app-id', `FCM app id ${appId} is no longer configured`);
    const data = messageData(n);
    const size = Buffer.byteLength(JSON.stringify(data));
    if (size > this.#limits.maxData) throw new BridgeFailure('too-much-data', `the FCM data is ${size - this.#limits.maxData} bytes too long`);
    const ttlSeconds = Math.min(this.#limits.maxTtl, Math.max(this.#limits.minTtl, n.ttl));
    const message = { token, ttlSeconds, priority: fcmPriority(n.urgency), data };
    await withRetry({ budgetMs: this.#limits.retryBudgetMs }, () => client.send(message));
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

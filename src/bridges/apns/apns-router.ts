/**
 * The APNs bridge (router type `apns`, docs/bridges.md "APNs"): registration stores `{token,
 * rel_channel, aps?}`; a push becomes a notification whose payload is the `aps` dictionary plus
 * autopush's data map and `ver` (the message id), sent over HTTP/2 with `apns-topic`,
 * `apns-expiration`, `apns-priority` (from `Urgency`; autopush always sends 10), `apns-push-type`
 * and, beyond autopush, `apns-collapse-id` from `Topic`.
 */
import { ApiError } from '../../errors/api-error.js';
import type { Notification, Urgency } from '../../protocol/notification.js';
import type { RouterData } from '../../storage/store.js';
import type { BridgeRouter } from '../bridge-router.js';
import { messageData } from '../message-data.js';
import type { RegistrationInput } from '../registration-input.js';
import { BridgeFailure } from '../upstream-failure.js';
import { withRetry } from '../upstream-retry.js';
import type { ApnsChannel } from './apns-config.js';
import type { ApnsSession } from './apns-session.js';
import { buildAps } from './aps.js';
import type { ProviderToken } from './provider-token.js';

export interface ApnsClient {
  channel: ApnsChannel;
  session: ApnsSession;
  /** Token auth only. */
  providerToken?: ProviderToken;
}

export interface ApnsLimits {
  /** Bytes of the payload's JSON. */
  maxData: number;
  timeoutMs: number;
  retryBudgetMs: number;
}

/** 5 lets APNs wait for the device's power state (RFC 8030 §5.3 low urgencies); 10 sends at once. */
export function apnsPriority(urgency: Urgency | undefined): '5' | '10' {
  return urgency === 'low' || urgency === 'very-low' ? '5' : '10';
}

export class ApnsRouter implements BridgeRouter {
  readonly platform = 'apns' as const;
  readonly #clients: ReadonlyMap<string, ApnsClient>;
  readonly #limits: ApnsLimits;

  constructor(clients: ReadonlyMap<string, ApnsClient>, limits: ApnsLimits) {
    this.#clients = clients;
    this.#limits = limits;
  }

  register(appId: string, input: RegistrationInput): RouterData {
    if (!this.#clients.has(appId)) throw new ApiError('unknown-app-id', `Unknown release channel for APNs: ${JSON.stringify(appId.slice(0, 64))}`);
    if (input.aps !== undefined) buildAps(input.aps); // refuse a bad one now, not at push time
    return { token: input.token, rel_channel: appId, ...(input.aps !== undefined ? { aps: input.aps } : {}) };
  }

  async send(routerData: RouterData, n: Notification): Promise<void> {
    const { token, rel_channel: channelId } = routerData;
    if (typeof token !== 'string' || typeof channelId !== 'string') throw new BridgeFailure('no-routing-data', 'the APNs registration lacks its token or release channel');
    const client = this.#clients.get(channelId);
    if (client === undefined) throw new BridgeFailure('unknown-app-id', `APNs release channel ${channelId} is no longer configured`);
    const registered = routerData.aps;
    const aps = buildAps(registered !== null && typeof registered === 'object' && !Array.isArray(registered) ? (registered as Record<string, unknown>) : undefined);
    const payload = JSON.stringify({ aps, ...messageData(n), ver: n.version });
    const size = Buffer.byteLength(payload);
    if (size > this.#limits.maxData) throw new BridgeFailure('too-much-data', `the APNs payload is ${size - this.#limits.maxData} bytes too long`);
    await withRetry({ budgetMs: this.#limits.retryBudgetMs }, () => this.#attempt(client, token, n, payload));
  }

  async #attempt(client: ApnsClient, token: string, n: Notification, payload: string): Promise<void> {
    const headers: Record<string, string> = {
      ':method': 'POST',
      ':path': `/3/device/${encodeURIComponent(token)}`,
      'content-type': 'application/json',
      'apns-topic': client.channel.topic,
      'apns-expiration': String(n.timestamp + n.ttl),
      'apns-priority': apnsPriority(n.urgency),
      'apns-push-type': 'alert',
    };
    if (n.topic !== null) headers['apns-collapse-id'] = n.topic;
    if (client.providerToken !== undefined) headers.authorization = `bearer ${await client.providerToken.get()}`;
    const res = await client.session.request(headers, payload, this.#limits.timeoutMs);
    if (res.status === 200) return;
    const reason = reasonOf(res.body);
    const detail = `APNs answered ${res.status}${reason ? ` ${reason}` : ''}`;
    if (res.status === 410) throw new BridgeFailure('unregistered', detail);
    if (res.status === 403) {
      client.providerToken?.invalidate();
      throw new BridgeFailure('authentication', detail);
    }
    if (res.status === 429 || res.status >= 500) throw new BridgeFailure('busy', detail);
    throw new BridgeFailure('unavailable', detail);
  }

  async close(): Promise<void> {
    await Promise.all([...this.#clients.values()].map((c) => c.session.close()));
  }
}

function reasonOf(body: string): string | undefined {
  try {
    const r = (JSON.parse(body) as { reason?: unknown }).reason;
    return typeof r === 'string' ? r.slice(0, 64) : undefined;
  } catch {
    return undefined;
  }
}

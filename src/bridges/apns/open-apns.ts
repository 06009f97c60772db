/** The APNs bridge of `--apns-channels` and the other `--apns-*` settings (docs/bridges.md "APNs"). */
import type { Settings } from '../../config/settings.js';
import type { BridgeRouter } from '../bridge-router.js';
import { parseApnsChannels } from './apns-config.js';
import { ApnsRouter, type ApnsClient } from './apns-router.js';
import { ApnsSession } from './apns-session.js';
import { ProviderToken } from './provider-token.js';

const PRODUCTION = 'https://api.push.apple.com';
const SANDBOX = 'https://api.sandbox.push.apple.com';

/** Where a channel's requests go: `--apns-base-url` when set, else Apple's host for its `sandbox`. */
export function apnsOrigin(sandbox: boolean, baseUrl: string): string {
  if (baseUrl !== '') return baseUrl;
  return sandbox ? SANDBOX : PRODUCTION;
}

/** The APNs router, or null when `--apns-channels` is empty or `{}`. @throws BridgeConfigError */
export function openApnsRouter(settings: Readonly<Settings>, retryBudgetMs: number): Promise<BridgeRouter | null> {
  if (settings.apnsChannels.trim() === '') return Promise.resolve(null);
  const channels = parseApnsChannels(settings.apnsChannels);
  if (channels.size === 0) return Promise.resolve(null);
  const clients = new Map<string, ApnsClient>();
  for (const [appId, channel] of channels) {
    const origin = apnsOrigin(channel.sandbox, settings.apnsBaseUrl);
    const { auth } = channel;
    const session = new ApnsSession({ origin, ...(auth.kind === 'certificate' ? { tls: { cert: auth.cert, key: auth.key } } : {}) });
    clients.set(appId, { channel, session, ...(auth.kind === 'token' ? { providerToken: new ProviderToken(auth.signingKey, auth.keyId, auth.teamId) } : {}) });
  }
  return Promise.resolve(new ApnsRouter(clients, { maxData: settings.apnsMaxData, timeoutMs: settings.apnsRequestTimeoutSecs * 1000, retryBudgetMs }));
}

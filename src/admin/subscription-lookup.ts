/**
 * One subscription's state for the admin API: the push endpoint URL's token is decrypted with the
 * crypto keys (docs/protocol.md#endpoint-urls-and-tokens) into uaid and channel, then the router
 * record says whether
 * the user agent is connected, to which node, whether the channel still exists and how many
 * messages wait for it.
 */
import type { MultiFernet } from '../crypto/fernet.js';
import { parseEndpointToken } from '../crypto/endpoint-token.js';
import { ApiError } from '../errors/api-error.js';
import type { Store } from '../storage/store.js';

export interface SubscriptionState {
  uaid: string;
  channelID: string;
  /** v2 endpoints are bound to one VAPID key. */
  vapidBound: boolean;
  /** False when the uaid has no router record (never registered, reset or expired). */
  userExists: boolean;
  /** The connection node holding the user agent, or null when it is offline. */
  nodeId: string | null;
  /** Epoch ms of the last hello, or null. */
  connectedAt: number | null;
  /** Epoch ms of the last record update, or null. */
  lastUpdate: number | null;
  channelExists: boolean;
  /** Unexpired stored messages of the user agent (all its channels). */
  storedMessages: number;
}

export class LookupError extends Error {
  override name = 'LookupError';
}

/** `…/wpush/v1/{token}`, `…/wpush/v2/{token}` or `…/wpush/{token}` (v1) → version and token. */
function tokenOf(endpoint: string): { version: string; token: string } {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new LookupError('not a URL: give the whole push endpoint, https://…/wpush/v2/…');
  }
  const parts = url.pathname.split('/').filter((p) => p !== '');
  const at = parts.lastIndexOf('wpush');
  const rest = at === -1 ? [] : parts.slice(at + 1);
  if (rest.length === 1) return { version: 'v1', token: rest[0]! };
  if (rest.length === 2) return { version: rest[0]!, token: rest[1]! };
  throw new LookupError('not a push endpoint: the path must end in /wpush/v1/<token>, /wpush/v2/<token> or /wpush/<token>');
}

export async function lookupSubscription(deps: { cipher: MultiFernet; store: Store }, endpoint: string): Promise<SubscriptionState> {
  const { version, token } = tokenOf(endpoint.trim());
  let info;
  try {
    info = parseEndpointToken(deps.cipher, version, token);
  } catch (err) {
    if (err instanceof ApiError) throw new LookupError(`the token does not decrypt with this server's crypto keys (${err.kind})`);
    throw err;
  }
  const { uaid, channelID } = info;
  const user = await deps.store.getUser(uaid);
  const [channelExists, storedMessages] = user === null ? [false, 0] : await Promise.all([deps.store.hasChannel(uaid, channelID), deps.store.countMessages(uaid)]);
  return {
    uaid,
    channelID,
    vapidBound: info.vapidKeyHash !== null,
    userExists: user !== null,
    nodeId: user?.nodeId ?? null,
    connectedAt: user?.connectedAt ?? null,
    lastUpdate: user?.lastUpdate ?? null,
    channelExists,
    storedMessages,
  };
}

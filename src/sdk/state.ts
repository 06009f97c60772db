/**
 * User agent state: validation of what comes back from disk, copies that callers cannot alias,
 * and conversions between the stored form and the forms the protocol and crypto need.
 */
import { b64uDecode } from '../crypto/base64url.js';
import type { SubscriptionKeys } from '../crypto/ece.js';
import type { StoredSubscription, Subscription, UserAgentState } from './types.js';

const UAID = /^[0-9a-f]{32}$/;
const CHANNEL_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A user agent that has never connected. */
export function emptyState(): UserAgentState {
  return { uaid: null, subscriptions: {} };
}

/** A deep copy. */
export function cloneState(state: UserAgentState): UserAgentState {
  const subscriptions: Record<string, StoredSubscription> = {};
  for (const [channelID, sub] of Object.entries(state.subscriptions)) subscriptions[channelID] = { ...sub };
  return { uaid: state.uaid, subscriptions };
}

/**
 * Check a value read from storage and return a clean copy.
 * @throws Error naming the first field that is wrong.
 */
export function parseState(value: unknown): UserAgentState {
  if (!isObject(value)) throw new Error('user agent state must be an object');
  const { uaid, subscriptions } = value;
  if (uaid !== null && (typeof uaid !== 'string' || !UAID.test(uaid))) throw new Error('state.uaid must be null or 32 hex characters');
  if (!isObject(subscriptions)) throw new Error('state.subscriptions must be an object');
  const out: UserAgentState = { uaid, subscriptions: {} };
  for (const [channelID, sub] of Object.entries(subscriptions)) {
    if (!CHANNEL_ID.test(channelID)) throw new Error(`state.subscriptions: ${channelID} is not a lowercase dashed UUID`);
    out.subscriptions[channelID] = parseStoredSubscription(sub, channelID);
  }
  return out;
}

function parseStoredSubscription(sub: unknown, channelID: string): StoredSubscription {
  if (!isObject(sub)) throw new Error(`state.subscriptions.${channelID} must be an object`);
  const field = (name: string, bytes?: number): string => {
    const v = sub[name];
    if (typeof v !== 'string') throw new Error(`state.subscriptions.${channelID}.${name} must be a string`);
    if (bytes !== undefined && decodedLength(v) !== bytes) {
      throw new Error(`state.subscriptions.${channelID}.${name} must be ${bytes} bytes of base64url`);
    }
    return v;
  };
  const out: StoredSubscription = {
    endpoint: field('endpoint'),
    privateKey: field('privateKey', 32),
    publicKey: field('publicKey', 65),
    auth: field('auth', 16),
  };
  if (sub.vapidPublicKey !== undefined) out.vapidPublicKey = field('vapidPublicKey');
  return out;
}

/** The `PushSubscription` JSON an application server needs. */
export function toSubscription(channelID: string, sub: StoredSubscription): Subscription {
  return { channelID, endpoint: sub.endpoint, expirationTime: null, keys: { p256dh: sub.publicKey, auth: sub.auth } };
}

/** Raw keys for decryption. */
export function keysOf(sub: StoredSubscription): SubscriptionKeys {
  return { privateKey: b64uDecode(sub.privateKey), publicKey: b64uDecode(sub.publicKey), auth: b64uDecode(sub.auth) };
}

function decodedLength(v: string): number {
  try {
    return b64uDecode(v).length;
  } catch {
    return -1;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

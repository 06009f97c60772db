/**
 * Herald's client SDK: a Web Push user agent (connect, subscribe, decrypt, ack, reconnect,
 * persist) and a sender. Node only; depends on `protocol/` and `crypto/` alone.
 */
export { PushUserAgent, PushRequestError } from './user-agent.js';
export type { UserAgentOptions, UserAgentEvents } from './user-agent.js';
export type { Urgency } from '../protocol/notification.js';
export type { DecryptErrorEvent, PushEvent, StoredSubscription, Subscription, UserAgentState } from './types.js';
export { loadState, saveState } from './file-state.js';
export { sendPush } from './sender.js';
export type { SendPushOptions, SendPushResult } from './sender.js';
export { generateVapidKeys } from '../crypto/vapid.js';
export * from './account-client.js';
export { BridgeRegistration, BridgeApiError } from './bridge-client.js';
export type { BridgeRegistrationState, BridgeChannel, NewChannelOptions } from './bridge-client.js';

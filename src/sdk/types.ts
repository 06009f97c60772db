/**
 * The client SDK's public data shapes: what a user agent persists, what `subscribe()` returns
 * (the browser's `PushSubscription.toJSON()` shape, so Web Push libraries take it as is), and
 * what it emits.
 */
import type { Urgency } from '../protocol/notification.js';

/** One subscription as persisted; keys are base64url without padding. */
export interface StoredSubscription {
  endpoint: string;
  /** The application server key given at subscribe time, if any (a v2 endpoint). */
  vapidPublicKey?: string;
  /** 32-byte P-256 private scalar. */
  privateKey: string;
  /** 65-byte uncompressed point: the subscription's `p256dh`. */
  publicKey: string;
  /** 16-byte authentication secret. */
  auth: string;
}

/** Everything a user agent must keep to come back as itself: JSON-serialisable. */
export interface UserAgentState {
  /** 32 hex characters once a server has assigned one. */
  uaid: string | null;
  /** By channel id (dashed lowercase UUID). */
  subscriptions: Record<string, StoredSubscription>;
}

/** A subscription as an application server needs it (`PushSubscription.toJSON()` plus its channel). */
export interface Subscription {
  channelID: string;
  endpoint: string;
  expirationTime: null;
  keys: { p256dh: string; auth: string };
}

/** A decrypted push message. */
export interface PushEvent {
  channelID: string;
  /** The message id; acks and `DELETE /m/{version}` name it. */
  version: string;
  /** Empty for a push without data. */
  payload: Buffer;
  /** `payload` as UTF-8. */
  text: string;
  /** The sender's `Urgency`, when the server says it (Herald does); absent means normal. */
  urgency?: Urgency;
}

/** A push message that could not be decrypted (acked with code 101 when auto-acking). */
export interface DecryptErrorEvent {
  channelID: string;
  version: string;
  error: Error;
}

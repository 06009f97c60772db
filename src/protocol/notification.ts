/**
 * A push message as it travels from the endpoint service to a connection (docs/protocol.md#delivery-policy)
 * and as it is stored (docs/protocol.md#messages). Shared by endpoint, storage, routing and connection.
 */

export type Urgency = 'very-low' | 'low' | 'normal' | 'high';

/** Crypto headers forwarded to the UA, already normalised (quotes and `=` padding removed). */
export interface NotificationHeaders {
  encoding: 'aes128gcm' | 'aesgcm';
  encryption?: string;
  crypto_key?: string;
}

export interface Notification {
  /** Dashed lowercase UUID of the subscription. */
  channelID: string;
  /** Message id (opaque Fernet token); the UA acks by it, `DELETE /m/{version}` removes it. */
  version: string;
  /** Seconds; 0 means deliver live or drop. */
  ttl: number;
  topic: string | null;
  /** Receipt time, epoch seconds; the message expires at `timestamp + ttl`. */
  timestamp: number;
  /** Body, base64url without padding; absent for an empty body. */
  data?: string;
  headers?: NotificationHeaders;
  urgency?: Urgency;
  /**
   * Already in storage: the endpoint stores every message with a TTL before it routes it live, so
   * a crash of the connection node loses nothing. The connection deletes the stored copy on ack
   * and does not save it again when the session ends. Never sent to the UA.
   */
  stored?: true;
  /**
   * Whether the sender asked for a push receipt (RFC 8030 §5.1), set by the endpoint and kept in
   * storage, so the ack of a message without one costs nothing. Absent only on messages stored
   * by an older Herald: then the id says (crypto/message-id.ts, `03`/`04`). Never sent to the UA.
   */
  receipt?: boolean;
}

/** A notification read back from storage: the store assigns `sortKey`, increasing per uaid. */
export interface StoredNotification extends Notification {
  sortKey: number;
}

export function isExpired(n: Pick<Notification, 'timestamp' | 'ttl'>, nowSeconds: number): boolean {
  return nowSeconds >= n.timestamp + n.ttl;
}

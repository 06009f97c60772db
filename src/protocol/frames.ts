/**
 * WebSocket frames between user agent and connection service (docs/protocol.md#websocket-protocol,
 * docs/protocol.md#notification).
 * Client frames are produced only by `parse-frame.ts`; the rest of the code sees these types.
 */
import type { NotificationHeaders, Urgency } from './notification.js';

export type Broadcasts = Record<string, string>;

export type ClientFrame =
  /** `urgency`: the lowest urgency the UA wants (Herald extension); null: everything. */
  | { messageType: 'hello'; uaid: string | null; broadcasts: Broadcasts; urgency: Urgency | null }
  | { messageType: 'register'; channelID: string; key: string | null }
  | { messageType: 'unregister'; channelID: string; code: number | null }
  | { messageType: 'ack'; updates: AckUpdate[] }
  | { messageType: 'nack'; version: string; code: number | null }
  | { messageType: 'ping' }
  | { messageType: 'broadcast_subscribe'; broadcasts: Broadcasts }
  /** Herald extension (docs/protocol.md#urgency-herald-extension): change the lowest urgency the UA wants. */
  | { messageType: 'urgency'; urgency: Urgency };

export interface AckUpdate {
  channelID: string;
  version: string;
  code: number | null;
}

export interface HelloReply {
  messageType: 'hello';
  uaid: string;
  status: 200;
  use_webpush: true;
  broadcasts: Record<string, unknown>;
}

export interface RegisterReply {
  messageType: 'register';
  channelID: string;
  /** 413: too many channels; 429: registering too fast (Herald's abuse controls, docs/errors.md). */
  status: 200 | 400 | 413 | 429 | 500;
  pushEndpoint: string;
}

export interface UnregisterReply {
  messageType: 'unregister';
  channelID: string;
  status: 200 | 500;
}

export interface NotificationFrame {
  messageType: 'notification';
  channelID: string;
  version: string;
  data?: string;
  headers?: NotificationHeaders;
  /** Herald extension: the sender's `Urgency`, when it gave one (absent means normal). */
  urgency?: Urgency;
}

/** Herald extension: the answer to an `urgency` message, the level now in force. */
export interface UrgencyReply {
  messageType: 'urgency';
  status: 200;
  urgency: Urgency;
}

export interface BroadcastFrame {
  messageType: 'broadcast';
  broadcasts: Record<string, unknown>;
}

/** The app-level ping reply is the empty object. */
export type PingReply = Record<string, never>;

export type ServerFrame = HelloReply | RegisterReply | UnregisterReply | NotificationFrame | BroadcastFrame | UrgencyReply | PingReply;

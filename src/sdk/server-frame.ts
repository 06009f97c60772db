/**
 * Frames from the push server, as the client SDK reads them (docs/protocol.md#notification). The server
 * is trusted less than our own code: a frame is checked here, once, into a typed value.
 */
import type {
  BroadcastFrame,
  HelloReply,
  NotificationFrame,
  RegisterReply,
  UnregisterReply,
  UrgencyReply,
} from '../protocol/frames.js';
import type { NotificationHeaders } from '../protocol/notification.js';
import { urgencyOrUndefined } from '../protocol/urgency.js';

/** A server frame the SDK understands; `ping` is the empty-object reply. */
export type IncomingFrame =
  | HelloReply
  | RegisterReply
  | UnregisterReply
  | NotificationFrame
  | BroadcastFrame
  | UrgencyReply
  | { messageType: 'ping' };

/**
 * Parse one text frame.
 * @throws Error when it is not JSON, not an object, of an unknown type, or lacks a field.
 */
export function parseServerFrame(text: string): IncomingFrame {
  const v: unknown = JSON.parse(text);
  if (!isObject(v)) throw new Error('server frame is not a JSON object');
  if (v.messageType === undefined) {
    // `{}` (or the Python server's `{"messageType":"ping"}`) answers a ping.
    return { messageType: 'ping' };
  }
  switch (v.messageType) {
    case 'ping':
      return { messageType: 'ping' };
    case 'hello':
      return {
        messageType: 'hello',
        uaid: str(v, 'uaid'),
        status: num(v, 'status') as 200,
        use_webpush: true,
        broadcasts: isObject(v.broadcasts) ? v.broadcasts : {},
      };
    case 'register':
      return {
        messageType: 'register',
        channelID: str(v, 'channelID'),
        status: num(v, 'status') as RegisterReply['status'],
        pushEndpoint: typeof v.pushEndpoint === 'string' ? v.pushEndpoint : '',
      };
    case 'unregister':
      return { messageType: 'unregister', channelID: str(v, 'channelID'), status: num(v, 'status') as UnregisterReply['status'] };
    case 'notification':
      return notification(v);
    case 'broadcast':
      return { messageType: 'broadcast', broadcasts: isObject(v.broadcasts) ? v.broadcasts : {} };
    case 'urgency': {
      // Herald extension: the answer to an urgency message.
      const urgency = urgencyOrUndefined(v.urgency);
      if (urgency === undefined) throw new Error('urgency reply lacks a valid urgency');
      return { messageType: 'urgency', status: num(v, 'status') as 200, urgency };
    }
    default:
      throw new Error(`unknown server messageType ${JSON.stringify(v.messageType)}`);
  }
}

function notification(v: Record<string, unknown>): NotificationFrame {
  const frame: NotificationFrame = { messageType: 'notification', channelID: str(v, 'channelID'), version: str(v, 'version') };
  if (v.data !== undefined && v.data !== null) frame.data = str(v, 'data');
  if (isObject(v.headers)) {
    const h = v.headers;
    const encoding = h.encoding;
    if (encoding !== 'aes128gcm' && encoding !== 'aesgcm') {
      throw new Error(`notification has an unknown encoding ${JSON.stringify(encoding)}`);
    }
    const headers: NotificationHeaders = { encoding };
    if (typeof h.encryption === 'string') headers.encryption = h.encryption;
    if (typeof h.crypto_key === 'string') headers.crypto_key = h.crypto_key;
    frame.headers = headers;
  }
  // Herald extension; an unknown value from another server is left out rather than refused.
  const urgency = urgencyOrUndefined(v.urgency);
  if (urgency !== undefined) frame.urgency = urgency;
  return frame;
}

function str(v: Record<string, unknown>, key: string): string {
  const x = v[key];
  if (typeof x !== 'string') throw new Error(`server frame ${String(v.messageType)} lacks string ${key}`);
  return x;
}

function num(v: Record<string, unknown>, key: string): number {
  const x = v[key];
  if (typeof x !== 'number') throw new Error(`server frame ${String(v.messageType)} lacks numeric ${key}`);
  return x;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

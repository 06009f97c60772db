/**
 * The edge of the WebSocket protocol (docs/protocol.md#websocket-protocol): one text frame from a user
 * agent becomes one typed `ClientFrame`, or a `SessionError('InvalidMessage')` (close 1011).
 *
 * Rules, as autoconnect applies them:
 * - any JSON object without keys (`{}`) is an app-level ping;
 * - otherwise `messageType` picks the variant; unknown fields are ignored;
 * - `register.channelID` must already be a lowercase dashed UUID (Firefox sends that form);
 * - `unregister` and `ack` channel ids may be any textual UUID form and come out lowercase dashed;
 * - `hello.uaid` that does not parse as a UUID is not an error: it means "new user"
 * (docs/protocol.md#hello).
 * Pure: no I/O, no clock; the only module that looks at raw client text.
 */
import { SessionError } from '../errors/session-error.js';
import type { AckUpdate, Broadcasts, ClientFrame } from './frames.js';
import type { Urgency } from './notification.js';
import { urgencyOrUndefined } from './urgency.js';

type Json = Record<string, unknown>;

const HEX32 = /^[0-9a-f]{32}$/i;
const DASHED = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const LOWER_DASHED = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Parse one client text frame.
 * @throws SessionError `InvalidMessage` for invalid JSON, a non-object, an unknown or missing
 *   `messageType`, or a missing or ill-typed required field.
 */
export function parseClientFrame(text: string): ClientFrame {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalid('frame is not JSON');
  }
  if (!isObject(value)) throw invalid('frame is not a JSON object');
  if (Object.keys(value).length === 0) return { messageType: 'ping' };

  const type = value.messageType;
  switch (type) {
    case 'hello':
      return {
        messageType: 'hello',
        uaid: helloUaid(value.uaid),
        broadcasts: broadcasts(value.broadcasts, false) ?? {},
        urgency: value.urgency === undefined || value.urgency === null ? null : urgencyLevel(value.urgency),
      };
    case 'register':
      return { messageType: 'register', channelID: registerChannelId(value.channelID), key: optionalString(value.key, 'key') };
    case 'unregister':
      return { messageType: 'unregister', channelID: anyUuid(value.channelID, 'channelID'), code: optionalInt(value.code, 'code') };
    case 'ack':
      return { messageType: 'ack', updates: ackUpdates(value.updates) };
    case 'nack':
      return { messageType: 'nack', version: requiredString(value.version, 'version'), code: optionalInt(value.code, 'code') };
    case 'ping':
      return { messageType: 'ping' };
    case 'broadcast_subscribe':
      return { messageType: 'broadcast_subscribe', broadcasts: broadcasts(value.broadcasts, true) ?? {} };
    case 'urgency':
      return { messageType: 'urgency', urgency: urgencyLevel(value.urgency) };
    default:
      throw invalid(typeof type === 'string' ? `unknown messageType ${JSON.stringify(type.slice(0, 40))}` : 'missing messageType');
  }
}

/**
 * The 32 lowercase hex characters of a UUID in any textual form autopush's parser accepts
 * (simple, dashed, `{braced}`, `urn:uuid:`), any case; null when it is none of them.
 */
export function uuidHexOrNull(s: string): string | null {
  let t = s;
  if (t.length === 45 && t.slice(0, 9).toLowerCase() === 'urn:uuid:') t = t.slice(9);
  else if (t.length === 38 && t.startsWith('{') && t.endsWith('}')) t = t.slice(1, -1);
  if (HEX32.test(t)) return t.toLowerCase();
  if (DASHED.test(t)) return t.replace(/-/g, '').toLowerCase();
  return null;
}

function dashed(hex: string): string {
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function helloUaid(v: unknown): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') throw invalid('hello uaid must be a string or null');
  // An unparseable uaid is a new user, never an error (docs/protocol.md#hello).
  return uuidHexOrNull(v);
}

function registerChannelId(v: unknown): string {
  const s = requiredString(v, 'channelID');
  // autoconnect compares the parsed id's hyphenated lowercase form with the text it received.
  if (!LOWER_DASHED.test(s)) throw invalid('register channelID must be a lowercase dashed UUID');
  return s;
}

function anyUuid(v: unknown, field: string): string {
  const s = requiredString(v, field);
  // What Herald sends and every user agent echoes in acks: nothing to normalise.
  if (LOWER_DASHED.test(s)) return s;
  const hex = uuidHexOrNull(s);
  if (hex === null) throw invalid(`${field} is not a UUID`);
  return dashed(hex);
}

function ackUpdates(v: unknown): AckUpdate[] {
  if (!Array.isArray(v)) throw invalid('ack updates must be a list');
  return v.map((u: unknown) => {
    if (!isObject(u)) throw invalid('ack update must be an object');
    return {
      channelID: anyUuid(u.channelID, 'channelID'),
      version: requiredString(u.version, 'version'),
      code: optionalInt(u.code, 'code'),
    };
  });
}

/** `{id: version}` with string versions; absent (or null when optional) gives null. */
function broadcasts(v: unknown, required: boolean): Broadcasts | null {
  if (v === undefined || v === null) {
    if (required) throw invalid('broadcasts is required');
    return null;
  }
  if (!isObject(v)) throw invalid('broadcasts must be an object');
  const entries = Object.entries(v);
  for (const [, version] of entries) {
    if (typeof version !== 'string') throw invalid('broadcast versions must be strings');
  }
  // fromEntries defines own properties, so an id like "__proto__" stays data.
  return Object.fromEntries(entries) as Broadcasts;
}

function urgencyLevel(v: unknown): Urgency {
  const urgency = urgencyOrUndefined(v);
  if (urgency === undefined) throw invalid('urgency must be one of "very-low", "low", "normal", "high"');
  return urgency;
}

function requiredString(v: unknown, field: string): string {
  if (typeof v !== 'string') throw invalid(`${field} must be a string`);
  return v;
}

function optionalString(v: unknown, field: string): string | null {
  if (v === undefined || v === null) return null;
  return requiredString(v, field);
}

function optionalInt(v: unknown, field: string): number | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw invalid(`${field} must be an integer`);
  return v;
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function invalid(detail: string): SessionError {
  return new SessionError('InvalidMessage', detail);
}

/**
 * Message ids, the `version` a UA acks and `DELETE /m/{id}` names (docs/protocol.md#identifiers).
 *
 * A Fernet token (padding kept) over one of:
 *   `01:{uaid hex}:{channelID hex}:{topic}`            for topic messages
 *   `02:{uaid hex}:{channelID hex}:{receipt time}`     otherwise
 *   `03:{uaid hex}:{channelID hex}:{topic}:{receipt time}`  topic message with a push receipt requested
 *   `04:{uaid hex}:{channelID hex}:{receipt time}`     other message with a push receipt requested
 * (03/04: RFC 8030 §5.1, docs/protocol.md#push-message-receipts: the id itself tells the node that
 * gets the ack to look for a receipt, so acks of other messages cost no storage read; the receipt
 * time makes each push's receipt key unique, also between pushes that replace each other by topic),
 * so the id alone says which stored message it is, and nobody but the server can forge one.
 * A copy redelivered after a nack appends `:r{n}`: a new id, because user agents drop ids they
 * have seen, and the count that caps redeliveries.
 */
import { ApiError } from '../errors/api-error.js';
import type { MultiFernet } from './fernet.js';
import { dashedUuid, uuidHex } from './uuid.js';

const SIMPLE_UUID = /^[0-9a-f]{32}$/;

/** What a message id names. */
export interface MessageIdInfo {
  /** 32 lowercase hex characters. */
  uaid: string;
  /** Dashed lowercase UUID. */
  channelID: string;
  /** The topic for `01` ids; null for `02` ids. */
  topic: string | null;
  /** The receipt time embedded in `02` ids, exactly as it was given; null for `01` ids. */
  receivedMicros: number | null;
  /** How many times this message was redelivered after a nack; 0 for the original. */
  redelivery: number;
  /** Present (true) when the sender asked for a push receipt (`03`/`04` ids). */
  receipt?: true;
}

/**
 * The key of a push's pending receipt: the same for the original id and its redeliveries, and
 * different for every push. Null when no receipt was requested.
 */
export function receiptKey(info: MessageIdInfo): string | null {
  return info.receipt && info.receivedMicros !== null ? `${info.uaid}:${info.channelID}:${info.receivedMicros}` : null;
}

/**
 * Mint the id of a message.
 * @param m.receivedMicros the receipt time, embedded verbatim in `02` ids (it makes ids of
 *   topic-less messages unique; autopush puts its millisecond sort key here).
 * @throws Error when uaid or channelID is not a UUID.
 */
export function makeMessageId(
  cipher: MultiFernet,
  m: { uaid: string; channelID: string; topic: string | null; receivedMicros: number; redelivery?: number; receipt?: boolean },
): string {
  const uaid = uuidHex(m.uaid, 'uaid');
  const chid = uuidHex(m.channelID, 'channelID');
  const micros = Math.trunc(m.receivedMicros);
  const base = m.receipt
    ? m.topic !== null
      ? `03:${uaid}:${chid}:${m.topic}:${micros}`
      : `04:${uaid}:${chid}:${micros}`
    : m.topic !== null
      ? `01:${uaid}:${chid}:${m.topic}`
      : `02:${uaid}:${chid}:${micros}`;
  const plain = m.redelivery ? `${base}:r${Math.trunc(m.redelivery)}` : base;
  return cipher.encrypt(Buffer.from(plain, 'utf8'));
}

/**
 * Open a message id.
 * @throws ApiError `invalid-message-id` when it does not decrypt or is not one of the two forms.
 */
export function parseMessageId(cipher: MultiFernet, id: string): MessageIdInfo {
  let plain: string;
  try {
    plain = cipher.decrypt(id).toString('utf8');
  } catch {
    throw new ApiError('invalid-message-id');
  }
  const [kind, uaid, chid, ...rest] = plain.split(':');
  // Topics and receipt times never contain ':' or start with 'r', so a last `r{n}` is the count.
  const count = rest.length >= 2 ? /^r(\d+)$/.exec(rest[rest.length - 1]!) : null;
  const redelivery = count ? Number(count[1]) : 0;
  if (count) rest.pop();
  const last = rest.join(':');
  if (uaid === undefined || chid === undefined || rest.length === 0) throw new ApiError('invalid-message-id');
  if (!SIMPLE_UUID.test(uaid) || !SIMPLE_UUID.test(chid)) throw new ApiError('invalid-message-id');
  if (kind === '01' && last.length > 0) {
    return { uaid, channelID: dashedUuid(chid), topic: last, receivedMicros: null, redelivery };
  }
  if (kind === '02' && /^\d+$/.test(last)) {
    return { uaid, channelID: dashedUuid(chid), topic: null, receivedMicros: Number(last), redelivery };
  }
  if (kind === '04' && /^\d+$/.test(last)) {
    return { uaid, channelID: dashedUuid(chid), topic: null, receivedMicros: Number(last), redelivery, receipt: true };
  }
  if (kind === '03' && rest.length === 2 && rest[0]!.length > 0 && /^\d+$/.test(rest[1]!)) {
    return { uaid, channelID: dashedUuid(chid), topic: rest[0]!, receivedMicros: Number(rest[1]), redelivery, receipt: true };
  }
  throw new ApiError('invalid-message-id');
}

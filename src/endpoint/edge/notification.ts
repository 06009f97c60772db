/**
 * A send request (`POST /wpush/...`) turned into the `Notification` that storage and routing
 * carry, in the order of docs/protocol.md#processing-order: path and VAPID (`subscription.ts`),
 * body size, TTL, Topic, Urgency, Push-Receipt and encryption headers, then the message id. The first rule
 * broken decides the error. The user record is checked afterwards, in `deliver.ts`, so a
 * malformed request costs no storage read.
 */
import { ApiError } from '../../errors/api-error.js';
import type { Settings } from '../../config/settings.js';
import type { MultiFernet } from '../../crypto/fernet.js';
import { b64uEncode } from '../../crypto/base64url.js';
import { makeMessageId } from '../../crypto/message-id.js';
import type { Notification } from '../../protocol/notification.js';
import type { ReceiptClock } from '../receipt-clock.js';
import { parseCryptoHeaders } from './crypto-headers.js';
import { parsePushReceipt } from './push-receipt.js';
import { parseSubscription, type Subscription } from './subscription.js';
import { parseTopic } from './topic.js';
import { parseTtl } from './ttl.js';
import { parseUrgency } from './urgency.js';

/** The request headers a send looks at, raw; undefined when absent. */
export interface PushHeaders {
  ttl?: string;
  topic?: string;
  urgency?: string;
  contentEncoding?: string;
  encryption?: string;
  cryptoKey?: string;
  authorization?: string;
  /** RFC 8030 §5.1: the receipt subscription URL the sender wants a receipt on. */
  pushReceipt?: string;
}

export interface PushRequest {
  apiVersion: string;
  token: string;
  headers: PushHeaders;
  body: Buffer;
}

export interface NotificationContext {
  cipher: MultiFernet;
  settings: Pick<Settings, 'endpointUrl' | 'maxTtl' | 'maxDataBytes'>;
  clock: ReceiptClock;
}

export interface ParsedPush {
  uaid: string;
  notification: Notification;
  subscription: Subscription;
  /** The receipt subscription id `Push-Receipt` names (checked against storage by the route); null: no receipt asked. */
  receiptSubscriptionId: string | null;
}

/** Pick the headers of a send out of Node's lowercased header object (repeats joined by `, `). */
export function pushHeadersFrom(headers: Record<string, string | string[] | undefined>): PushHeaders {
  const get = (name: string): string | undefined => {
    const value = headers[name];
    return Array.isArray(value) ? value.join(', ') : value;
  };
  return {
    ttl: get('ttl'),
    topic: get('topic'),
    urgency: get('urgency'),
    contentEncoding: get('content-encoding'),
    encryption: get('encryption'),
    cryptoKey: get('crypto-key'),
    authorization: get('authorization'),
    pushReceipt: get('push-receipt'),
  };
}

/**
 * @throws ApiError of the first rule the request breaks (errno 102, 104, 109, 110, 111, 113, 114, 117, 118).
 */
export function parseNotification(req: PushRequest, ctx: NotificationContext): ParsedPush {
  const receipt = ctx.clock.next();
  const { headers, body } = req;
  const subscription = parseSubscription(
    { apiVersion: req.apiVersion, token: req.token, authorization: headers.authorization, cryptoKey: headers.cryptoKey },
    { cipher: ctx.cipher, endpointUrl: ctx.settings.endpointUrl, nowSeconds: receipt.seconds },
  );
  // The HTTP layer already stops bigger bodies; this keeps the rule true for any caller.
  if (body.length > ctx.settings.maxDataBytes) throw new ApiError('payload-too-large');
  const ttl = parseTtl(headers.ttl, ctx.settings.maxTtl);
  const topic = parseTopic(headers.topic);
  const urgency = parseUrgency(headers.urgency);
  const receiptSubscriptionId = parsePushReceipt(headers.pushReceipt, ctx.settings.endpointUrl);
  const cryptoHeaders = parseCryptoHeaders(
    { contentEncoding: headers.contentEncoding, encryption: headers.encryption, cryptoKey: headers.cryptoKey },
    body.length > 0,
  );

  const { uaid, channelID } = subscription;
  const wantsReceipt = receiptSubscriptionId !== null;
  const notification: Notification = {
    channelID,
    version: makeMessageId(ctx.cipher, { uaid, channelID, topic, receivedMicros: receipt.micros, receipt: wantsReceipt }),
    ttl,
    topic,
    timestamp: receipt.seconds,
    receipt: wantsReceipt,
  };
  if (body.length > 0) notification.data = b64uEncode(body);
  if (cryptoHeaders !== undefined) notification.headers = cryptoHeaders;
  if (urgency !== undefined) notification.urgency = urgency;
  return { uaid, notification, subscription, receiptSubscriptionId };
}

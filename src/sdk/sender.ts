/**
 * An application server's side of Web Push (RFC 8030 §5, RFC 8291, RFC 8292): encrypt, sign,
 * POST to the subscription's endpoint, report what the push service said.
 *
 * VAPID goes in the form each encoding's senders use: `Authorization: vapid t=…, k=…` with
 * `aes128gcm`; `Authorization: WebPush <jwt>` plus `Crypto-Key: …;p256ecdsa=…` with `aesgcm`
 * (as the `web-push` library does).
 */
import { encryptWebPush, type WebPushEncoding } from '../crypto/ece.js';
import { signVapid } from '../crypto/vapid.js';

/** Options of `sendPush`. */
export interface SendPushOptions {
  /** Seconds the push service may keep the message (the `TTL` header). */
  ttl: number;
  /** Replacement key (`Topic`): at most 32 URL-safe base64 characters. */
  topic?: string;
  /** `very-low`, `low`, `normal` or `high`. */
  urgency?: string;
  /** Default `aes128gcm`. */
  encoding?: WebPushEncoding;
  /** Application server keys (base64url raw) and contact; the audience is the endpoint's origin. */
  vapid?: { publicKey: string; privateKey: string; subject?: string };
}

/** What the push service answered. */
export interface SendPushResult {
  status: number;
  /** The message's URL (`DELETE` it to cancel delivery), on 201. */
  location: string | null;
  /** The TTL the service applied (it may clamp). */
  ttl: number | null;
  /** Seconds or an HTTP date to wait before retrying (`Retry-After` of 429 and 503). */
  retryAfter: string | null;
  /** Response body; a JSON error document on failure. */
  body: string;
}

/**
 * Send one push message. A null or empty payload sends no body and no encryption headers.
 * @throws Error when the subscription keys or VAPID keys are malformed, or the request fails at
 *   the network level; HTTP errors are returned, not thrown.
 */
export async function sendPush(
  subscription: { endpoint: string; keys: { p256dh: string; auth: string } },
  payload: string | Buffer | null,
  opts: SendPushOptions,
): Promise<SendPushResult> {
  const encoding = opts.encoding ?? 'aes128gcm';
  const headers: Record<string, string> = { TTL: String(opts.ttl) };
  if (opts.topic !== undefined) headers.Topic = opts.topic;
  if (opts.urgency !== undefined) headers.Urgency = opts.urgency;

  let body: Buffer | undefined;
  const plain = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  if (plain !== null && plain.length > 0) {
    const encrypted = encryptWebPush(plain, subscription.keys, { encoding });
    body = encrypted.body;
    Object.assign(headers, encrypted.headers, { 'Content-Type': 'application/octet-stream' });
  }

  if (opts.vapid !== undefined) {
    const signed = signVapid({ ...opts.vapid, audience: subscription.endpoint });
    if (encoding === 'aes128gcm') {
      headers.Authorization = signed.authorization;
    } else {
      headers.Authorization = `WebPush ${signed.token}`;
      const ecdsa = `p256ecdsa=${signed.publicKey}`;
      headers['Crypto-Key'] = headers['Crypto-Key'] === undefined ? ecdsa : `${headers['Crypto-Key']};${ecdsa}`;
    }
  }

  // A copy into a plain ArrayBuffer-backed view, which fetch's BodyInit type accepts.
  const res = await fetch(subscription.endpoint, { method: 'POST', headers, body: body && new Uint8Array(body) });
  const ttlHeader = res.headers.get('ttl');
  const ttl = ttlHeader !== null && /^\d+$/.test(ttlHeader) ? Number(ttlHeader) : null;
  return { status: res.status, location: res.headers.get('location'), ttl, retryAfter: res.headers.get('retry-after'), body: await res.text() };
}

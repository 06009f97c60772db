/**
 * Send with `@block65/webcrypto-web-push`, a second Web Push implementation from npm that shares
 * no code with `web-push`: its own RFC 8291 aes128gcm encryption and its own ES256 VAPID JWTs
 * (`Authorization: vapid t=…, k=…`), all on WebCrypto, with no Node `crypto` and no `http_ece`.
 *
 * The library builds the request (`buildPushPayload`) and leaves the sending to the caller. It
 * refuses endpoints that are not https, so the tests run Herald the way it is deployed, behind a
 * TLS-terminating proxy: `--endpoint-url https://push.example.test`, and `deliver` plays the proxy
 * by carrying the request to Herald's plain-http loopback port with the same path.
 */
import { webcrypto } from 'node:crypto';
import { buildPushPayload, encryptNotification, type PushSubscription, type VapidKeys } from '@block65/webcrypto-web-push';

export type { PushSubscription, VapidKeys };

export interface BuiltRequest {
  headers: Record<string, string>;
  body: Uint8Array<ArrayBuffer>;
}

export interface Answer {
  status: number;
  headers: Headers;
  body: string;
  /** The JSON error body (not for 201, nor for 404, whose body is empty). */
  json(): { code: number; errno: number | null; error: string; message: string };
}

const b64u = (bytes: ArrayBuffer | Uint8Array) => Buffer.from(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes)).toString('base64url');

/** A fresh VAPID key pair in the library's format (base64url: 65-byte public point, 32-byte `d`). */
export async function generateVapidKeys(subject = 'mailto:ops@example.com'): Promise<VapidKeys> {
  const pair = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
  const publicKey = b64u(await webcrypto.subtle.exportKey('raw', pair.publicKey));
  const { d } = await webcrypto.subtle.exportKey('jwk', pair.privateKey);
  return { subject, publicKey, privateKey: d! };
}

/** Subscription keys nobody holds the private half of: what a sender with a stale record has. */
export async function strangerKeys(): Promise<PushSubscription['keys']> {
  const pair = await webcrypto.subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, true, ['deriveBits']);
  return { p256dh: b64u(await webcrypto.subtle.exportKey('raw', pair.publicKey)), auth: b64u(webcrypto.getRandomValues(new Uint8Array(16))) };
}

/** The library's request for `text`: aes128gcm body, VAPID `Authorization`, `TTL`. */
export async function buildRequest(subscription: PushSubscription, text: string, vapid: VapidKeys, ttl = 60): Promise<BuiltRequest> {
  const req = await buildPushPayload({ data: text, options: { ttl } }, subscription, vapid);
  return { headers: { ...req.headers }, body: new Uint8Array(req.body) };
}

/** An aes128gcm body from the library with no VAPID at all (a v1 endpoint accepts that). */
export async function buildUnsignedRequest(subscription: PushSubscription, text: string, ttl = 60): Promise<BuiltRequest> {
  const body = await encryptNotification(subscription, new TextEncoder().encode(text));
  return { headers: { ttl: String(ttl), 'content-encoding': 'aes128gcm', 'content-type': 'application/octet-stream' }, body: new Uint8Array(body) };
}

/**
 * Run `build` with the sender's clock `offsetMs` away from the real one: the library takes the
 * VAPID `exp` from `Date.now()` (now + 12 h), so a skewed clock is how a real sender ends up with
 * an expired or too-distant token.
 */
export async function withSenderClock<T>(offsetMs: number, build: () => Promise<T>): Promise<T> {
  const realNow = Date.now;
  Date.now = () => realNow() + offsetMs;
  try {
    return await build();
  } finally {
    Date.now = realNow;
  }
}

/**
 * POST a built request as the TLS proxy in front of Herald would: same path and headers, to
 * `heraldOrigin` (http://127.0.0.1:PORT). `content-length` is left to fetch, so a caller may
 * change the body.
 */
export async function deliver(heraldOrigin: string, endpoint: string, req: BuiltRequest): Promise<Answer> {
  const url = new URL(endpoint);
  const { 'content-length': _length, ...headers } = req.headers;
  const res = await fetch(new URL(url.pathname + url.search, heraldOrigin), { method: 'POST', headers, body: req.body });
  const body = await res.text();
  return { status: res.status, headers: res.headers, body, json: () => JSON.parse(body) };
}

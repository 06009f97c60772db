/**
 * Send Tab, end to end (docs/device-messages.md#client-sdk): the receiver's own P-256 key pair and auth
 * secret, published sealed under kSync in the Sync "CryptoWrapper" format (AES-256-CBC, then
 * HMAC-SHA256 over the base64 ciphertext); the tab encrypted with RFC 8291 aes128gcm to those
 * keys. Herald stores and forwards only ciphertext, and cannot swap in its own key: the bundle's
 * HMAC is under kSync, which it never sees.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { b64uDecode, b64uEncode } from '../crypto/base64url.js';
import { decryptWebPush, encryptWebPush, generateSubscriptionKeys } from '../crypto/ece.js';

export const SEND_TAB_COMMAND = 'https://identity.mozilla.com/cmd/open-uri';

/** A device's Send Tab keys, base64url; the private key never leaves the device. */
export interface SendTabKeys {
  privateKey: string;
  publicKey: string;
  authSecret: string;
}

/** What another device learns from a bundle. */
export type SendTabPublicKeys = Pick<SendTabKeys, 'publicKey' | 'authSecret'>;

export interface Tab {
  title: string;
  url: string;
}

/** The cleartext of a Send Tab command (docs/device-messages.md#client-sdk). */
export interface SendTabPayload {
  entries: Tab[];
  flowID: string;
  streamID: string;
}

export class SendTabError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SendTabError';
  }
}

export function generateSendTabKeys(): SendTabKeys {
  const k = generateSubscriptionKeys();
  return { privateKey: b64uEncode(k.privateKey), publicKey: b64uEncode(k.publicKey), authSecret: b64uEncode(k.auth) };
}

/** The `availableCommands[open-uri]` value: `JSON{kid, IV, hmac, ciphertext}` (docs/device-messages.md#client-sdk). */
export function sealSendTabKeys(keys: SendTabKeys, secrets: { kSync: Buffer; kXCS: Buffer }): string {
  const iv = randomBytes(16);
  const cipher = createCipheriv('aes-256-cbc', secrets.kSync.subarray(0, 32), iv);
  const clear = Buffer.from(JSON.stringify({ publicKey: keys.publicKey, authSecret: keys.authSecret }), 'utf8');
  const ciphertext = Buffer.concat([cipher.update(clear), cipher.final()]).toString('base64');
  const hmac = createHmac('sha256', secrets.kSync.subarray(32, 64)).update(ciphertext, 'utf8').digest('hex');
  return JSON.stringify({ kid: secrets.kXCS.toString('hex'), IV: iv.toString('base64'), hmac, ciphertext });
}

/**
 * Open another device's bundle (docs/device-messages.md#client-sdk).
 * @throws SendTabError when the kid is not ours (stale keys), the HMAC fails, or it is malformed.
 */
export function openSendTabKeys(bundle: string, secrets: { kSync: Buffer; kXCS: Buffer }): SendTabPublicKeys {
  let parsed: { kid?: unknown; IV?: unknown; hmac?: unknown; ciphertext?: unknown };
  try {
    parsed = JSON.parse(bundle) as typeof parsed;
  } catch {
    throw new SendTabError('the Send Tab key bundle is not JSON');
  }
  const { kid, IV, hmac, ciphertext } = parsed;
  if (typeof kid !== 'string' || typeof IV !== 'string' || typeof hmac !== 'string' || typeof ciphertext !== 'string') {
    throw new SendTabError('the Send Tab key bundle lacks kid, IV, hmac or ciphertext');
  }
  if (kid !== secrets.kXCS.toString('hex')) throw new SendTabError('Target Send Tab key ID is different from ours');
  const expected = createHmac('sha256', secrets.kSync.subarray(32, 64)).update(ciphertext, 'utf8').digest();
  const given = Buffer.from(hmac, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new SendTabError('the Send Tab key bundle fails its HMAC');
  let clear: { publicKey?: unknown; authSecret?: unknown };
  try {
    const decipher = createDecipheriv('aes-256-cbc', secrets.kSync.subarray(0, 32), Buffer.from(IV, 'base64'));
    clear = JSON.parse(Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64')), decipher.final()]).toString('utf8')) as typeof clear;
  } catch {
    throw new SendTabError('the Send Tab key bundle does not decrypt');
  }
  if (typeof clear.publicKey !== 'string' || typeof clear.authSecret !== 'string') throw new SendTabError('the Send Tab key bundle holds no keys');
  return { publicKey: clear.publicKey, authSecret: clear.authSecret };
}

/** `payload.encrypted` for a tab (docs/device-messages.md#client-sdk). */
export function encryptTab(payload: SendTabPayload, target: SendTabPublicKeys): string {
  const { body } = encryptWebPush(Buffer.from(JSON.stringify(payload), 'utf8'), { p256dh: target.publicKey, auth: target.authSecret });
  return b64uEncode(body);
}

/**
 * The tab of a received command (docs/device-messages.md#client-sdk): the entry at the end of `entries`.
 * @throws Error when it does not decrypt or holds no tab.
 */
export function decryptTab(encrypted: string, keys: SendTabKeys): { tab: Tab; payload: SendTabPayload } {
  const clear = decryptWebPush(
    b64uDecode(encrypted),
    { privateKey: b64uDecode(keys.privateKey), publicKey: b64uDecode(keys.publicKey), auth: b64uDecode(keys.authSecret) },
    'aes128gcm',
  );
  const payload = JSON.parse(clear.toString('utf8')) as SendTabPayload;
  const tab = Array.isArray(payload.entries) ? payload.entries.at(-1) : undefined;
  if (!tab || typeof tab.url !== 'string') throw new SendTabError('the Send Tab payload holds no tab');
  return { tab: { title: String(tab.title ?? ''), url: tab.url }, payload };
}

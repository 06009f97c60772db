/**
 * Web Push message encryption (RFC 8291 over RFC 8188 `aes128gcm`; legacy `aesgcm` per
 * draft-ietf-webpush-encryption-04), for Herald's own pushes and for the client SDK. The push
 * service itself never decrypts.
 *
 * RFC 8291 §3.3-3.4:
 *   ecdh_secret = ECDH(as_private, ua_public)  (or ua_private, as_public)
 *   IKM         = HKDF(auth_secret, ecdh_secret, "WebPush: info" ‖ 0x00 ‖ ua_public ‖ as_public, 32)
 *   body        = aes128gcm with keyid = as_public (65 octets)
 */
import { randomBytes } from 'node:crypto';
import { b64DecodeLenient, b64uEncode } from './base64url.js';
import { findParam } from './crypto-headers.js';
import { AESGCM_DEFAULT_RS, decryptAesgcm, encryptAesgcm } from './ece-aesgcm.js';
import { EceError, decryptRecords, encryptRecords, hkdf, readAes128gcmHeader } from './ece-records.js';
import { ecdhSecret, generateP256KeyPair, p256PublicKey, type P256KeyPair } from './p256.js';

export { EceError, decryptRecords, deriveAes128gcmKey, encryptRecords, readAes128gcmHeader } from './ece-records.js';
export type { Aes128gcmHeader, EncryptRecordsOptions } from './ece-records.js';

/** The two Web Push content codings. */
export type WebPushEncoding = 'aes128gcm' | 'aesgcm';

/** A subscription's keys in raw form: what a user agent keeps secret. */
export interface SubscriptionKeys {
  /** 32-byte P-256 private scalar. */
  privateKey: Buffer;
  /** 65-byte uncompressed point; the subscription's `p256dh`. */
  publicKey: Buffer;
  /** 16-byte authentication secret; the subscription's `auth`. */
  auth: Buffer;
}

/** Options of `encryptWebPush`. */
export interface EncryptWebPushOptions {
  /** Default `aes128gcm`. */
  encoding?: WebPushEncoding;
  /** Zero octets of padding to hide the length; default 0. */
  padding?: number;
  /** Record size; default 4096 (a single record for any Web Push sized message). */
  rs?: number;
  /** Fixed salt, for test vectors only; a salt must never be reused. @internal */
  salt?: Buffer;
  /** Fixed sender key pair, for test vectors only; normally a fresh one per message. @internal */
  senderKeys?: P256KeyPair;
}

/** An encrypted push: the request body and the headers that must accompany it. */
export interface EncryptedPush {
  body: Buffer;
  /** `Content-Encoding`; for `aesgcm` also `Encryption: salt=…` and `Crypto-Key: dh=…`. */
  headers: Record<string, string>;
}

/** Fresh keys for a new subscription. */
export function generateSubscriptionKeys(): SubscriptionKeys {
  const pair = generateP256KeyPair();
  return { privateKey: pair.privateKey, publicKey: pair.publicKey, auth: randomBytes(16) };
}

/**
 * The RFC 8291 §3.4 input keying material. Exported for the RFC's intermediate test values.
 */
export function deriveWebPushIkm(k: { ecdhSecret: Buffer; authSecret: Buffer; uaPublic: Buffer; asPublic: Buffer }): Buffer {
  const info = Buffer.concat([Buffer.from('WebPush: info\0', 'ascii'), k.uaPublic, k.asPublic]);
  return hkdf(k.authSecret, k.ecdhSecret, info, 32);
}

/**
 * Encrypt a push message for a subscription, as an application server does.
 * @param sub the subscription's `keys`, base64url (standard base64 tolerated).
 * @throws EceError when the subscription keys are malformed or the options are invalid.
 */
export function encryptWebPush(
  plaintext: Buffer,
  sub: { p256dh: string; auth: string },
  opts: EncryptWebPushOptions = {},
): EncryptedPush {
  const uaPublic = decodeKey(sub.p256dh, 'p256dh');
  const authSecret = decodeKey(sub.auth, 'auth');
  if (authSecret.length < 16) throw new EceError(`subscription auth secret must be 16 octets, got ${authSecret.length}`);
  checkPoint(uaPublic, 'subscription p256dh');
  const sender = opts.senderKeys ?? generateP256KeyPair();
  const salt = opts.salt ?? randomBytes(16);
  const secret = ecdhSecret(sender.privateKey, uaPublic);
  const encoding = opts.encoding ?? 'aes128gcm';

  if (encoding === 'aes128gcm') {
    const ikm = deriveWebPushIkm({ ecdhSecret: secret, authSecret, uaPublic, asPublic: sender.publicKey });
    const body = encryptRecords(plaintext, ikm, { salt, rs: opts.rs, keyid: sender.publicKey, padding: opts.padding });
    return { body, headers: { 'Content-Encoding': 'aes128gcm' } };
  }
  const rs = opts.rs ?? AESGCM_DEFAULT_RS;
  const body = encryptAesgcm(
    plaintext,
    { ecdhSecret: secret, authSecret, uaPublic, asPublic: sender.publicKey, salt },
    rs,
    opts.padding,
  );
  const rsParam = rs === AESGCM_DEFAULT_RS ? '' : `;rs=${rs}`;
  return {
    body,
    headers: {
      'Content-Encoding': 'aesgcm',
      Encryption: `salt=${b64uEncode(salt)}${rsParam}`,
      'Crypto-Key': `dh=${b64uEncode(sender.publicKey)}`,
    },
  };
}

/**
 * Decrypt a push message as its user agent. For `aesgcm`, `headers` carries the message's
 * `Encryption` (`salt=`, optional `rs=`) and `Crypto-Key` (`dh=`, possibly among other pairs such
 * as `p256ecdsa=`), in the shape of a notification frame's `headers`.
 * @throws EceError on missing parameters, a bad sender key, truncation, or a failed tag; it never
 *   returns unauthenticated bytes.
 */
export function decryptWebPush(
  body: Buffer,
  keys: SubscriptionKeys,
  encoding: WebPushEncoding,
  headers: { encryption?: string; crypto_key?: string } = {},
): Buffer {
  if (encoding === 'aes128gcm') {
    const asPublic = readAes128gcmHeader(body).keyid;
    checkPoint(asPublic, 'sender key (aes128gcm key id)');
    const ikm = deriveWebPushIkm({
      ecdhSecret: ecdhSecret(keys.privateKey, asPublic),
      authSecret: keys.auth,
      uaPublic: keys.publicKey,
      asPublic,
    });
    return decryptRecords(body, ikm);
  }
  const salt = findParam(headers.encryption, 'salt');
  const dh = findParam(headers.crypto_key, 'dh');
  if (salt === undefined) throw new EceError('aesgcm message lacks salt= in its Encryption header');
  if (dh === undefined) throw new EceError('aesgcm message lacks dh= in its Crypto-Key header');
  const rsText = findParam(headers.encryption, 'rs');
  const rs = rsText === undefined ? AESGCM_DEFAULT_RS : Number(rsText);
  if (rsText !== undefined && !/^\d+$/.test(rsText)) throw new EceError(`aesgcm rs=${rsText} is not an integer`);
  const asPublic = decodeKey(dh, 'Crypto-Key dh');
  checkPoint(asPublic, 'sender key (Crypto-Key dh)');
  const input = {
    ecdhSecret: ecdhSecret(keys.privateKey, asPublic),
    authSecret: keys.auth,
    uaPublic: keys.publicKey,
    asPublic,
    salt: decodeKey(salt, 'Encryption salt'),
  };
  return decryptAesgcm(body, input, rs);
}

function decodeKey(value: string, what: string): Buffer {
  try {
    return b64DecodeLenient(value);
  } catch {
    throw new EceError(`${what} is not base64`);
  }
}

function checkPoint(point: Buffer, what: string): void {
  try {
    p256PublicKey(point);
  } catch (err) {
    throw new EceError(`${what}: ${(err as Error).message}`);
  }
}

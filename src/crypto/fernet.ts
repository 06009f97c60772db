/**
 * Fernet tokens (https://github.com/fernet/spec/blob/master/Spec.md) with key rotation
 * (MultiFernet), as autopush uses them for endpoint tokens and message ids
 * (docs/protocol.md#endpoint-urls-and-tokens).
 *
 * token = 0x80 ‖ timestamp (8 bytes BE) ‖ IV (16) ‖ AES-128-CBC/PKCS7 ciphertext ‖ HMAC-SHA256 (32)
 * The HMAC covers everything before it. The key is 32 bytes: signing key ‖ encryption key.
 * Herald never checks the timestamp: push endpoints do not expire by age.
 */
import { createCipheriv, createDecipheriv, createHmac, createSecretKey, randomBytes, timingSafeEqual, type KeyObject } from 'node:crypto';
import { pooledRandomBytes } from './random-pool.js';
import { b64uDecode } from './base64url.js';

const VERSION = 0x80;
const HEADER_LENGTH = 1 + 8 + 16;
const HMAC_LENGTH = 32;
const BLOCK = 16;
const KEY_HINT = 'crypto key must be 32 bytes of URL-safe base64 (44 characters); generate one with `herald keys`';

/** Any failure to open a token: bad encoding, wrong version, bad signature, bad padding. */
export class FernetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FernetError';
  }
}

/** A decoded Fernet key, as KeyObjects: a cipher takes one a third faster than bytes, an HMAC a tenth. */
interface FernetKey {
  signing: KeyObject;
  encryption: KeyObject;
}

/**
 * Parse a 44-character URL-safe base64 key.
 * @throws Error with a message telling the operator how to make a valid key.
 */
export function parseFernetKey(key: string): FernetKey {
  let raw: Buffer;
  try {
    raw = b64uDecode(key.trim());
  } catch {
    throw new Error(`${KEY_HINT} (got a value that is not URL-safe base64)`);
  }
  if (raw.length !== 32) throw new Error(`${KEY_HINT} (got ${raw.length} bytes)`);
  return { signing: createSecretKey(raw.subarray(0, 16)), encryption: createSecretKey(raw.subarray(16)) };
}

/** A fresh random key in the standard format (44 characters, URL-safe base64 with padding). */
export function generateFernetKey(): string {
  return toUrlSafePadded(randomBytes(32));
}

/**
 * Build a token with a chosen timestamp and IV. Exported for the spec's test vectors; real
 * callers use `MultiFernet.encrypt`, which picks a random IV.
 * @internal
 */
export function fernetEncryptWith(key: string, plain: Buffer, timestampSeconds: number, iv: Buffer): string {
  return encryptWithKey(parseFernetKey(key), plain, timestampSeconds, iv);
}

/** The token for an already parsed key: the push path parses its key once, at start. */
function encryptWithKey({ signing, encryption }: FernetKey, plain: Buffer, timestampSeconds: number, iv: Buffer): string {
  // PKCS7 always pads, so the ciphertext is the next whole block: one buffer holds the token.
  const cipherLength = (Math.floor(plain.length / BLOCK) + 1) * BLOCK;
  const token = Buffer.allocUnsafe(HEADER_LENGTH + cipherLength + HMAC_LENGTH);
  token[0] = VERSION;
  // 8-byte big-endian seconds, written as two 32-bit halves (no BigInt on the hot path).
  const seconds = Math.floor(timestampSeconds);
  token.writeUInt32BE(Math.floor(seconds / 2 ** 32), 1);
  token.writeUInt32BE(seconds >>> 0, 5);
  iv.copy(token, 9, 0, 16);
  const cipher = createCipheriv('aes-128-cbc', encryption, iv);
  const written = cipher.update(plain).copy(token, HEADER_LENGTH);
  cipher.final().copy(token, HEADER_LENGTH + written);
  const signedLength = HEADER_LENGTH + cipherLength;
  createHmac('sha256', signing).update(token.subarray(0, signedLength)).digest().copy(token, signedLength);
  return toUrlSafePadded(token);
}

function fernetDecrypt(key: FernetKey, raw: Buffer): Buffer | null {
  const signed = raw.subarray(0, raw.length - HMAC_LENGTH);
  const mac = raw.subarray(raw.length - HMAC_LENGTH);
  const expected = createHmac('sha256', key.signing).update(signed).digest();
  if (!timingSafeEqual(mac, expected)) return null;
  try {
    const decipher = createDecipheriv('aes-128-cbc', key.encryption, raw.subarray(9, HEADER_LENGTH));
    return Buffer.concat([decipher.update(signed.subarray(HEADER_LENGTH)), decipher.final()]);
  } catch {
    // Bad PKCS7 padding under a valid HMAC: only a buggy issuer produces this.
    return null;
  }
}

/** Standard Fernet output: URL-safe base64 with `=` padding (what Python's `cryptography` emits). */
function toUrlSafePadded(buf: Buffer): string {
  // base64url plus the padding it leaves off: cheaper than two regex replaces over base64.
  const text = buf.toString('base64url');
  const pad = (4 - (text.length % 4)) % 4;
  return pad === 0 ? text : text + '='.repeat(pad);
}

/**
 * Fernet with key rotation: encrypts with the first key, decrypts with any of them.
 * Built once at start from the configured keys.
 */
export class MultiFernet {
  readonly #keys: FernetKey[];
  readonly #primary: FernetKey;

  /**
   * @param keys 44-character URL-safe base64 keys, newest first.
   * @throws Error when the list is empty or a key is malformed (the message says how to fix it).
   */
  constructor(keys: readonly string[]) {
    if (keys.length === 0) throw new Error(`no crypto key configured; ${KEY_HINT}`);
    this.#keys = keys.map((k, i) => {
      try {
        return parseFernetKey(k);
      } catch (err) {
        throw new Error(`crypto key #${i + 1}: ${(err as Error).message}`);
      }
    });
    this.#primary = this.#keys[0]!;
  }

  /** Encrypt with the first key, a random IV and the current time; URL-safe base64 with padding. */
  encrypt(plain: Buffer): string {
    return encryptWithKey(this.#primary, plain, Date.now() / 1000, pooledRandomBytes(16));
  }

  /**
   * Open a token (padded or not) with whichever key signed it. The timestamp is not checked.
   * @throws FernetError when the token is malformed or no key verifies it.
   */
  decrypt(token: string): Buffer {
    let raw: Buffer;
    try {
      raw = b64uDecode(token);
    } catch {
      throw new FernetError('token is not URL-safe base64');
    }
    const cipherLength = raw.length - HEADER_LENGTH - HMAC_LENGTH;
    if (cipherLength < BLOCK || cipherLength % BLOCK !== 0) throw new FernetError('token has an invalid length');
    if (raw[0] !== VERSION) throw new FernetError('token has an unknown version');
    for (const key of this.#keys) {
      const plain = fernetDecrypt(key, raw);
      if (plain !== null) return plain;
    }
    throw new FernetError('token was not signed by any configured key');
  }
}

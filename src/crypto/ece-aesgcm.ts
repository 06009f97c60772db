/**
 * The legacy `aesgcm` content coding for Web Push, as Firefox and the `web-push` library still
 * speak it: draft-ietf-httpbis-encryption-encoding-03 records with the key derivation of
 * draft-ietf-webpush-encryption-04. Salt and record size travel in the `Encryption` header, the
 * sender's ECDH key in `Crypto-Key: dh=`.
 *
 *   IKM    = HKDF(auth, ECDH secret, "Content-Encoding: auth" ‖ 0x00, 32)
 *   ctx    = "P-256" ‖ 0x00 ‖ len16(ua public) ‖ ua public ‖ len16(as public) ‖ as public
 *   CEK    = HKDF(salt, IKM, "Content-Encoding: aesgcm" ‖ 0x00 ‖ ctx, 16)
 *   NONCE  = HKDF(salt, IKM, "Content-Encoding: nonce" ‖ 0x00 ‖ ctx, 12), XOR record number
 *   record = AES-GCM(pad length (uint16 BE) ‖ zero padding ‖ data) ‖ tag, at most rs + 16 octets;
 *            a record of exactly rs + 16 octets is never the last one.
 */
import { EceError, hkdf, openRecord, recordNonce, sealRecord } from './ece-records.js';

const TAG_LENGTH = 16;
const PAD_PREFIX = 2;
const MAX_PAD_PER_RECORD = 0xffff;
/** Default record size of the draft (and the only one `web-push` sends). */
export const AESGCM_DEFAULT_RS = 4096;

/** The keys both sides derive from: ECDH secret, auth secret, and both public keys. */
export interface AesgcmKeyInput {
  ecdhSecret: Buffer;
  authSecret: Buffer;
  uaPublic: Buffer;
  asPublic: Buffer;
  salt: Buffer;
}

/** CEK and base nonce of the `aesgcm` coding. */
export function deriveAesgcmKey(k: AesgcmKeyInput): { cek: Buffer; nonce: Buffer } {
  if (k.salt.length !== 16) throw new EceError(`aesgcm salt must be 16 octets, got ${k.salt.length}`);
  const ikm = hkdf(k.authSecret, k.ecdhSecret, Buffer.from('Content-Encoding: auth\0', 'ascii'), 32);
  const context = Buffer.concat([
    Buffer.from('P-256\0', 'ascii'),
    lengthPrefixed(k.uaPublic),
    lengthPrefixed(k.asPublic),
  ]);
  const info = (label: string) => Buffer.concat([Buffer.from(`Content-Encoding: ${label}\0`, 'ascii'), context]);
  return { cek: hkdf(k.salt, ikm, info('aesgcm'), 16), nonce: hkdf(k.salt, ikm, info('nonce'), 12) };
}

function lengthPrefixed(b: Buffer): Buffer {
  const len = Buffer.alloc(2);
  len.writeUInt16BE(b.length);
  return Buffer.concat([len, b]);
}

/**
 * Decrypt an `aesgcm` body.
 * @throws EceError on an empty or truncated body, a failed tag, or bad padding.
 */
export function decryptAesgcm(body: Buffer, k: AesgcmKeyInput, rs = AESGCM_DEFAULT_RS): Buffer {
  checkRs(rs);
  const { cek, nonce } = deriveAesgcmKey(k);
  if (body.length === 0) throw new EceError('aesgcm body has no records');
  const chunk = rs + TAG_LENGTH;
  const out: Buffer[] = [];
  for (let seq = 0, start = 0; start < body.length; seq++) {
    const end = start + chunk;
    if (end === body.length) throw new EceError('body is truncated: a full-size record cannot be the last');
    const record = body.subarray(start, Math.min(end, body.length));
    if (record.length < TAG_LENGTH + PAD_PREFIX) throw new EceError(`record ${seq} is too short (${record.length} octets)`);
    const plain = openRecord(cek, recordNonce(nonce, seq), record, seq);
    const pad = plain.readUInt16BE(0);
    if (PAD_PREFIX + pad > plain.length) throw new EceError(`record ${seq} declares more padding than it holds`);
    if (plain.subarray(PAD_PREFIX, PAD_PREFIX + pad).some((b) => b !== 0)) throw new EceError(`record ${seq} has non-zero padding`);
    out.push(plain.subarray(PAD_PREFIX + pad));
    start += record.length;
  }
  return Buffer.concat(out);
}

/**
 * Encrypt into an `aesgcm` body. Padding goes first (up to 65535 octets per record), then data;
 * if the data ends exactly on a record boundary an empty final record is added, as the draft
 * requires.
 * @throws EceError for rs < 3 or negative padding.
 */
export function encryptAesgcm(plaintext: Buffer, k: AesgcmKeyInput, rs = AESGCM_DEFAULT_RS, padding = 0): Buffer {
  checkRs(rs);
  if (!Number.isInteger(padding) || padding < 0) throw new EceError('padding must be a non-negative integer');
  const { cek, nonce } = deriveAesgcmKey(k);
  const capacity = rs - PAD_PREFIX;
  const out: Buffer[] = [];
  let start = 0;
  for (let seq = 0; ; seq++) {
    const pad = Math.min(padding, capacity, MAX_PAD_PER_RECORD);
    padding -= pad;
    const take = Math.min(capacity - pad, plaintext.length - start);
    const plain = Buffer.alloc(PAD_PREFIX + pad + take);
    plain.writeUInt16BE(pad, 0);
    plaintext.copy(plain, PAD_PREFIX + pad, start, start + take);
    out.push(sealRecord(cek, recordNonce(nonce, seq), plain));
    start += take;
    if (start === plaintext.length && padding === 0 && plain.length < rs) break;
  }
  return Buffer.concat(out);
}

function checkRs(rs: number): void {
  if (!Number.isInteger(rs) || rs <= PAD_PREFIX || rs > 0xffffffff) {
    throw new EceError(`aesgcm record size must be an integer greater than ${PAD_PREFIX}, got ${rs}`);
  }
}

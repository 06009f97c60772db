/**
 * The `aes128gcm` content coding (RFC 8188 §2): a header, then records sealed with AES-128-GCM.
 *
 *   header = salt (16) ‖ rs (uint32 BE) ‖ idlen (1) ‖ keyid (idlen)
 *   CEK    = HKDF(salt, IKM, "Content-Encoding: aes128gcm" ‖ 0x00, 16)
 *   NONCE  = HKDF(salt, IKM, "Content-Encoding: nonce" ‖ 0x00, 12), XORed with the record number
 *   record = AES-GCM(data ‖ delimiter ‖ zero padding) ‖ tag; delimiter 0x02 ends the last record,
 *            0x01 every other one; every record but the last is exactly rs octets.
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';

const TAG_LENGTH = 16;
const HEADER_FIXED = 21;
/** RFC 8188 §2.1: "Values smaller than 18 are invalid" (tag 16 + delimiter + one octet). */
const MIN_RS = 18;
const KEY_INFO = Buffer.from('Content-Encoding: aes128gcm\0', 'ascii');
const NONCE_INFO = Buffer.from('Content-Encoding: nonce\0', 'ascii');

/** A body that will not decrypt or parameters that cannot encrypt; never partial output. */
export class EceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EceError';
  }
}

/** The parsed `aes128gcm` header. */
export interface Aes128gcmHeader {
  salt: Buffer;
  rs: number;
  keyid: Buffer;
  /** Octets the header occupies; the records start here. */
  length: number;
}

/** Parse the header of an `aes128gcm` body. @throws EceError when it is truncated or rs is too small. */
export function readAes128gcmHeader(body: Buffer): Aes128gcmHeader {
  if (body.length < HEADER_FIXED) throw new EceError(`body too short for an aes128gcm header (${body.length} octets)`);
  const rs = body.readUInt32BE(16);
  const idlen = body[20] ?? 0;
  if (body.length < HEADER_FIXED + idlen) throw new EceError('body ends inside the aes128gcm key id');
  if (rs < MIN_RS) throw new EceError(`record size ${rs} is below the minimum of ${MIN_RS}`);
  return { salt: body.subarray(0, 16), rs, keyid: body.subarray(HEADER_FIXED, HEADER_FIXED + idlen), length: HEADER_FIXED + idlen };
}

/** HKDF-SHA256 via node:crypto. */
export function hkdf(salt: Uint8Array, ikm: Uint8Array, info: Uint8Array, length: number): Buffer {
  return Buffer.from(hkdfSync('sha256', ikm, salt, info, length));
}

/**
 * The content-encryption key and base nonce for a salt (RFC 8188 §2.2-2.3). `prk` (HKDF-Extract)
 * is returned only so tests can check the RFC's intermediate values.
 */
export function deriveAes128gcmKey(ikm: Uint8Array, salt: Uint8Array): { prk: Buffer; cek: Buffer; nonce: Buffer } {
  return {
    prk: createHmac('sha256', salt).update(ikm).digest(),
    cek: hkdf(salt, ikm, KEY_INFO, 16),
    nonce: hkdf(salt, ikm, NONCE_INFO, 12),
  };
}

/** The nonce of record `seq`: the base nonce XOR seq, as a 96-bit big-endian integer. */
export function recordNonce(base: Buffer, seq: number): Buffer {
  if (!Number.isInteger(seq) || seq < 0 || seq > 0xffffffff) throw new EceError(`record number ${seq} out of range`);
  const nonce = Buffer.from(base);
  nonce.writeUInt32BE((nonce.readUInt32BE(8) ^ seq) >>> 0, 8);
  return nonce;
}

/** AES-128-GCM open; an authentication failure becomes an EceError naming the record. */
export function openRecord(cek: Buffer, nonce: Buffer, record: Buffer, seq: number): Buffer {
  const decipher = createDecipheriv('aes-128-gcm', cek, nonce);
  decipher.setAuthTag(record.subarray(record.length - TAG_LENGTH));
  try {
    return Buffer.concat([decipher.update(record.subarray(0, record.length - TAG_LENGTH)), decipher.final()]);
  } catch {
    throw new EceError(`record ${seq} failed authentication (wrong key, or the data was altered)`);
  }
}

/** AES-128-GCM seal: ciphertext ‖ tag. */
export function sealRecord(cek: Buffer, nonce: Buffer, plain: Buffer): Buffer {
  const cipher = createCipheriv('aes-128-gcm', cek, nonce);
  return Buffer.concat([cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
}

/**
 * Decrypt a whole `aes128gcm` body with a known input keying material (RFC 8188 §2), checking
 * every record's delimiter and stripping the padding.
 * @throws EceError on a truncated body, a short record, a failed tag, or a wrong delimiter.
 */
export function decryptRecords(body: Buffer, ikm: Buffer): Buffer {
  const header = readAes128gcmHeader(body);
  const { cek, nonce } = deriveAes128gcmKey(ikm, header.salt);
  const data = body.subarray(header.length);
  if (data.length === 0) throw new EceError('aes128gcm body has no records');
  const out: Buffer[] = [];
  for (let seq = 0, start = 0; start < data.length; seq++) {
    const end = Math.min(start + header.rs, data.length);
    const last = end === data.length;
    const record = data.subarray(start, end);
    if (record.length < TAG_LENGTH + 1) throw new EceError(`record ${seq} is too short (${record.length} octets)`);
    const plain = openRecord(cek, recordNonce(nonce, seq), record, seq);
    out.push(stripPadding(plain, last, seq));
    start = end;
  }
  return Buffer.concat(out);
}

function stripPadding(plain: Buffer, last: boolean, seq: number): Buffer {
  let i = plain.length - 1;
  while (i >= 0 && plain[i] === 0) i--;
  if (i < 0) throw new EceError(`record ${seq} has no padding delimiter`);
  const delimiter = plain[i];
  if (last && delimiter === 1) throw new EceError('body is truncated: its last record is not marked final');
  if (!last && delimiter === 2) throw new EceError(`record ${seq} is marked final but more records follow`);
  if (delimiter !== (last ? 2 : 1)) throw new EceError(`record ${seq} has an invalid padding delimiter ${delimiter}`);
  return plain.subarray(0, i);
}

/** Options of `encryptRecords`. */
export interface EncryptRecordsOptions {
  /** 16 random octets by default. Never reuse a salt with the same IKM. */
  salt?: Buffer;
  /** Record size, ≥ 18; default 4096. */
  rs?: number;
  /** Key id written into the header (Web Push puts the sender's public key here). */
  keyid?: Buffer;
  /** Zero octets of padding to add after the data; default 0. */
  padding?: number;
}

/**
 * Encrypt into an `aes128gcm` body (RFC 8188 §2). Data fills records in order; padding follows
 * the data, spilling into further records if it does not fit in the last one.
 * @throws EceError for rs < 18, a key id over 255 octets, or negative padding.
 */
export function encryptRecords(plaintext: Buffer, ikm: Buffer, opts: EncryptRecordsOptions = {}): Buffer {
  const salt = opts.salt ?? randomBytes(16);
  const rs = opts.rs ?? 4096;
  const keyid = opts.keyid ?? Buffer.alloc(0);
  let padding = opts.padding ?? 0;
  if (salt.length !== 16) throw new EceError('salt must be 16 octets');
  if (!Number.isInteger(rs) || rs < MIN_RS || rs > 0xffffffff) throw new EceError(`record size must be an integer ≥ ${MIN_RS}`);
  if (keyid.length > 255) throw new EceError('key id must be at most 255 octets');
  if (!Number.isInteger(padding) || padding < 0) throw new EceError('padding must be a non-negative integer');

  const header = Buffer.alloc(HEADER_FIXED);
  salt.copy(header, 0);
  header.writeUInt32BE(rs, 16);
  header[20] = keyid.length;
  const { cek, nonce } = deriveAes128gcmKey(ikm, salt);
  const capacity = rs - TAG_LENGTH - 1;
  const out: Buffer[] = [header, keyid];
  let start = 0;
  for (let seq = 0; ; seq++) {
    const take = Math.min(capacity, plaintext.length - start);
    const pad = Math.min(capacity - take, padding);
    padding -= pad;
    const last = start + take === plaintext.length && padding === 0;
    const plain = Buffer.alloc(take + 1 + pad);
    plaintext.copy(plain, 0, start, start + take);
    plain[take] = last ? 2 : 1;
    out.push(sealRecord(cek, recordNonce(nonce, seq), plain));
    start += take;
    if (last) break;
  }
  return Buffer.concat(out);
}

/**
 * The encryption headers of a push with a body (docs/protocol.md#request-headers):
 * `Content-Encoding`, and for the older `aesgcm` draft also `Encryption` and `Crypto-Key`.
 * Herald cannot decrypt the body; it checks that the UA will have what it needs to, and forwards
 * the headers normalised as autopush does (quotes removed, base64 `=` padding stripped), because
 * some user agents choke on padding (RFC 8291 and RFC 8188 senders differ here).
 *
 *   aes128gcm (RFC 8188): everything is in the body; `Encryption` must not carry `salt` and
 *     `Crypto-Key` must not carry `dh` (only `p256ecdsa`, for old-style VAPID, is left there).
 *   aesgcm (draft-ietf-webpush-encryption-04): `Encryption: salt=…` is required, and
 *     `Crypto-Key`, when present, must carry `dh=…`.
 */
import { ApiError } from '../../errors/api-error.js';
import type { NotificationHeaders } from '../../protocol/notification.js';

/** Raw header values, undefined when absent. */
export interface RawCryptoHeaders {
  contentEncoding?: string;
  encryption?: string;
  cryptoKey?: string;
}

const BASE64URL = /^[0-9A-Za-z_-]+=*$/;

/**
 * Caps on `Encryption` and `Crypto-Key`, which are stored and forwarded with every message: a
 * real one (`dh`, `p256ecdsa`, `salt`, `keyid`, `rs`) is under 300 bytes and 4 parameters, so
 * these leave room and stop a sender from padding every stored row (docs/errors.md, errno 110).
 */
export const MAX_PARAM_HEADER_BYTES = 1024;
export const MAX_PARAM_HEADER_PARAMS = 8;

/** Refuse a parameter header over the caps before anything parses or stores it. */
function checkParamHeaderSize(headerName: string, value: string | undefined): void {
  if (value === undefined) return;
  if (Buffer.byteLength(value, 'latin1') > MAX_PARAM_HEADER_BYTES) {
    throw new ApiError('invalid-encryption', `${headerName} header too long (at most ${MAX_PARAM_HEADER_BYTES} bytes)`);
  }
  let separators = 0;
  for (let i = 0; i < value.length; i++) if (value[i] === ',' || value[i] === ';') separators++;
  if (separators >= MAX_PARAM_HEADER_PARAMS) {
    throw new ApiError('invalid-encryption', `${headerName} header has too many parameters (at most ${MAX_PARAM_HEADER_PARAMS})`);
  }
}
/** `=` padding after a base64 character, up to a `,` or `;` or the end of the header. */
const PADDING = /([0-9A-Za-z_-])=+(?=\s*(?:[,;]|$))/g;

/** Remove quotes and base64 padding, as autopush does before storing and forwarding. */
export function normaliseParamHeader(value: string): string {
  return value.replace(/"/g, '').replace(PADDING, '$1');
}

/**
 * Parse `a=b;c=d, e=f` into one map per comma-separated section (names lowercased).
 * @returns null when a non-empty `;` piece has no `=`, which makes the header invalid.
 */
export function parseParamSections(value: string): Array<Map<string, string>> | null {
  const sections: Array<Map<string, string>> = [];
  for (const section of value.split(',')) {
    const params = new Map<string, string>();
    for (const piece of section.split(';')) {
      const pair = piece.trim();
      if (pair === '') continue;
      const eq = pair.indexOf('=');
      if (eq <= 0) return null;
      const name = pair.slice(0, eq).trim().toLowerCase();
      if (!params.has(name)) params.set(name, pair.slice(eq + 1).trim());
    }
    sections.push(params);
  }
  return sections;
}

function findValue(sections: Array<Map<string, string>>, name: string): string | undefined {
  for (const params of sections) {
    const value = params.get(name);
    if (value !== undefined) return value;
  }
  return undefined;
}

function parseOrThrow(headerName: string, value: string): Array<Map<string, string>> {
  const sections = parseParamSections(value);
  if (sections === null) throw new ApiError('invalid-encryption', `Invalid ${headerName} header`);
  return sections;
}

/** `aesgcm`: `name` must be present in the header and be base64url. */
function requireBase64Param(headerName: string, value: string | undefined, name: string): void {
  if (value === undefined) throw new ApiError('invalid-encryption', `Missing ${headerName} header`);
  const param = findValue(parseOrThrow(headerName, value), name);
  if (param === undefined) throw new ApiError('invalid-encryption', `Missing ${name} value in ${headerName} header`);
  if (!BASE64URL.test(param)) throw new ApiError('invalid-encryption', `Invalid ${name} value in ${headerName} header`);
}

/** `aes128gcm`: `name` must not be in the header, if the header is there at all. */
function forbidParam(headerName: string, value: string | undefined, name: string): void {
  if (value === undefined) return;
  if (findValue(parseOrThrow(headerName, value), name) !== undefined) {
    throw new ApiError('invalid-encryption', `Do not include '${name}' in the ${headerName} header with aes128gcm`);
  }
}

/**
 * Check and normalise the encryption headers of a push.
 * @param hasBody whether the body is non-empty; without one, all crypto headers are dropped
 *   unchecked (there is nothing to decrypt).
 * @returns the headers to forward, or undefined for an empty body.
 * @throws ApiError `invalid-encryption` (110) with a message naming the broken rule.
 */
export function parseCryptoHeaders(raw: RawCryptoHeaders, hasBody: boolean): NotificationHeaders | undefined {
  if (!hasBody) return undefined;
  checkParamHeaderSize('Encryption', raw.encryption);
  checkParamHeaderSize('Crypto-Key', raw.cryptoKey);
  if (raw.contentEncoding === undefined) throw new ApiError('invalid-encryption', 'Missing Content-Encoding header');
  const encoding = raw.contentEncoding.trim().toLowerCase();
  const encryption = raw.encryption === undefined ? undefined : normaliseParamHeader(raw.encryption);
  const cryptoKey = raw.cryptoKey === undefined ? undefined : normaliseParamHeader(raw.cryptoKey);

  if (encoding === 'aesgcm') {
    requireBase64Param('Encryption', encryption, 'salt');
    if (cryptoKey !== undefined) requireBase64Param('Crypto-Key', cryptoKey, 'dh');
  } else if (encoding === 'aes128gcm') {
    forbidParam('Encryption', encryption, 'salt');
    forbidParam('Crypto-Key', cryptoKey, 'dh');
  } else {
    throw new ApiError('invalid-encryption', 'Unknown Content-Encoding header');
  }

  const headers: NotificationHeaders = { encoding };
  if (encryption !== undefined) headers.encryption = encryption;
  if (cryptoKey !== undefined) headers.crypto_key = cryptoKey;
  return headers;
}

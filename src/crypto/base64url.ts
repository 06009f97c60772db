/**
 * Base64 helpers (RFC 4648 §5 "base64url", and RFC 4648 §4 standard base64 where senders use it).
 *
 * Node's `Buffer.from(s, 'base64url')` silently skips characters outside the alphabet, so an
 * untrusted value is checked here first: a typo must fail loudly, not decode to other bytes.
 */

const URL_SAFE = /^[A-Za-z0-9_-]*$/;
const EITHER_ALPHABET = /^[A-Za-z0-9_+/-]*$/;

/** Encode bytes as URL-safe base64 without `=` padding. */
export function b64uEncode(buf: Uint8Array): string {
  return Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).toString('base64url');
}

/**
 * Decode URL-safe base64, padded or not.
 * @throws Error when the text has characters outside `A-Z a-z 0-9 - _` (or `=` other than at the
 *   end), or an impossible length.
 */
export function b64uDecode(s: string): Buffer {
  return decodeChecked(s, URL_SAFE, 'URL-safe base64');
}

/**
 * Decode base64 in either alphabet (URL-safe `-_` or standard `+/`), padded or not. VAPID keys
 * arrive in headers in both forms (docs/protocol.md#vapid).
 * @throws Error on characters outside both alphabets, `=` other than at the end, or an impossible length.
 */
export function b64DecodeLenient(s: string): Buffer {
  return decodeChecked(s, EITHER_ALPHABET, 'base64');
}

function decodeChecked(s: string, alphabet: RegExp, what: string): Buffer {
  const body = stripPadding(s);
  if (!alphabet.test(body)) {
    throw new Error(`invalid ${what}: unexpected character in ${JSON.stringify(shorten(s))}`);
  }
  if (body.length % 4 === 1) {
    throw new Error(`invalid ${what}: impossible length ${body.length}`);
  }
  // Buffer's base64url decoder also understands `+` and `/`.
  return Buffer.from(body, 'base64url');
}

/** Padding carries no information, and autopush ignores it too (`trim_end_matches('=')`). */
function stripPadding(s: string): string {
  let end = s.length;
  while (end > 0 && s[end - 1] === '=') end--;
  return s.slice(0, end);
}

function shorten(s: string): string {
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

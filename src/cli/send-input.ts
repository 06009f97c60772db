/**
 * What `herald send` is given, turned into typed values once: the target (a subscription JSON
 * file, inline JSON, or a bare endpoint URL) and the VAPID key pair (a file in the format
 * `herald vapid` prints, with or without --json, or a private key alone).
 * Every failure is a `SendInputError` whose message says how to fix it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { b64uDecode, b64uEncode } from '../crypto/base64url.js';
import { p256PublicFromPrivate } from '../crypto/p256.js';

export class SendInputError extends Error {
  override readonly name = 'SendInputError';
}

/** A push target: an endpoint, and the keys to encrypt for when it came from a subscription. */
export interface SendTarget {
  endpoint: string;
  keys: { p256dh: string; auth: string } | null;
}

const SUBSCRIPTION_HINT = 'a subscription is the JSON of PushSubscription.toJSON(): {"endpoint": "https://…", "keys": {"p256dh": "…", "auth": "…"}}';

function parseEndpoint(text: string, where: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new SendInputError(`${where}: "${text}" is not a URL; ${SUBSCRIPTION_HINT}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new SendInputError(`${where}: the endpoint must be an http(s) URL, not ${url.protocol}`);
  return url.href;
}

/** Decoded bytes of unpadded or padded base64url, or null when it is not base64url. */
function decode(value: string): Buffer | null {
  try {
    return b64uDecode(value.replace(/=+$/, ''));
  } catch {
    return null;
  }
}

function keyOfLength(value: unknown, bytes: number, name: string, where: string): string {
  if (typeof value !== 'string' || decode(value)?.length !== bytes) {
    throw new SendInputError(`${where}: keys.${name} must be ${bytes} bytes in base64url; ${SUBSCRIPTION_HINT}`);
  }
  return value.replace(/=+$/, '');
}

/** Parse a subscription document (the browser's `PushSubscription.toJSON()`). */
export function parseSubscription(text: string, where: string): SendTarget {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new SendInputError(`${where} is not JSON (${(err as Error).message}); ${SUBSCRIPTION_HINT}`);
  }
  const sub = doc as { endpoint?: unknown; keys?: { p256dh?: unknown; auth?: unknown } } | null;
  if (typeof sub !== 'object' || sub === null || typeof sub.endpoint !== 'string') {
    throw new SendInputError(`${where} has no "endpoint"; ${SUBSCRIPTION_HINT}`);
  }
  const endpoint = parseEndpoint(sub.endpoint, where);
  if (sub.keys === undefined) return { endpoint, keys: null };
  return {
    endpoint,
    keys: {
      p256dh: keyOfLength(sub.keys?.p256dh, 65, 'p256dh', where),
      auth: keyOfLength(sub.keys?.auth, 16, 'auth', where),
    },
  };
}

/** `<subscription.json|endpoint>`: a URL, inline JSON, or a file holding the JSON. */
export function parseTarget(arg: string): SendTarget {
  if (/^https?:\/\//i.test(arg)) return { endpoint: parseEndpoint(arg, 'the endpoint'), keys: null };
  if (arg.trimStart().startsWith('{')) return parseSubscription(arg, 'the subscription argument');
  if (!existsSync(arg)) {
    throw new SendInputError(`"${arg}" is neither an http(s) endpoint URL nor a file; give the path of a subscription JSON file, or the endpoint URL`);
  }
  return parseSubscription(readFileSync(arg, 'utf8'), arg);
}

export interface VapidKeys {
  publicKey: string;
  privateKey: string;
}

function vapidFromPrivate(privateKey: string, where: string): VapidKeys {
  const d = decode(privateKey);
  let publicKey: Buffer | null = null;
  try {
    if (d?.length === 32) publicKey = p256PublicFromPrivate(d);
  } catch {
    /* not a valid P-256 scalar: reported below */
  }
  if (d === null || publicKey === null) throw new SendInputError(`${where}: the VAPID private key must be a P-256 key of 32 bytes in base64url (as \`herald vapid\` prints it)`);
  return { privateKey: b64uEncode(d), publicKey: b64uEncode(publicKey) };
}

/**
 * `--vapid-key`: a file with `herald vapid` output (two lines, or `--json`), or the private key
 * itself (base64url); the public key is derived from the private one, and must match it if given.
 */
export function parseVapidKey(arg: string): VapidKeys {
  const fromFile = existsSync(arg);
  const where = fromFile ? arg : '--vapid-key';
  const text = (fromFile ? readFileSync(arg, 'utf8') : arg).trim();
  let privateKey: string | undefined;
  let publicKey: string | undefined;
  if (text.startsWith('{')) {
    try {
      ({ privateKey, publicKey } = JSON.parse(text) as { privateKey?: string; publicKey?: string });
    } catch (err) {
      throw new SendInputError(`${where} is not JSON (${(err as Error).message}); use the output of \`herald vapid --json\``);
    }
  } else if (/private key:/i.test(text)) {
    privateKey = /private key:\s*(\S+)/i.exec(text)?.[1];
    publicKey = /public key:\s*(\S+)/i.exec(text)?.[1];
  } else if (/^[A-Za-z0-9_-]{43}=?$/.test(text)) {
    privateKey = text;
  } else {
    throw new SendInputError(`${where} is not a VAPID key: give a file holding the output of \`herald vapid\` (or \`herald vapid --json\`), or the private key in base64url`);
  }
  if (typeof privateKey !== 'string') throw new SendInputError(`${where} has no private key; use the output of \`herald vapid\``);
  const keys = vapidFromPrivate(privateKey, where);
  if (publicKey !== undefined && publicKey.replace(/=+$/, '') !== keys.publicKey) {
    throw new SendInputError(`${where}: the public key does not belong to the private key; make a new pair with \`herald vapid\``);
  }
  return keys;
}

/**
 * `--apns-channels` (autopush `AUTOEND__APNS__CHANNELS`): `{"<app_id>": {"cert", "key", "key_id"?,
 * "team_id"?, "topic"?, "sandbox"?}}`, read once at start. With `key_id` and `team_id` the
 * channel uses token auth (`key` is the `.p8` signing key); with neither, certificate auth
 * (`cert` and `key` are the client certificate and its key). PEM text or file paths, as autopush
 * reads them (text starting with `-` is PEM).
 */
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { BridgeConfigError } from '../bridge-config-error.js';

export type ApnsAuth =
  | { kind: 'token'; signingKey: KeyObject; keyId: string; teamId: string }
  | { kind: 'certificate'; cert: string; key: string };

export interface ApnsChannel {
  auth: ApnsAuth;
  /** `apns-topic`: the app's bundle id; autopush's default is `com.mozilla.org.<app_id>`. */
  topic: string;
  sandbox: boolean;
}

const SETTING = '--apns-channels';

function pem(value: unknown, what: string): string {
  if (typeof value !== 'string' || value === '') throw new Error(`${what} is missing`);
  if (value.startsWith('-')) return value;
  try {
    return readFileSync(value, 'utf8');
  } catch (err) {
    throw new Error(`cannot read ${what} file ${value}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

function channel(appId: string, e: Record<string, unknown>): ApnsChannel {
  const keyId = typeof e.key_id === 'string' && e.key_id !== '' ? e.key_id : undefined;
  const teamId = typeof e.team_id === 'string' && e.team_id !== '' ? e.team_id : undefined;
  let auth: ApnsAuth;
  if (keyId !== undefined && teamId !== undefined) {
    let signingKey: KeyObject;
    try {
      signingKey = createPrivateKey(pem(e.key, 'key'));
    } catch (err) {
      throw new Error(`key: ${(err as Error).message.startsWith('cannot read') || (err as Error).message.endsWith('missing') ? (err as Error).message : 'not a PEM private key (the .p8 file from Apple)'}`);
    }
    if (signingKey.asymmetricKeyType !== 'ec' || signingKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1') throw new Error('key must be a P-256 key (the .p8 file from Apple) for token auth');
    auth = { kind: 'token', signingKey, keyId, teamId };
  } else if (keyId === undefined && teamId === undefined) {
    const cert = pem(e.cert, 'cert');
    const key = pem(e.key, 'key');
    try {
      new X509Certificate(cert);
    } catch {
      throw new Error('cert is not a PEM certificate');
    }
    try {
      createPrivateKey(key);
    } catch {
      throw new Error('key is not a PEM private key');
    }
    auth = { kind: 'certificate', cert, key };
  } else {
    throw new Error('key_id and team_id must both be set for token auth (or neither, for certificate auth)');
  }
  const topic = typeof e.topic === 'string' && e.topic !== '' ? e.topic : `com.mozilla.org.${appId}`;
  return { auth, topic, sandbox: e.sandbox === true || e.sandbox === 'true' };
}

/** @throws BridgeConfigError naming the setting and the app id. */
export function parseApnsChannels(text: string): Map<string, ApnsChannel> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new BridgeConfigError(SETTING, 'is not valid JSON');
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw new BridgeConfigError(SETTING, 'must be a JSON object {"<app_id>": {...}}');
  const out = new Map<string, ApnsChannel>();
  for (const [appId, entry] of Object.entries(doc as Record<string, unknown>)) {
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) throw new BridgeConfigError(SETTING, `channel "${appId}" must be an object`);
    try {
      out.set(appId, channel(appId, entry as Record<string, unknown>));
    } catch (err) {
      throw new BridgeConfigError(SETTING, `channel "${appId}": ${(err as Error).message}`);
    }
  }
  return out;
}

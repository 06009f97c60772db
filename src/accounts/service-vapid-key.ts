/**
 * Herald's own VAPID key pair (RFC 8292), which signs the pushes Herald sends to devices
 * (docs/device-messages.md#account-push-events). Created on the first start and kept with the accounts
 * (`AccountStore.serviceKey`), so every node of a cluster signs with the same key and push
 * services keep seeing the same sender across restarts, with nothing to configure.
 */
import { b64uDecode, b64uEncode } from '../crypto/base64url.js';
import { p256PublicFromPrivate } from '../crypto/p256.js';
import { generateVapidKeys, type VapidKeyPair } from '../crypto/vapid.js';
import type { AccountStore } from '../storage/accounts/account-store.js';

const NAME = 'vapid';

/** The stored key pair, created on first use. @throws Error with a fix when the stored value is damaged. */
export async function serviceVapidKeys(accounts: AccountStore): Promise<VapidKeyPair> {
  return parseKeyPair(await accounts.serviceKey(NAME, () => JSON.stringify(generateVapidKeys())));
}

/** @throws Error naming the problem when `text` is not a matching P-256 key pair. */
export function parseKeyPair(text: string): VapidKeyPair {
  const fix = `Delete the "${NAME}" row of service_key (SQLite/PostgreSQL) or the service-key:${NAME} key (Redis) to make a new pair; devices then see a new sender.`;
  let parsed: Partial<VapidKeyPair>;
  try {
    parsed = JSON.parse(text) as Partial<VapidKeyPair>;
  } catch (err) {
    throw new Error(`Herald's stored VAPID key is not valid JSON (${(err as Error).message}). ${fix}`);
  }
  const { publicKey, privateKey } = parsed;
  try {
    if (typeof publicKey !== 'string' || typeof privateKey !== 'string') throw new Error('publicKey and privateKey must be strings');
    if (b64uEncode(p256PublicFromPrivate(b64uDecode(privateKey))) !== b64uEncode(b64uDecode(publicKey))) {
      throw new Error('the public key does not belong to the private key');
    }
  } catch (err) {
    throw new Error(`Herald's stored VAPID key is not a valid P-256 key pair (${(err as Error).message}). ${fix}`);
  }
  return { publicKey, privateKey };
}

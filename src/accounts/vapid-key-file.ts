/**
 * Herald's own VAPID key pair (RFC 8292), which signs the pushes Herald sends to devices
 * (spec/device-messages.md §4.2). Created on first start and kept in a 0600 JSON file, like the
 * crypto keys, so push services keep seeing the same sender across restarts.
 */
import { existsSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { b64uDecode, b64uEncode } from '../crypto/base64url.js';
import { p256PublicFromPrivate } from '../crypto/p256.js';
import { generateVapidKeys } from '../crypto/vapid.js';

/** base64url raw keys: a 65-byte point and a 32-byte scalar. */
export interface VapidKeyPair {
  publicKey: string;
  privateKey: string;
}

/** Where the key file lives by default: beside the SQLite file, else in ./data. */
export function defaultVapidKeyFilePath(dsn: string): string {
  const path = /^sqlite:(?:\/\/)?(.+)$/.exec(dsn)?.[1];
  const dir = path && path !== ':memory:' ? dirname(path) : './data';
  return `${dir}/herald-vapid.json`;
}

/**
 * Read the key pair from `path`, or create the file with a fresh pair (two processes starting at
 * once agree on one file). Returns the keys and whether they are new.
 * @throws Error with a readable fix when the file exists but does not hold a valid pair.
 */
export function loadOrCreateVapidKeys(path: string): { keys: VapidKeyPair; created: boolean } {
  if (existsSync(path)) return { keys: readKeys(path), created: false };
  const keys = generateVapidKeys();
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(keys, null, 2) + '\n', { mode: 0o600 });
  try {
    linkSync(tmp, path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return { keys: readKeys(path), created: false };
  } finally {
    unlinkSync(tmp);
  }
  return { keys, created: true };
}

function readKeys(path: string): VapidKeyPair {
  const fix = 'Restore it from a backup, or delete it to make a new pair (devices then see a new sender).';
  let parsed: Partial<VapidKeyPair>;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<VapidKeyPair>;
  } catch (err) {
    throw new Error(`The VAPID key file ${path} is not valid JSON (${(err as Error).message}). ${fix}`);
  }
  const { publicKey, privateKey } = parsed;
  try {
    if (typeof publicKey !== 'string' || typeof privateKey !== 'string') throw new Error('publicKey and privateKey must be strings');
    if (b64uEncode(p256PublicFromPrivate(b64uDecode(privateKey))) !== b64uEncode(b64uDecode(publicKey))) {
      throw new Error('the public key does not belong to the private key');
    }
  } catch (err) {
    throw new Error(`The VAPID key file ${path} does not hold a valid P-256 key pair (${(err as Error).message}). ${fix}`);
  }
  return { publicKey, privateKey };
}

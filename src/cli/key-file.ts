/**
 * Crypto keys persisted on first start, so endpoints stay valid across restarts without any
 * setting. The file is created with mode 0600; keys given by flag or environment win.
 */
import { existsSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { generateFernetKey } from '../crypto/fernet.js';

export interface KeyFile {
  cryptoKeys: string[];
}

/** Where keys live by default: beside the SQLite file, else in ./data. */
export function defaultKeyFilePath(dsn: string): string {
  const sqlite = /^sqlite:(?:\/\/)?(.+)$/.exec(dsn);
  const path = sqlite?.[1];
  const dir = path && path !== ':memory:' ? dirname(path) : './data';
  return `${dir}/herald-keys.json`;
}

/** Read the key file, or create it with a fresh key. Returns the keys and whether they are new. */
export function loadOrCreateKeys(path: string): { keys: KeyFile; created: boolean } {
  if (existsSync(path)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(path, 'utf8'));
    } catch (err) {
      throw new Error(`The key file ${path} is not valid JSON (${(err as Error).message}). Restore it from a backup; deleting it invalidates every push endpoint.`);
    }
    const keys = (parsed as Partial<KeyFile>).cryptoKeys;
    if (!Array.isArray(keys) || keys.length === 0 || !keys.every((k) => typeof k === 'string')) {
      throw new Error(`The key file ${path} has no "cryptoKeys" list. Restore it from a backup, or give keys with --crypto-keys.`);
    }
    return { keys: { cryptoKeys: keys }, created: false };
  }
  const keys: KeyFile = { cryptoKeys: [generateFernetKey()] };
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(keys, null, 2) + '\n', { mode: 0o600 });
  try {
    // link() fails if another process created the file first; then everyone uses its keys.
    linkSync(tmp, path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return loadOrCreateKeys(path);
  } finally {
    unlinkSync(tmp);
  }
  return { keys, created: true };
}

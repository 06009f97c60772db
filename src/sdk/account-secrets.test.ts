import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { webcrypto } from 'node:crypto';
import { PAGE_AUTH_INFO, PAGE_STRETCH_ITERATIONS, PAGE_STRETCH_SALT_PREFIX, PAGE_UNWRAP_INFO } from '../accounts/page/devices-js.js';
import { PAGE_RECOVERY_ENC_INFO, PAGE_RECOVERY_ID_INFO } from '../accounts/page/account-settings-js.js';
import { AUTH_INFO, deriveAccountSecrets, newKB, openKB, recoveryKeyId, STRETCH_ITERATIONS, STRETCH_SALT_PREFIX, UNWRAP_INFO } from './account-secrets.js';

describe('account secrets', () => {
  it('are derived from the normalised email and the NFC password, the same every time', async () => {
    const a = await deriveAccountSecrets(' Ann@Example.com ', 'caf\u00e9 password');
    const b = await deriveAccountSecrets('ann@example.com', 'cafe\u0301 password');
    assert.equal(a.email, 'ann@example.com');
    assert.deepEqual(a, b);
    assert.match(a.authPassword, /^[0-9a-f]{64}$/);
    assert.equal(a.kSync.length, 64);
    assert.equal(a.kXCS.length, 16);
  });

  it('differ per account and per password, and the password sent is not kSync', async () => {
    const a = await deriveAccountSecrets('ann@example.com', 'password one');
    const b = await deriveAccountSecrets('bob@example.com', 'password one');
    const c = await deriveAccountSecrets('ann@example.com', 'password two');
    assert.notEqual(a.authPassword, b.authPassword);
    assert.notEqual(a.authPassword, c.authPassword);
    assert.ok(!a.kSync.toString('hex').includes(a.authPassword));
  });

  it('match what the device page computes with WebCrypto (same constants, same steps)', async () => {
    assert.deepEqual([PAGE_STRETCH_SALT_PREFIX, PAGE_STRETCH_ITERATIONS, PAGE_AUTH_INFO, PAGE_UNWRAP_INFO], [STRETCH_SALT_PREFIX, STRETCH_ITERATIONS, AUTH_INFO, UNWRAP_INFO]);
    const subtle = webcrypto.subtle;
    const enc = new TextEncoder();
    const base = await subtle.importKey('raw', enc.encode('hunter2 hunter2'), 'PBKDF2', false, ['deriveBits']);
    const stretched = await subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt: enc.encode(PAGE_STRETCH_SALT_PREFIX + 'x@example.com'), iterations: PAGE_STRETCH_ITERATIONS }, base, 256);
    const ikm = await subtle.importKey('raw', stretched, 'HKDF', false, ['deriveBits']);
    const auth = await subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: enc.encode(PAGE_AUTH_INFO) }, ikm, 256);
    assert.equal(Buffer.from(auth).toString('hex'), (await deriveAccountSecrets('x@example.com', 'hunter2 hunter2')).authPassword);
  });

  it('make the recovery key the page makes with WebCrypto: the SDK finds its id and opens its data', async () => {
    const { subtle } = webcrypto;
    const enc = new TextEncoder();
    const key = webcrypto.getRandomValues(new Uint8Array(32));
    const iv = webcrypto.getRandomValues(new Uint8Array(12));
    const kB = newKB();
    const ikm = await subtle.importKey('raw', key, 'HKDF', false, ['deriveBits', 'deriveKey']);
    const hkdf = (info: string) => ({ name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: enc.encode(info) });
    const id = Buffer.from(await subtle.deriveBits(hkdf(PAGE_RECOVERY_ID_INFO), ikm, 128)).toString('hex');
    const aes = await subtle.deriveKey(hkdf(PAGE_RECOVERY_ENC_INFO), ikm, { name: 'AES-GCM', length: 256 }, false, ['encrypt']);
    const sealed = Buffer.from(await subtle.encrypt({ name: 'AES-GCM', iv }, aes, kB));
    const keyHex = Buffer.from(key).toString('hex');
    assert.equal(id, recoveryKeyId(keyHex));
    assert.deepEqual(openKB(Buffer.concat([iv, sealed]).toString('base64url'), keyHex), kB);
  });
});

/**
 * What a client derives from the account's email and password before talking to Herald, in the
 * spirit of FxA's onepw protocol (docs/device-messages.md#client-sdk,
 * docs/device-messages.md#accounts-and-sessions):
 *
 *   stretched    = PBKDF2-SHA256(NFC(password), "identity.herald-push/v1/quickStretch:" + email, 100 000, 32)
 *   authPassword = hex(HKDF-SHA256(stretched, salt "", info ".../v1/authPW", 32))   sent as the password
 *   unwrapKey    = HKDF-SHA256(stretched, salt "", info ".../v1/unwrapKB", 32)
 *   kB           = the account's root key: 32 random bytes made at sign-up, kept by the server
 *                  only as wrapKB = kB XOR unwrapKey (GET /v1/account/keys); an account from
 *                  before keys were kept has none and uses kB = stretched
 *   kSync        = HKDF-SHA256(kB, salt "", info ".../v1/kSync", 64)        never leaves the device
 *   kXCS         = HKDF-SHA256(kB, salt "", info ".../v1/kXCS", 16)         names kSync (the kid)
 *
 * A password change re-wraps the same kB under the new password (kSync stays). The account
 * recovery key (32 random bytes, shown to the user as hex) seals kB with AES-256-GCM under
 * HKDF(recoveryKey, ".../v1/recoveryKeyEncrypt"); the server keeps that and the key's id,
 * HKDF(recoveryKey, ".../v1/recoveryKeyId", 16), and can open neither. A reset with it keeps kB;
 * a reset without it makes a new kB, so kSync and every Send Tab key bundle change.
 *
 * The server only ever sees `authPassword`, from which it cannot compute kSync (HKDF is one-way),
 * so the Send Tab keys a device publishes under kSync stay out of its reach. The device page does
 * the same derivation in the browser (accounts/page/devices-js.ts) so both sign in alike.
 */
import { createCipheriv, createDecipheriv, hkdfSync, pbkdf2, randomBytes } from 'node:crypto';

export const STRETCH_SALT_PREFIX = 'identity.herald-push/v1/quickStretch:';
export const STRETCH_ITERATIONS = 100_000;
export const AUTH_INFO = 'identity.herald-push/v1/authPW';
const KSYNC_INFO = 'identity.herald-push/v1/kSync';
const KXCS_INFO = 'identity.herald-push/v1/kXCS';
export const UNWRAP_INFO = 'identity.herald-push/v1/unwrapKB';
const RECOVERY_ID_INFO = 'identity.herald-push/v1/recoveryKeyId';
const RECOVERY_ENC_INFO = 'identity.herald-push/v1/recoveryKeyEncrypt';

export interface AccountSecrets {
  /** Lowercased, trimmed: the account's name on the server. */
  email: string;
  /** 64 hex characters: what the client sends as the password. */
  authPassword: string;
  /** 64 bytes: AES-256 key ‖ HMAC-SHA256 key of the Send Tab key bundle. */
  kSync: Buffer;
  /** 16 bytes; hex(kXCS) is the bundle's `kid`. */
  kXCS: Buffer;
  /** 32 bytes: unwraps the server's `wrapKB`. */
  unwrapKey: Buffer;
  /** kB of an account without a stored `wrapKB` (the stretched password). */
  legacyKB: Buffer;
}

const hkdf = (ikm: Buffer, info: string, length: number) => Buffer.from(hkdfSync('sha256', ikm, Buffer.alloc(0), info, length));

/** kSync and kXCS of a root key kB. */
export function keysFromKB(kB: Buffer): { kSync: Buffer; kXCS: Buffer } {
  return { kSync: hkdf(kB, KSYNC_INFO, 64), kXCS: hkdf(kB, KXCS_INFO, 16) };
}

/** A new random root key. */
export const newKB = (): Buffer => randomBytes(32);

/** wrapKB = kB XOR unwrapKey, hex; the same function unwraps. */
export function wrapKB(kB: Buffer, unwrapKey: Buffer): string {
  const out = Buffer.alloc(32);
  for (let i = 0; i < 32; i++) out[i] = kB[i]! ^ unwrapKey[i]!;
  return out.toString('hex');
}

export function unwrapKB(wrap: string, unwrapKey: Buffer): Buffer {
  return Buffer.from(wrapKB(Buffer.from(wrap, 'hex'), unwrapKey), 'hex');
}

/** A new account recovery key, as the user keeps it: 64 hex characters. */
export const newRecoveryKey = (): string => randomBytes(32).toString('hex');

export function recoveryKeyId(recoveryKey: string): string {
  return hkdf(Buffer.from(recoveryKey, 'hex'), RECOVERY_ID_INFO, 16).toString('hex');
}

/** kB sealed under the recovery key: base64url(IV ‖ ciphertext ‖ tag). */
export function sealKB(kB: Buffer, recoveryKey: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', hkdf(Buffer.from(recoveryKey, 'hex'), RECOVERY_ENC_INFO, 32), iv);
  return Buffer.concat([iv, cipher.update(kB), cipher.final(), cipher.getAuthTag()]).toString('base64url');
}

/** @throws Error when the data was not sealed under this recovery key. */
export function openKB(data: string, recoveryKey: string): Buffer {
  const raw = Buffer.from(data, 'base64url');
  const decipher = createDecipheriv('aes-256-gcm', hkdf(Buffer.from(recoveryKey, 'hex'), RECOVERY_ENC_INFO, 32), raw.subarray(0, 12));
  decipher.setAuthTag(raw.subarray(raw.length - 16));
  return Buffer.concat([decipher.update(raw.subarray(12, raw.length - 16)), decipher.final()]);
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export async function deriveAccountSecrets(email: string, password: string): Promise<AccountSecrets> {
  const normalized = normalizeEmail(email);
  const stretched = await new Promise<Buffer>((resolve, reject) =>
    pbkdf2(password.normalize('NFC'), STRETCH_SALT_PREFIX + normalized, STRETCH_ITERATIONS, 32, 'sha256', (err, key) => (err ? reject(err) : resolve(key))),
  );
  return {
    email: normalized,
    authPassword: hkdf(stretched, AUTH_INFO, 32).toString('hex'),
    ...keysFromKB(stretched),
    unwrapKey: hkdf(stretched, UNWRAP_INFO, 32),
    legacyKB: stretched,
  };
}

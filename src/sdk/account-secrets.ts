/**
 * What a client derives from the account's email and password before talking to Herald, in the
 * spirit of FxA's onepw protocol (docs/device-messages.md#client-sdk,
 * docs/device-messages.md#accounts-and-sessions):
 *
 *   stretched    = PBKDF2-SHA256(NFC(password), "identity.herald-push/v1/quickStretch:" + email, 100 000, 32)
 *   authPassword = hex(HKDF-SHA256(stretched, salt "", info ".../v1/authPW", 32))   sent as the password
 *   kSync        = HKDF-SHA256(stretched, salt "", info ".../v1/kSync", 64)        never leaves the device
 *   kXCS         = HKDF-SHA256(stretched, salt "", info ".../v1/kXCS", 16)         names kSync (the kid)
 *
 * The server only ever sees `authPassword`, from which it cannot compute kSync (HKDF is one-way),
 * so the Send Tab keys a device publishes under kSync stay out of its reach. The device page does
 * the same derivation in the browser (accounts/page/devices-js.ts) so both sign in alike.
 */
import { hkdfSync, pbkdf2 } from 'node:crypto';

export const STRETCH_SALT_PREFIX = 'identity.herald-push/v1/quickStretch:';
export const STRETCH_ITERATIONS = 100_000;
export const AUTH_INFO = 'identity.herald-push/v1/authPW';
const KSYNC_INFO = 'identity.herald-push/v1/kSync';
const KXCS_INFO = 'identity.herald-push/v1/kXCS';

export interface AccountSecrets {
  /** Lowercased, trimmed: the account's name on the server. */
  email: string;
  /** 64 hex characters: what the client sends as the password. */
  authPassword: string;
  /** 64 bytes: AES-256 key ‖ HMAC-SHA256 key of the Send Tab key bundle. */
  kSync: Buffer;
  /** 16 bytes; hex(kXCS) is the bundle's `kid`. */
  kXCS: Buffer;
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export async function deriveAccountSecrets(email: string, password: string): Promise<AccountSecrets> {
  const normalized = normalizeEmail(email);
  const stretched = await new Promise<Buffer>((resolve, reject) =>
    pbkdf2(password.normalize('NFC'), STRETCH_SALT_PREFIX + normalized, STRETCH_ITERATIONS, 32, 'sha256', (err, key) => (err ? reject(err) : resolve(key))),
  );
  const derive = (info: string, length: number) => Buffer.from(hkdfSync('sha256', stretched, Buffer.alloc(0), info, length));
  return { email: normalized, authPassword: derive(AUTH_INFO, 32).toString('hex'), kSync: derive(KSYNC_INFO, 64), kXCS: derive(KXCS_INFO, 16) };
}

/**
 * The body of `POST /v1/account/device` (docs/device-messages.md#device-registry) as a typed value:
 * display-safe name, type, a push subscription whose callback is on an allowed push host, whose
 * public key is a P-256 point and whose auth key is 16 bytes (all three fields or none; empty
 * strings clear it), capabilities, and available commands.
 */
import { z } from 'zod';
import { b64uDecode } from '../../crypto/base64url.js';
import { p256PublicKey } from '../../crypto/p256.js';
import { ApiError } from '../../errors/api-error.js';
import type { DevicePush } from '../../storage/accounts/account-store.js';
import { isAllowedPushCallback } from './push-callback.js';
import { parseWith } from './parse.js';

export interface DeviceRegistration {
  id?: string;
  name?: string;
  type?: string;
  /** undefined: not given; null: cleared with empty strings. */
  push?: DevicePush | null;
  capabilities?: string[];
  availableCommands?: Record<string, string>;
}

/** FxA's "display-safe unicode": no C0/C1 controls, DEL, line/paragraph separators or private use. */
const DISPLAY_SAFE = /^[^\u0000-\u001F\u007F-\u009F\u2028\u2029\uE000-\uF8FF\uFFF9-\uFFFF]*$/;
export const deviceIdSchema = z.string().regex(/^[0-9a-f]{32}$/, 'must be 32 lowercase hex characters');
export const deviceNameSchema = z.string().max(255).regex(DISPLAY_SAFE, 'must be display-safe text');
const base64url = (max: number) => z.string().max(max).regex(/^[A-Za-z0-9_-]*={0,2}$/, 'must be base64url');

const schema = z
  .object({
    id: deviceIdSchema.optional(),
    name: deviceNameSchema.optional(),
    type: z.string().min(1).max(16).regex(/^[a-z]+$/, 'must be a lowercase word such as desktop or mobile').optional(),
    // Longer than FxA's 255: Herald's own v2 endpoints and UnifiedPush endpoints can be.
    pushCallback: z.string().max(1000).optional(),
    pushPublicKey: base64url(88).optional(),
    pushAuthKey: base64url(24).optional(),
    capabilities: z.array(z.string().regex(/^[a-z0-9_.:-]{1,64}$/, 'must be a short capability name')).max(16).optional(),
    availableCommands: z
      .record(z.string().regex(/^[a-zA-Z0-9._/\-:]{1,100}$/, 'must be a command URI'), z.string().max(2048))
      .refine((c) => Object.keys(c).length <= 32, 'at most 32 commands')
      .optional(),
  })
  .strict();

/**
 * @throws ApiError `invalid-parameter` (400, errno 107) naming the first bad field.
 */
export function parseDeviceRegistration(body: unknown, allowedPushOrigins: readonly string[]): DeviceRegistration {
  const raw = parseWith(schema, body);
  const reg: DeviceRegistration = {};
  if (raw.id !== undefined) reg.id = raw.id;
  if (raw.name !== undefined) reg.name = raw.name;
  if (raw.type !== undefined) reg.type = raw.type;
  if (raw.capabilities !== undefined) reg.capabilities = [...new Set(raw.capabilities)];
  if (raw.availableCommands !== undefined) reg.availableCommands = { ...raw.availableCommands };
  const given = [raw.pushCallback, raw.pushPublicKey, raw.pushAuthKey].filter((v) => v !== undefined).length;
  if (given === 0) return reg;
  if (given !== 3) throw invalid('pushCallback, pushPublicKey and pushAuthKey go together: give all three or none');
  const [callback, publicKey, authKey] = [raw.pushCallback as string, raw.pushPublicKey as string, raw.pushAuthKey as string];
  if (callback === '' && publicKey === '' && authKey === '') {
    reg.push = null;
    return reg;
  }
  if (!isAllowedPushCallback(callback, allowedPushOrigins)) throw invalid('pushCallback is not on an allowed push host');
  let point: Buffer;
  try {
    point = b64uDecode(publicKey);
    p256PublicKey(point);
  } catch {
    throw invalid('invalid pushPublicKey: not a P-256 public key');
  }
  if (b64uDecode(authKey).length !== 16) throw invalid('invalid pushAuthKey: must be 16 bytes');
  reg.push = { callback, publicKey: point.toString('base64url'), authKey: b64uDecode(authKey).toString('base64url') };
  return reg;
}

function invalid(message: string): ApiError {
  return new ApiError('invalid-parameter', `Invalid parameter in request body: ${message}`);
}

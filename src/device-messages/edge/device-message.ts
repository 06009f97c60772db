/** The body of `POST /v1/account/devices/messages` (docs/device-messages.md#the-messages-api-2018-recipe). */
import { z } from 'zod';
import { deviceIdSchema } from '../../accounts/edge/device-registration.js';
import { parseWith } from '../../accounts/edge/parse.js';

export interface DeviceMessage {
  to: string;
  /** `sendtab`, the only topic of the recipe. */
  topic: 'sendtab';
  /** base64url ciphertext: aes128gcm to the target's push keys. */
  data: string;
  ttl?: number;
}

const schema = z.object({
  to: deviceIdSchema,
  topic: z.literal('sendtab'),
  data: z.string().min(1).regex(/^[A-Za-z0-9_-]+$/, 'must be base64url'),
  ttl: z.number().int().min(0).max(10_000_000).optional(),
});

export function parseDeviceMessage(body: unknown): DeviceMessage {
  const b = parseWith(schema, body);
  return b.ttl === undefined ? { to: b.to, topic: b.topic, data: b.data } : b;
}

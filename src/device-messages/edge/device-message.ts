/** The body of `POST /v1/account/devices/messages` (docs/device-messages.md#the-messages-api-2018-recipe). */
import { z } from 'zod';
import { deviceIdSchema } from '../../accounts/edge/device-registration.js';
import { parseWith } from '../../accounts/edge/parse.js';

/**
 * What a topic may be (docs/device-messages.md "The messages API"): a lowercase name such as the
 * recipe's `sendtab`, so readers can ask for one topic with `?topic=`.
 */
export const TOPIC_PATTERN = /^[a-z0-9][a-z0-9._:-]{0,63}$/;
export const topicSchema = z.string().regex(TOPIC_PATTERN, 'must match ^[a-z0-9][a-z0-9._:-]{0,63}$');

export interface DeviceMessage {
  to: string;
  /** The recipe's `sendtab`, or any other topic matching `TOPIC_PATTERN`. */
  topic: string;
  /** base64url ciphertext: aes128gcm to the target's push keys. */
  data: string;
  ttl?: number;
}

const schema = z.object({
  to: deviceIdSchema,
  topic: topicSchema,
  data: z.string().min(1).regex(/^[A-Za-z0-9_-]+$/, 'must be base64url'),
  ttl: z.number().int().min(0).max(10_000_000).optional(),
});

export function parseDeviceMessage(body: unknown): DeviceMessage {
  const b = parseWith(schema, body);
  return b.ttl === undefined ? { to: b.to, topic: b.topic, data: b.data } : b;
}

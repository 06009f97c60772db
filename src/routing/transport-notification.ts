/**
 * The body of `PUT /push/{uaid}` on the router port (docs/protocol.md#transport-notification,
 * autopush's `TransportNotification`): a `Notification` as JSON. The sender is another node, but
 * the router port is still an edge: the body is checked here, once, into a typed value.
 * Unknown fields (`reliability_id`, `reliable_state`, …) are accepted and dropped.
 */
import { z } from 'zod';
import type { Notification } from '../protocol/notification.js';

/** Router-port uaids travel simple: 32 lowercase hex characters. */
export const UAID = /^[0-9a-f]{32}$/;
const CHANNEL_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const BASE64URL = /^[0-9A-Za-z_-]*$/;
/** Header values and message ids are short; these caps only stop abuse. */
const MAX_VERSION = 1024;
const MAX_HEADER = 4096;

const schema = z.object({
  channelID: z.string().regex(CHANNEL_ID, 'must be a lowercase dashed UUID'),
  version: z.string().min(1).max(MAX_VERSION),
  ttl: z.number().int().nonnegative(),
  topic: z
    .string()
    .max(32)
    .regex(/^[0-9A-Za-z_-]+=*$/, 'must be base64url')
    .nullish()
    .transform((t) => t ?? null),
  timestamp: z.number().int().nonnegative(),
  data: z.string().regex(BASE64URL, 'must be base64url without padding').optional(),
  headers: z
    .object({
      encoding: z.enum(['aes128gcm', 'aesgcm']),
      encryption: z.string().max(MAX_HEADER).optional(),
      crypto_key: z.string().max(MAX_HEADER).optional(),
    })
    .optional(),
  urgency: z.enum(['very-low', 'low', 'normal', 'high']).optional(),
  stored: z.literal(true).optional(),
  receipt: z.boolean().optional(),
});

export class TransportError extends Error {
  override name = 'TransportError';
}

/**
 * Parse a router-port body.
 * @throws TransportError saying which field is wrong, for a 400 answer.
 */
export function parseTransportNotification(body: Buffer | string): Notification {
  let json: unknown;
  try {
    json = JSON.parse(typeof body === 'string' ? body : body.toString('utf8'));
  } catch {
    throw new TransportError('body is not JSON');
  }
  const result = schema.safeParse(json);
  if (!result.success) {
    throw new TransportError(result.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
  }
  const { data, headers, urgency, stored, receipt, ...rest } = result.data;
  // Optional fields stay absent rather than `undefined`, as the endpoint builds them.
  const headersOut = headers && {
    encoding: headers.encoding,
    ...(headers.encryption !== undefined ? { encryption: headers.encryption } : {}),
    ...(headers.crypto_key !== undefined ? { crypto_key: headers.crypto_key } : {}),
  };
  return {
    ...rest,
    ...(data !== undefined ? { data } : {}),
    ...(headersOut !== undefined ? { headers: headersOut } : {}),
    ...(urgency !== undefined ? { urgency } : {}),
    ...(stored ? { stored } : {}),
    ...(receipt !== undefined ? { receipt } : {}),
  };
}

/**
 * `?index=&limit=` of the mailbox reads (docs/device-messages.md#the-messages-api-2018-recipe), and the `?topic=` of
 * the messages API. `index` is 0 or absent for the start; whether it is inclusive (commands) or
 * exclusive (messages) is the route's rule (docs/device-messages.md). `limit` is 0-100 (default
 * 100; 0 asks only for the latest index).
 */
import { z } from 'zod';
import { parseWith } from '../../accounts/edge/parse.js';
import { topicSchema } from './device-message.js';

export const MAX_LIMIT = 100;

export interface ReadQuery {
  index: number;
  limit: number;
}

export interface MessagesQuery extends ReadQuery {
  /** Only messages of this topic; absent: all. */
  topic?: string;
}

const indexSchema = z
  .string()
  .regex(/^\d{1,15}$/, 'must be a non-negative integer')
  .transform(Number)
  .optional();
const limitSchema = z
  .string()
  .regex(/^\d{1,3}$/, 'must be an integer from 0 to 100')
  .transform(Number)
  .refine((n) => n <= MAX_LIMIT, 'must be an integer from 0 to 100')
  .optional();

const schema = z.object({ index: indexSchema, limit: limitSchema });
const messagesSchema = z.object({ index: indexSchema, limit: limitSchema, topic: topicSchema.optional() });

export function parseReadQuery(query: unknown): ReadQuery {
  const q = parseWith(schema, query, 'query');
  return { index: q.index ?? 0, limit: q.limit ?? MAX_LIMIT };
}

export function parseMessagesQuery(query: unknown): MessagesQuery {
  const q = parseWith(messagesSchema, query, 'query');
  const read = { index: q.index ?? 0, limit: q.limit ?? MAX_LIMIT };
  return q.topic === undefined ? read : { ...read, topic: q.topic };
}

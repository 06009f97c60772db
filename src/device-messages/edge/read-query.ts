/**
 * `?index=&limit=` of the mailbox reads (docs/device-messages.md#the-messages-api-2018-recipe):
 * `index` an inclusive
 * lower bound (0 or absent: from the start), `limit` 0-100 (default 100; 0 asks only for the
 * latest index).
 */
import { z } from 'zod';
import { parseWith } from '../../accounts/edge/parse.js';

export const MAX_LIMIT = 100;

export interface ReadQuery {
  index: number;
  limit: number;
}

const schema = z.object({
  index: z
    .string()
    .regex(/^\d{1,15}$/, 'must be a non-negative integer')
    .transform(Number)
    .optional(),
  limit: z
    .string()
    .regex(/^\d{1,3}$/, 'must be an integer from 0 to 100')
    .transform(Number)
    .refine((n) => n <= MAX_LIMIT, 'must be an integer from 0 to 100')
    .optional(),
});

export function parseReadQuery(query: unknown): ReadQuery {
  const q = parseWith(schema, query, 'query');
  return { index: q.index ?? 0, limit: q.limit ?? MAX_LIMIT };
}

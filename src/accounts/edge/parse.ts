/**
 * Turn an untrusted request body or query into a typed value with a zod schema, once, at the
 * edge. The first problem becomes `invalid-parameter` (400, errno 107) naming the field.
 */
import type { z } from 'zod';
import { ApiError } from '../../errors/api-error.js';

export function parseWith<S extends z.ZodType>(schema: S, input: unknown, where = 'request body'): z.output<S> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue && issue.path.length > 0 ? issue.path.map(String).join('.') : where;
  throw new ApiError('invalid-parameter', `Invalid parameter in ${where}: ${field}: ${issue?.message ?? 'invalid'}`);
}

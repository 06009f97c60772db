/** Email and password of `POST /v1/account/create`, `/login` and `/destroy`, as typed values. */
import { z } from 'zod';
import { parseWith } from './parse.js';

export interface Credentials {
  /** Trimmed and lowercased: one account per address whatever its case. */
  email: string;
  password: string;
}

/** An email address: trimmed and lowercased, so one address is one address whatever its case. */
export const emailSchema = z
  .string()
  .trim()
  .max(255)
  .regex(/^[^\s@]+@[^\s@]+$/, 'must be an email address')
  .transform((e) => e.toLowerCase());

const schema = z.object({
  email: emailSchema,
  password: z.string().min(8, 'must be at least 8 characters').max(1024),
});

export function parseCredentials(body: unknown): Credentials {
  return parseWith(schema, body);
}

/** The password alone (account deletion re-confirms it). */
export function parsePassword(body: unknown): string {
  return parseWith(z.object({ password: z.string().min(1).max(1024) }), body).password;
}

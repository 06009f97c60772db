/** The body of `POST /v1/account/devices/invoke_command` (docs/device-messages.md#device-commands-send-tab). */
import { z } from 'zod';
import { deviceIdSchema } from '../../accounts/edge/device-registration.js';
import { parseWith } from '../../accounts/edge/parse.js';

export interface CommandInvocation {
  target: string;
  command: string;
  /** Opaque to Herald; Send Tab puts only `{encrypted}` here. */
  payload: Record<string, unknown>;
  /** Seconds (upstream docs say ms, the code uses seconds: Appendix A). */
  ttl?: number;
}

const schema = z.object({
  target: deviceIdSchema,
  command: z.string().min(1).max(255),
  payload: z.record(z.string(), z.unknown()),
  ttl: z.number().int().min(0).max(10_000_000).optional(),
});

export function parseCommandInvocation(body: unknown): CommandInvocation {
  const b = parseWith(schema, body);
  return b.ttl === undefined ? { target: b.target, command: b.command, payload: b.payload } : b;
}

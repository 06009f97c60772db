/**
 * The JSON bodies of the registration API (docs/bridges.md), turned into typed values once, here:
 * `{token, channelID?, key?, aps?}` to register or refresh a token, `{channelID?, key?}` to add a
 * channel. Unknown fields are ignored, as autopush's serde does. Every string is bounded.
 */
import { z } from 'zod';
import { ApiError } from '../errors/api-error.js';
import { b64uDecode } from '../crypto/base64url.js';
import { dashedUuid, uuidHex } from '../crypto/uuid.js';

/** FCM tokens run to ~200 characters and APNs tokens to 200 hex digits: far below this. */
const MAX_TOKEN = 4096;
/** A VAPID public key is 87 characters of base64url. */
const MAX_KEY = 256;
/** An `aps` dictionary of alert texts and localisation keys. */
const MAX_APS = 2048;
/** autopush's rule for FCM, GCM and APNs tokens: eight or more characters, no space. */
const VALID_TOKEN = /^[^ ]{8,}$/;

export interface ChannelInput {
  /** Dashed lowercase UUID; absent: the server picks one. */
  channelID?: string;
  /** Raw VAPID public key the endpoint is bound to (a v2 endpoint); absent: v1. */
  vapidKey?: Buffer;
}

export interface RegistrationInput extends ChannelInput {
  token: string;
  /** The APNs `aps` dictionary the app asked for, as a JSON object. */
  aps?: Readonly<Record<string, unknown>>;
}

const channelShape = {
  channelID: z.string().max(64).optional(),
  key: z.string().max(MAX_KEY).optional(),
};
const registrationSchema = z.object({
  token: z.string().max(MAX_TOKEN),
  ...channelShape,
  // autopush takes a JSON string; an object is accepted too.
  aps: z.union([z.string().max(MAX_APS), z.record(z.string(), z.unknown())]).optional(),
});
const channelSchema = z.object(channelShape);

/** Parse JSON bytes. @throws ApiError `bad-request` naming what is wrong. */
function json(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch {
    throw new ApiError('bad-request', 'The body must be a JSON object');
  }
}

function issueText(error: z.ZodError): string {
  const i = error.issues[0]!;
  return `Invalid ${i.path.join('.') || 'body'}: ${i.message}`;
}

function channelFields(raw: { channelID?: string | undefined; key?: string | undefined }): ChannelInput {
  const out: ChannelInput = {};
  if (raw.channelID !== undefined) {
    try {
      out.channelID = dashedUuid(uuidHex(raw.channelID));
    } catch {
      throw new ApiError('bad-request', 'channelID must be a UUID');
    }
  }
  if (raw.key !== undefined) {
    let key: Buffer;
    try {
      key = b64uDecode(raw.key);
    } catch {
      throw new ApiError('bad-request', 'key must be a VAPID public key in URL-safe base64');
    }
    if (key.length !== 65 || key[0] !== 4) throw new ApiError('bad-request', 'key must be an uncompressed P-256 public key (65 bytes)');
    out.vapidKey = key;
  }
  return out;
}

/**
 * The body of `POST …/registration` and `PUT …/registration/{uaid}`.
 * @throws ApiError `bad-request` (400) for malformed JSON or fields; `invalid-router-token` (400)
 *   for a token of fewer than 8 characters or with a space; `invalid-aps` (400) for an `aps` that
 *   is not a JSON object.
 */
export function parseRegistrationInput(body: Buffer): RegistrationInput {
  const parsed = registrationSchema.safeParse(json(body));
  if (!parsed.success) throw new ApiError('bad-request', issueText(parsed.error));
  const { token, aps } = parsed.data;
  if (!VALID_TOKEN.test(token)) throw new ApiError('invalid-router-token');
  const out: RegistrationInput = { token, ...channelFields(parsed.data) };
  if (aps !== undefined) out.aps = parseAps(aps);
  return out;
}

/** The body of `POST …/registration/{uaid}/subscription`; an empty body is `{}`, as in autopush. */
export function parseChannelInput(body: Buffer): ChannelInput {
  if (body.length === 0) return {};
  const parsed = channelSchema.safeParse(json(body));
  if (!parsed.success) throw new ApiError('bad-request', issueText(parsed.error));
  return channelFields(parsed.data);
}

function parseAps(aps: string | Record<string, unknown>): Readonly<Record<string, unknown>> {
  let value: unknown = aps;
  if (typeof aps === 'string') {
    try {
      value = JSON.parse(aps);
    } catch {
      throw new ApiError('invalid-aps');
    }
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new ApiError('invalid-aps');
  if (JSON.stringify(value).length > MAX_APS) throw new ApiError('invalid-aps', `aps must be at most ${MAX_APS} bytes of JSON`);
  return value as Record<string, unknown>;
}

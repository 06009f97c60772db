/**
 * The `Topic` request header (RFC 8030 §5.4; docs/protocol.md#request-headers): a stored
 * message with the same (uaid, channel, topic) is replaced by a newer one.
 */
import { ApiError } from '../../errors/api-error.js';

const MAX_LENGTH = 32;
/** The URL-safe base64 alphabet, padding allowed at the end, as autopush checks it. */
const TOPIC = /^[0-9A-Za-z_-]+=*$/;

/**
 * @param raw the header value, undefined when absent.
 * @returns the topic, or null when there is none.
 * @throws ApiError `invalid-topic` (113) when longer than 32 characters or outside the alphabet
 *   (an empty header counts as invalid).
 */
export function parseTopic(raw: string | undefined): string | null {
  if (raw === undefined) return null;
  if (raw.length > MAX_LENGTH || !TOPIC.test(raw)) throw new ApiError('invalid-topic');
  return raw;
}

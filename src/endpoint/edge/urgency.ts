/**
 * The `Urgency` request header (RFC 8030 §5.3; docs/protocol.md#request-headers). Optional; one of
 * `very-low`, `low`, `normal`, `high`, matched without regard to case (as HTTP tokens usually
 * are) and without surrounding whitespace. Anything else, also an empty value or two values
 * (a repeated header), is refused with 400 errno 117: a sender that mistypes it would otherwise
 * get `normal` without knowing. autopush ignores the header (docs/compatibility.md#differences).
 * A valid urgency travels with the message, decides whether a user agent that declared a level
 * gets it now, and reaches the user agent in the notification.
 */
import { ApiError } from '../../errors/api-error.js';
import type { Urgency } from '../../protocol/notification.js';
import { urgencyOrUndefined } from '../../protocol/urgency.js';

/**
 * @returns the urgency, or undefined when there is no Urgency header.
 * @throws ApiError `invalid-urgency` (400, errno 117) for any other value.
 */
export function parseUrgency(raw: string | undefined): Urgency | undefined {
  if (raw === undefined) return undefined;
  const urgency = urgencyOrUndefined(raw.trim().toLowerCase());
  if (urgency === undefined) throw new ApiError('invalid-urgency');
  return urgency;
}

/**
 * Errors of the endpoint API (docs/protocol.md#responses-and-errors,
 * docs/errors.md#endpoint-api-application-servers) as data: one kind, one row.
 * The route layer renders every failure through `apiErrorTable`; nothing else picks a
 * status or an errno.
 */

export type ApiErrorKind =
  | 'invalid-api-version'
  | 'invalid-token'
  | 'payload-too-large'
  | 'user-was-deleted'
  | 'no-subscription'
  | 'invalid-router-type'
  | 'vapid'
  | 'invalid-encryption'
  | 'invalid-ttl'
  | 'invalid-topic'
  | 'negative-ttl'
  // RFC 8030 §5.3 Urgency: autopush ignores the header; Herald's own errno.
  | 'invalid-urgency'
  // RFC 8030 §5.1 push message receipts (docs/protocol.md#push-message-receipts): Herald's own.
  | 'invalid-receipt-subscription'
  | 'too-many-receipt-subscriptions'
  | 'database'
  | 'database-busy'
  | 'invalid-message-id'
  | 'not-found'
  | 'method-not-allowed'
  | 'bad-request'
  | 'internal'
  // The bridge registration API and bridged delivery (src/bridges, docs/bridges.md): autopush's.
  | 'invalid-local-auth'
  | 'no-user'
  | 'invalid-router-token'
  | 'unknown-app-id'
  | 'invalid-aps'
  | 'too-many-channels'
  | 'bridge-too-much-data'
  | 'bridge-authentication'
  | 'bridge-unavailable'
  | 'bridge-timeout'
  | 'bridge-busy'
  // Abuse controls (src/abuse, docs/operations.md): Herald's own; autopush has none.
  | 'rate-limited'
  | 'ip-blocked'
  // The account, device and device-messages API (docs/device-messages.md#device-registry, docs/device-messages.md#accounts-and-sessions): FxA's errnos.
  | 'account-exists'
  | 'incorrect-password'
  | 'invalid-json'
  | 'invalid-parameter'
  | 'invalid-session-token'
  | 'request-too-large'
  | 'unknown-device'
  | 'device-session-conflict'
  | 'unavailable-command'
  | 'messages-not-supported'
  // Limits and quotas of the account API (docs/operations.md, docs/device-messages.md): 114 is
  // FxA's "throttled"; FxA has no quotas, so those are Herald's own 9xx numbers.
  | 'account-throttled'
  | 'account-ip-blocked'
  | 'too-many-devices'
  | 'mailbox-full'
  | 'too-many-sessions'
  // Account security (docs/accounts.md): FxA's errnos where FxA has one, else Herald's 9xx.
  | 'unverified-account'
  | 'unverified-session'
  | 'invalid-code'
  | 'code-expired'
  | 'code-attempts-exhausted'
  | 'mail-not-configured'
  | 'mail-failed'
  // Secondary emails (docs/accounts.md "Secondary emails").
  | 'email-is-primary'
  | 'email-taken'
  | 'sign-in-with-secondary-email'
  | 'unknown-email'
  | 'email-unverified'
  | 'too-many-emails';

export interface ApiErrorRow {
  status: number;
  errno: number | null;
  /** Default human text; a throw site may give a more precise one. */
  message: string;
}

export const apiErrorTable: Readonly<Record<ApiErrorKind, ApiErrorRow>> = {
  'invalid-api-version': { status: 404, errno: 102, message: 'Invalid API version' },
  'invalid-token': { status: 404, errno: 102, message: 'Invalid subscription token' },
  'payload-too-large': { status: 413, errno: 104, message: 'Data payload too large' },
  'user-was-deleted': { status: 410, errno: 105, message: 'User was deleted' },
  'no-subscription': { status: 410, errno: 106, message: 'No such subscription' },
  'invalid-router-type': { status: 400, errno: 108, message: 'Invalid router type' },
  vapid: { status: 401, errno: 109, message: 'Unauthorized' },
  'invalid-encryption': { status: 400, errno: 110, message: 'Invalid encryption headers' },
  'invalid-ttl': { status: 400, errno: 111, message: 'Missing or invalid TTL header' },
  'invalid-topic': { status: 400, errno: 113, message: 'Topic must be at most 32 characters of the URL-safe base64 alphabet' },
  'negative-ttl': { status: 400, errno: 114, message: 'TTL must not be negative' },
  'invalid-urgency': { status: 400, errno: 117, message: 'Urgency must be one of very-low, low, normal or high' },
  'invalid-receipt-subscription': {
    status: 400,
    errno: 118,
    message: 'Push-Receipt does not name a live receipt subscription of this sender: create one with POST on the receipt subscribe resource',
  },
  'too-many-receipt-subscriptions': { status: 429, errno: 119, message: 'This sender holds the most receipt subscriptions allowed: reuse one, or wait for one to expire' },
  database: { status: 500, errno: 201, message: 'Database error' },
  'database-busy': { status: 503, errno: 201, message: 'Database busy, retry with exponential back-off' },
  'invalid-message-id': { status: 400, errno: null, message: 'Invalid message ID' },
  'not-found': { status: 404, errno: null, message: 'Not found' },
  'method-not-allowed': { status: 405, errno: null, message: 'Method not allowed' },
  'bad-request': { status: 400, errno: null, message: 'Bad request' },
  internal: { status: 500, errno: null, message: 'Internal server error' },
  'invalid-local-auth': { status: 401, errno: 109, message: 'Unauthorized: missing or incorrect registration secret' },
  'no-user': { status: 410, errno: 103, message: 'No such user' },
  'invalid-router-token': { status: 400, errno: null, message: 'Invalid router token' },
  'unknown-app-id': { status: 400, errno: 106, message: 'Unknown app id for this router type' },
  'invalid-aps': { status: 400, errno: null, message: 'Invalid aps data' },
  'too-many-channels': { status: 413, errno: null, message: 'This registration has the most channels allowed: remove one first' },
  'bridge-too-much-data': { status: 413, errno: 104, message: 'This message goes to a native app through a bridge, whose size limit it exceeds' },
  'bridge-authentication': { status: 502, errno: 901, message: 'Bridge authentication error' },
  'bridge-unavailable': { status: 502, errno: 902, message: 'Error while connecting to the bridge service' },
  'bridge-timeout': { status: 503, errno: 903, message: 'Bridge request timeout, retry later' },
  'bridge-busy': { status: 503, errno: 904, message: 'The bridge service is overloaded or failing, retry after Retry-After seconds' },
  'rate-limited': { status: 429, errno: 115, message: 'Too many requests, retry after Retry-After seconds' },
  'ip-blocked': { status: 403, errno: 116, message: 'Requests from this address are blocked for a while' },
  'account-exists': { status: 400, errno: 101, message: 'Account already exists' },
  'incorrect-password': { status: 400, errno: 103, message: 'Incorrect email or password' },
  'invalid-json': { status: 400, errno: 106, message: 'Invalid JSON in request body' },
  'invalid-parameter': { status: 400, errno: 107, message: 'Invalid parameter in request body' },
  'invalid-session-token': { status: 401, errno: 110, message: 'Invalid or missing session token' },
  'request-too-large': { status: 413, errno: 113, message: 'Request body too large' },
  'unknown-device': { status: 400, errno: 123, message: 'Unknown device' },
  'device-session-conflict': { status: 400, errno: 124, message: 'This session already has another device' },
  'unavailable-command': { status: 400, errno: 157, message: 'Unavailable device command' },
  'messages-not-supported': { status: 400, errno: 157, message: 'The target device does not accept device messages' },
  'account-throttled': { status: 429, errno: 114, message: 'Client has sent too many requests' },
  'account-ip-blocked': { status: 429, errno: 114, message: 'Requests from this address are blocked for a while' },
  'too-many-devices': { status: 400, errno: 901, message: 'This account has the most devices allowed: disconnect one first' },
  'mailbox-full': { status: 507, errno: 902, message: 'The target device\'s mailbox is full: messages leave it when they expire' },
  'unverified-account': { status: 400, errno: 104, message: 'Unverified account: confirm the email address with the code mailed to it first' },
  'unverified-session': { status: 400, errno: 138, message: 'Unverified session: give the second-step code first' },
  'invalid-code': { status: 400, errno: 105, message: 'Invalid verification code' },
  'code-expired': { status: 400, errno: 183, message: 'The verification code has expired: ask for a new one' },
  'code-attempts-exhausted': { status: 400, errno: 904, message: 'Too many tries at this code: ask for a new one' },
  'mail-not-configured': { status: 503, errno: 202, message: 'Feature not enabled: this Herald has no mail server configured' },
  'mail-failed': { status: 503, errno: 151, message: 'Failed to send email: try again later' },
  'email-is-primary': { status: 400, errno: 139, message: 'This address is already the primary address of this account' },
  'email-taken': { status: 400, errno: 144, message: 'This address already belongs to an account' },
  'sign-in-with-secondary-email': { status: 400, errno: 142, message: 'Sign in with the primary address of the account; this one is a secondary address' },
  'unknown-email': { status: 400, errno: 143, message: 'This account has no such secondary address' },
  'email-unverified': { status: 400, errno: 906, message: 'Verify this address with the code mailed to it first' },
  'too-many-emails': { status: 400, errno: 905, message: 'This account has the most secondary addresses allowed: remove one first' },
  'too-many-sessions': { status: 400, errno: 903, message: 'This account has the most sessions allowed, all in use by devices: disconnect a device first' },
};

/** Documentation link sent in every error body, as autopush does (pointing at our own docs). */
export const MORE_INFO_URL = 'https://github.com/herald-push/herald/blob/main/docs/errors.md';

export class ApiError extends Error {
  readonly kind: ApiErrorKind;
  /** Seconds the client should wait before retrying (`Retry-After` of 429 and 503); absent: the renderer's default. */
  readonly retryAfter: number | undefined;
  constructor(kind: ApiErrorKind, message?: string, options?: { retryAfter?: number }) {
    super(message ?? apiErrorTable[kind].message);
    this.name = 'ApiError';
    this.kind = kind;
    this.retryAfter = options?.retryAfter;
  }
  get status(): number {
    return apiErrorTable[this.kind].status;
  }
  get errno(): number | null {
    return apiErrorTable[this.kind].errno;
  }
}

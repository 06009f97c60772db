/**
 * Why a bridged push failed, as data (docs/bridges.md "Errors"), and the one mapping to what the
 * sender sees. The failure's kind doubles as the metric label and the log field.
 */
import { ApiError, type ApiErrorKind } from '../errors/api-error.js';

export type FailureKind =
  /** The upstream no longer knows the device token (FCM 404 UNREGISTERED, APNs 410). */
  | 'unregistered'
  /** The user's router data lacks the token or app id it needs. */
  | 'no-routing-data'
  /** The user's app id is no longer configured here. */
  | 'unknown-app-id'
  /** The upstream refused our credentials (OAuth token, provider token, certificate). */
  | 'authentication'
  /** No connection, or an answer we cannot use. */
  | 'unavailable'
  /** No answer within the request timeout. */
  | 'timeout'
  /** 429 or 5xx, still so once the retries ran out. */
  | 'busy'
  /** The message, as the upstream wants it, is over its size limit. */
  | 'too-much-data';

export class BridgeFailure extends Error {
  readonly kind: FailureKind;
  /** Seconds the upstream asked us to wait (its `Retry-After`), when it said. */
  readonly retryAfter: number | undefined;
  constructor(kind: FailureKind, message: string, options?: { cause?: unknown; retryAfter?: number }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'BridgeFailure';
    this.kind = kind;
    this.retryAfter = options?.retryAfter;
  }
  /** Worth another attempt within the retry budget. */
  get retryable(): boolean {
    return this.kind === 'busy';
  }
}

const API_KIND: Readonly<Record<FailureKind, ApiErrorKind>> = {
  unregistered: 'no-subscription',
  'no-routing-data': 'no-subscription',
  'unknown-app-id': 'unknown-app-id',
  authentication: 'bridge-authentication',
  unavailable: 'bridge-unavailable',
  timeout: 'bridge-timeout',
  busy: 'bridge-busy',
  'too-much-data': 'bridge-too-much-data',
};

/** The sender's answer for a failure; `busy` and `timeout` carry `Retry-After`. */
export function failureApiError(failure: BridgeFailure): ApiError {
  const kind = API_KIND[failure.kind];
  if (kind === 'bridge-busy' || kind === 'bridge-timeout') {
    // Bounded: an upstream asking for an hour must not make senders wait that long on us.
    const after = Math.min(Math.max(1, Math.ceil(failure.retryAfter ?? 30)), 600);
    return new ApiError(kind, undefined, { retryAfter: after });
  }
  return new ApiError(kind);
}

/**
 * What the endpoint service reports for metrics (src/admin implements it, the CLI passes it in);
 * absent, nothing is reported. Labels are route patterns and outcomes, never tokens or bodies.
 */
import type { DeliveryOutcome } from './deliver.js';

export interface EndpointMetrics {
  /** A request was answered: its route pattern (null when none matched), status and duration in seconds. */
  request(route: string | null, status: number, seconds: number): void;
  /**
   * A push was accepted with 201: how it ended, the sender's VAPID public key (base64url, for the
   * top senders) or null when unsigned, and the seconds from request start to that outcome (for
   * `direct`, until the user agent acked it, or, with ack window 0 or TTL 0, until it was queued).
   */
  pushAccepted(outcome: DeliveryOutcome, vapidKey: string | null, seconds: number): void;
  /**
   * A bridged push ended (src/bridges): the platform (`fcm`, `apns`, `stub`) and how: `sent`, or
   * the failure (`unregistered`, `authentication`, `unavailable`, `timeout`, `busy`, `too-much-data`…).
   */
  bridgeResult?(platform: string, result: string): void;
}

/**
 * What the endpoint service needs from the bridges to APNs and FCM (src/bridges,
 * docs/bridges.md), as an interface, so the endpoint never imports them: `cli/serve.ts` builds
 * the concrete bridges and passes them in, as it does the store.
 */
import type { FastifyPluginCallback } from 'fastify';
import type { Notification } from '../protocol/notification.js';
import type { UserRecord } from '../storage/store.js';
import type { EndpointContext } from './context.js';

/** The router types of bridged users (docs/bridges.md); any other non-`webpush` type is unknown. */
export const BRIDGE_ROUTER_TYPES: readonly string[] = ['fcm', 'gcm', 'apns', 'stub'];

export interface BridgePort {
  /** Whether a user of this router type is served by a bridge here (`fcm`, `gcm`, `apns`, `stub`). */
  serves(routerType: string): boolean;
  /**
   * Hand one notification to the user's bridge; resolves once the upstream (FCM, APNs) accepted
   * it. A token the upstream no longer knows removes the user.
   * @throws ApiError: `no-subscription` (410) for an unregistered token; `bridge-*` kinds for
   *   upstream failures (502/503); `bridge-too-much-data` (413); `unknown-app-id` (400).
   */
  send(user: UserRecord, notification: Notification): Promise<void>;
  /** The registration API (`/v1/{router_type}/{app_id}/registration…`), registered on the endpoint app. */
  routes: FastifyPluginCallback<EndpointContext>;
}

/**
 * The router types of autopush's registration API (`/v1/{router_type}/…`, docs/bridges.md):
 * `fcm` and `gcm` (both served by FCM HTTP v1, as autopush does), `apns`, and `stub`, a bridge
 * that reaches no upstream, for tests and demos. Matched case-insensitively, as autopush does.
 */
import { ApiError } from '../errors/api-error.js';

export type RouterType = 'fcm' | 'gcm' | 'apns' | 'stub';

/** The bridge that carries a router type's messages. */
export type Platform = 'fcm' | 'apns' | 'stub';

const TYPES: Readonly<Record<string, RouterType>> = { fcm: 'fcm', gcm: 'gcm', apns: 'apns', stub: 'stub' };

/** @returns the router type, or null when `raw` names none (`webpush` included: it has no bridge). */
export function routerTypeOf(raw: string): RouterType | null {
  return TYPES[raw.toLowerCase()] ?? null;
}

/** @throws ApiError `invalid-router-type` (400, errno 108) for anything but the four types. */
export function parseRouterType(raw: string): RouterType {
  const type = routerTypeOf(raw);
  if (type === null) throw new ApiError('invalid-router-type');
  return type;
}

export function platformOf(type: RouterType): Platform {
  return type === 'gcm' ? 'fcm' : type;
}

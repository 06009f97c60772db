/**
 * The bridges of one process (docs/bridges.md): a router per configured router type, the
 * registration API, and the delivery of bridged pushes with its one error policy. Implements the
 * endpoint's `BridgePort`, so the endpoint never imports this part.
 */
import type { FastifyPluginCallback } from 'fastify';
import { ApiError } from '../errors/api-error.js';
import type { BridgePort } from '../endpoint/bridge-port.js';
import type { EndpointContext } from '../endpoint/context.js';
import type { Notification } from '../protocol/notification.js';
import type { Store, UserRecord } from '../storage/store.js';
import type { BridgeRouter } from './bridge-router.js';
import { registrationRoutes } from './routes/registration.js';
import { routerTypeOf, type RouterType } from './router-type.js';
import { BridgeFailure, failureApiError } from './upstream-failure.js';

/** The part of a pino logger this file uses. */
export interface BridgeLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface BridgesDeps {
  store: Store;
  /** `--auth-keys`: the first signs registration secrets, any verifies one. Never empty. */
  authKeys: readonly string[];
  log?: BridgeLog;
  /** Counts sends by platform and result (`herald_bridge_notifications_total`). */
  metrics?: { bridgeResult?(platform: string, result: string): void };
}

export class Bridges implements BridgePort {
  readonly #routers: ReadonlyMap<RouterType, BridgeRouter>;
  readonly #deps: BridgesDeps;
  readonly routes: FastifyPluginCallback<EndpointContext>;

  constructor(routers: ReadonlyMap<RouterType, BridgeRouter>, deps: BridgesDeps) {
    if (deps.authKeys.length === 0) throw new Error('bridges need at least one auth key (--auth-keys)');
    this.#routers = routers;
    this.#deps = deps;
    this.routes = registrationRoutes(this);
  }

  get authKeys(): readonly string[] {
    return this.#deps.authKeys;
  }

  /** The router for a router type, or undefined when that bridge is not configured here. */
  router(type: RouterType): BridgeRouter | undefined {
    return this.#routers.get(type);
  }

  /** Router types served here, for the start-up lines. */
  get types(): RouterType[] {
    return [...this.#routers.keys()];
  }

  serves(routerType: string): boolean {
    const type = routerTypeOf(routerType);
    return type !== null && this.#routers.has(type);
  }

  async send(user: UserRecord, notification: Notification): Promise<void> {
    const router = this.router(routerTypeOf(user.routerType)!)!;
    const { platform } = router;
    try {
      if (user.routerData === null) throw new BridgeFailure('no-routing-data', 'the user has no router data');
      await router.send(user.routerData, notification);
    } catch (err) {
      if (!(err instanceof BridgeFailure)) {
        this.#deps.log?.error({ err, platform }, 'bridge failed unexpectedly');
        this.#deps.metrics?.bridgeResult?.(platform, 'internal');
        throw err instanceof ApiError ? err : new ApiError('internal');
      }
      this.#deps.metrics?.bridgeResult?.(platform, err.kind);
      if (err.kind === 'unregistered') await this.#forget(user.uaid, platform);
      else this.#deps.log?.[err.kind === 'too-much-data' ? 'info' : 'warn']({ platform, reason: err.kind, detail: err.message }, 'bridged push failed');
      throw failureApiError(err);
    }
    this.#deps.metrics?.bridgeResult?.(platform, 'sent');
  }

  /** The upstream forgot the device: so do we (the sender gets 410 and drops the subscription). */
  async #forget(uaid: string, platform: string): Promise<void> {
    this.#deps.log?.info({ platform }, 'bridge says the device token is unregistered; removing the user');
    try {
      await this.#deps.store.removeUser(uaid);
    } catch (err) {
      this.#deps.log?.warn({ err }, 'could not remove an unregistered bridged user');
    }
  }

  async close(): Promise<void> {
    await Promise.all([...new Set(this.#routers.values())].map((r) => r.close()));
  }
}

/**
 * What every role of a Herald process shares: settings, the store, the Fernet cipher, the router
 * key and the HTTP client for other nodes' router ports, plus the purge of expired rows.
 * Built once at start; `close()` releases them after the roles have stopped.
 */
import type { Logger } from 'pino';
import type { Settings } from '../config/settings.js';
import { MultiFernet } from '../crypto/fernet.js';
import { HttpNodeRouter } from '../routing/http-node-router.js';
import { RouterKey } from '../routing/router-key.js';
import { openStore } from '../storage/open-store.js';
import type { Store } from '../storage/store.js';

export interface NodeResources {
  readonly settings: Readonly<Settings>;
  readonly logger: Logger;
  readonly store: Store;
  readonly cipher: MultiFernet;
  readonly routerKey: RouterKey;
  /** Reaches other nodes' router ports. */
  readonly remote: HttpNodeRouter;
  /** Stop the purge, drop kept-alive sockets, close the store. */
  close(): Promise<void>;
}

export async function openNodeResources(settings: Readonly<Settings>, logger: Logger): Promise<NodeResources> {
  const cipher = new MultiFernet(settings.cryptoKeys);
  const routerKey = RouterKey.fromSettings(settings);
  const store = await openStore(settings.db, { routerTtlDays: settings.routerTtlDays });
  const remote = new HttpNodeRouter({ key: routerKey, logger: logger.child({ part: 'routing' }) });

  // Every node sweeps; the deletes are idempotent, so several nodes on one store do no harm.
  const purge = setInterval(() => {
    store.purgeExpired(Date.now()).then(
      (n) => n > 0 && logger.debug({ purged: n }, 'expired rows purged'),
      (err: unknown) => logger.warn({ err }, 'purge of expired rows failed'),
    );
  }, settings.purgeInterval * 1000);
  purge.unref();

  return {
    settings,
    logger,
    store,
    cipher,
    routerKey,
    remote,
    async close() {
      clearInterval(purge);
      remote.close();
      await store.close();
    },
  };
}

/**
 * What every role of a Herald process shares: settings, the store, the Fernet cipher, the router
 * key and the HTTP client for other nodes' router ports, plus the purge of expired rows.
 * Built once at start; `close()` releases them after the roles have stopped.
 */
import type { Logger } from 'pino';
import type { HeraldMetrics } from '../admin/metrics.js';
import { timedStore } from '../admin/timed-store.js';
import { AbuseControls } from '../abuse/abuse-controls.js';
import type { Settings } from '../config/settings.js';
import { MultiFernet } from '../crypto/fernet.js';
import { HttpNodeRouter } from '../routing/http-node-router.js';
import { RouterKey } from '../routing/router-key.js';
import { ReceiptBus } from '../receipts/receipt-bus.js';
import { openBlocklistStore } from '../storage/open-blocklist.js';
import { openReceiptStore } from '../storage/open-receipt-store.js';
import type { ReceiptStore } from '../storage/receipt-store.js';
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
  /** Rate limits, penalty box and shared blocklist, retention maximums (src/abuse). */
  readonly abuse: AbuseControls;
  /** Push message receipts in shared storage, and the signal from this process's acks to its receipt streams (src/receipts). */
  readonly receipts: { readonly store: ReceiptStore; readonly bus: ReceiptBus };
  /** This process's metrics (src/admin); absent when none are collected. */
  readonly metrics?: HeraldMetrics;
  /** Stop the purge, drop kept-alive sockets, close the store. */
  close(): Promise<void>;
}

/** With `metrics`, storage calls are timed and abuse events counted. */
export async function openNodeResources(settings: Readonly<Settings>, logger: Logger, metrics?: HeraldMetrics): Promise<NodeResources> {
  const cipher = new MultiFernet(settings.cryptoKeys);
  const routerKey = RouterKey.fromSettings(settings);
  const opened = await openStore(settings.db, { routerTtlDays: settings.routerTtlDays });
  const store = metrics ? timedStore(opened, metrics) : opened;
  const remote = new HttpNodeRouter({ key: routerKey, logger: logger.child({ part: 'routing' }) });
  let blocklist;
  let receiptStore: ReceiptStore | undefined;
  let abuse: AbuseControls;
  try {
    blocklist = await openBlocklistStore(settings.db);
    receiptStore = await openReceiptStore(settings.db);
    abuse = await AbuseControls.open({ settings, blocklist, store, log: logger.child({ part: 'abuse' }), ...(metrics ? { onEvent: metrics.abuseEvent } : {}) });
  } catch (err) {
    await receiptStore?.close();
    await blocklist?.close();
    remote.close();
    await store.close();
    throw err;
  }
  const blocks = blocklist;
  const receipts = { store: receiptStore, bus: new ReceiptBus() };

  // Every node sweeps; the deletes are idempotent, so several nodes on one store do no harm.
  const purge = setInterval(() => {
    store.purgeExpired(Date.now()).then(
      (n) => n > 0 && logger.debug({ purged: n }, 'expired rows purged'),
      (err: unknown) => logger.warn({ err }, 'purge of expired rows failed'),
    );
    blocks.purgeExpired(Date.now()).catch((err: unknown) => logger.warn({ err }, 'purge of expired blocks failed'));
    receipts.store.purgeExpired(Date.now()).catch((err: unknown) => logger.warn({ err }, 'purge of expired push receipts failed'));
  }, settings.purgeInterval * 1000);
  purge.unref();

  return {
    settings,
    logger,
    store,
    cipher,
    routerKey,
    remote,
    abuse,
    receipts,
    ...(metrics ? { metrics } : {}),
    async close() {
      clearInterval(purge);
      abuse.close();
      remote.close();
      await blocks.close();
      await receipts.store.close();
      await store.close();
    },
  };
}

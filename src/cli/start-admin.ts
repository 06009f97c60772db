/**
 * The admin port of one process (docs/operations.md "Admin API and dashboard"): Prometheus
 * metrics, the admin API and the dashboard, wired to this node's metrics, abuse controls, crypto
 * keys and store. Warns when the API is off or `/metrics` is exposed beyond loopback unprotected.
 */
import { openAccountStores } from '../storage/accounts/open-account-stores.js';
import type { AddressInfo } from 'node:net';
import { isIP } from 'node:net';
import { buildAdminApp } from '../admin/admin-app.js';
import { abuseBlocklistAdmin } from '../admin/blocklist-admin.js';
import type { HeraldMetrics } from '../admin/metrics.js';
import { RateHistory } from '../admin/rate-history.js';
import { lookupSubscription } from '../admin/subscription-lookup.js';
import type { NodeResources } from './node-resources.js';

export interface AdminPort {
  /** The port actually bound. */
  readonly port: number;
  close(): Promise<void>;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
}

export async function startAdmin(res: NodeResources, metrics: HeraldMetrics, node: { role: string; nodeId: string | null }): Promise<AdminPort> {
  const { settings } = res;
  const logger = res.logger.child({ part: 'admin' });
  const t = metrics.totals;
  const rates = new RateHistory({
    totals: () => ({ received: t.received, delivered: t.delivered, acked: t.acked, rejected: t.rejected, stored: t.storageWrites }),
    gauges: () => ({ connections: metrics.connections() }),
  });
  // The account store of this node's DSN, for the security-event lookup (not on connection-only nodes).
  const accountStores = node.role === 'connect' ? null : await openAccountStores(settings.db);
  const app = buildAdminApp({
    token: settings.adminToken,
    metrics,
    rates,
    node: { ...node, startedAt: Date.now() },
    blocks: abuseBlocklistAdmin(res.abuse),
    abuse: res.abuse,
    lookup: (endpoint) => lookupSubscription(res, endpoint),
    ...(accountStores
      ? {
          accountEvents: async (email: string) => {
            const account = await accountStores.accounts.findAccountByEmail(email);
            return account === null ? null : accountStores.accounts.listSecurityEvents(account.uid);
          },
        }
      : {}),
    logger,
  });
  try {
    await app.listen({ host: settings.adminHost, port: settings.adminPort, exclusive: true });
  } catch (err) {
    rates.stop();
    await app.close();
    await accountStores?.close();
    throw err;
  }
  if (settings.adminToken === '') {
    const exposed = !isLoopback(settings.adminHost);
    logger[exposed ? 'warn' : 'info']({ host: settings.adminHost }, exposed ? 'admin port serves /metrics without a token beyond loopback; set --admin-token' : 'no --admin-token: admin API and dashboard off, /metrics only');
  }
  return {
    port: (app.server.address() as AddressInfo).port,
    async close() {
      rates.stop();
      await app.close();
      await accountStores?.close();
    },
  };
}

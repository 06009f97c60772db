/**
 * What the endpoint routes share: settings and the parts built once at start. Passed to each
 * route plugin as its options, so routes never reach for globals.
 */
import type { AbuseControls } from '../abuse/abuse-controls.js';
import type { Settings } from '../config/settings.js';
import type { MultiFernet } from '../crypto/fernet.js';
import type { NodeRouter } from '../routing/node-router.js';
import type { ReceiptStore } from '../storage/receipt-store.js';
import type { Store } from '../storage/store.js';
import type { BridgePort } from './bridge-port.js';
import type { EndpointMetrics } from './metrics.js';
import type { ReceiptClock } from './receipt-clock.js';

export interface EndpointContext {
  settings: Readonly<Settings>;
  store: Store;
  router: NodeRouter;
  cipher: MultiFernet;
  clock: ReceiptClock;
  /** Rate limits and retention maximums; absent: none. */
  abuse?: AbuseControls;
  /** Push outcomes for Prometheus; absent: none. */
  metrics?: EndpointMetrics;
  /** Bridges to APNs and FCM and their registration API; absent: none (bridged users get 410). */
  bridges?: BridgePort;
  /** Push message receipts (RFC 8030 §5.1; src/receipts); absent: none (`Push-Receipt` gets 400 errno 118). */
  receipts?: ReceiptStore;
  /** The client address of a request (the abuse controls' view of proxies); the socket peer when there are none. */
  clientIp(req: { socket: { remoteAddress?: string | undefined }; headers: Record<string, string | string[] | undefined> }): string;
}

/**
 * The two router-port headers of ack-gated delivery (docs/architecture.md "Ack-gated delivery"),
 * beyond autopush: the endpoint asks a node to wait for the ack, and the node says how it ended.
 */

/** Request: milliseconds to wait for the UA's ack before storing; absent: answer once queued (autopush). */
export const ACK_WINDOW_HEADER = 'herald-ack-window-ms';
/** Response to a waiting push: `acked` (nothing stored), `stored`, or `delivered` (not stored: the caller stores). */
export const DELIVERY_HEADER = 'herald-delivery';

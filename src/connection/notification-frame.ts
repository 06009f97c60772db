/**
 * A notification as the UA sees it (docs/protocol.md#notification): channel, version and,
 * for a non-empty body, data and crypto headers; the sender's urgency when it gave one (a Herald
 * extension, docs/protocol.md#urgency-herald-extension, that Firefox ignores). TTL, timestamp,
 * topic and the sort key stay on the server.
 */
import type { NotificationFrame } from '../protocol/frames.js';
import type { Notification } from '../protocol/notification.js';

export function toNotificationFrame(n: Notification): NotificationFrame {
  const frame: NotificationFrame = { messageType: 'notification', channelID: n.channelID, version: n.version };
  if (n.data !== undefined) frame.data = n.data;
  if (n.headers !== undefined) frame.headers = n.headers;
  if (n.urgency !== undefined) frame.urgency = n.urgency;
  return frame;
}

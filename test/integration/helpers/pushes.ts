/** Collects what a client-SDK user agent receives, with bounded waits. */
import type { PushUserAgent } from '../../../src/sdk/index.js';
import { waitFor } from './wait.js';

export interface ReceivedPush {
  channelID: string;
  version: string;
  text: string;
}

export function collectPushes(ua: PushUserAgent) {
  const list: ReceivedPush[] = [];
  ua.on('push', (p: ReceivedPush) => list.push({ channelID: p.channelID, version: p.version, text: p.text }));
  return {
    list,
    /** Wait until `count` pushes have arrived in all; returns them. */
    async waitCount(count: number, timeoutMs = 5000): Promise<ReceivedPush[]> {
      await waitFor(`${count} push(es), have ${list.length}`, () => list.length >= count, timeoutMs);
      return list.slice(0, count);
    },
  };
}

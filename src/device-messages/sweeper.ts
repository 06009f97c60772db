/**
 * Deletes expired mailbox entries on a schedule (docs/device-messages.md#the-durable-mailbox:
 * upstream left this
 * to an operator's cron). Reads already hide expired entries; the sweep frees the space.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Clock } from '../accounts/settings.js';
import type { MailboxStore } from '../storage/accounts/mailbox-store.js';

export interface Sweeper {
  /** Sweep now; resolves with the number of entries deleted (0 when a sweep is already running). */
  sweepNow(): Promise<number>;
  stop(): Promise<void>;
}

export function startSweeper(store: MailboxStore, opts: { intervalMs: number; clock: Clock; log: FastifyBaseLogger }): Sweeper {
  let running: Promise<number> | null = null;
  const sweepNow = (): Promise<number> => {
    if (running) return running.then(() => 0);
    running = store
      .purgeExpired(opts.clock.now())
      .then(
        (n) => {
          if (n > 0) opts.log.debug({ purged: n }, 'expired device messages swept');
          return n;
        },
        (err: unknown) => {
          opts.log.warn({ err }, 'sweep of expired device messages failed');
          return 0;
        },
      )
      .finally(() => {
        running = null;
      });
    return running;
  };
  const timer = setInterval(() => void sweepNow(), opts.intervalMs);
  timer.unref();
  return {
    sweepNow,
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}

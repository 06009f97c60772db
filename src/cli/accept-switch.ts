/**
 * Stops and resumes accepting on a listening server without touching the sockets it holds: in a
 * `serve --workers` worker, closing the server releases only this process's copy of the shared
 * listening socket, and listening again takes a copy from the primary (accept-balance.ts). It
 * listens again with the options of the first listen, which is how node:cluster finds the shared
 * socket (its port may be 0); outside a worker a port of 0 would bind a new port.
 */
import { Server as NetServer, type ListenOptions, type Server } from 'node:net';
import type { Logger } from 'pino';

/** How long after a failed listen to try again. */
const RETRY_MS = 1000;
/** A listen in a worker waits for the primary; one that has not happened by then has failed. */
const LISTEN_TIMEOUT_MS = 5000;

export class AcceptSwitch {
  readonly #server: Server;
  readonly #listen: ListenOptions;
  readonly #logger: Logger;
  #want = true;
  #have = true;
  #stopped = false;
  /** The change under way; changes run one at a time. */
  #settling: Promise<void> = Promise.resolve();
  /** Whether `#settle`'s loop runs (cleared as it exits, before its promise settles). */
  #running = false;
  #retry: NodeJS.Timeout | undefined;

  constructor(server: Server, listen: ListenOptions, logger: Logger) {
    this.#server = server;
    this.#listen = listen;
    this.#logger = logger;
  }

  /** Whether the server listens now. */
  get accepting(): boolean {
    return this.#have;
  }

  /** Resolves once the server is as asked, or a listen failed (retried in 1 s), or stopped. */
  set(accepting: boolean): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    this.#want = accepting;
    // A loop that runs sees the new wish; one that has exited (its promise may not have settled
    // yet) would not: start another.
    if (!this.#running) this.#settling = this.#settle();
    return this.#settling;
  }

  /** No more changes; resolves once one under way is done (the server may be closed or listening). */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#retry);
    await this.#settling;
  }

  async #settle(): Promise<void> {
    this.#running = true;
    // Cleared in the same step as the loop's last check (no await in between): no wish is missed.
    try {
      while (!this.#stopped && this.#want !== this.#have) {
        if (!this.#want) {
          // net's close, not http's: http.Server#close would also drop idle keep-alive connections.
          NetServer.prototype.close.call(this.#server);
          this.#have = false;
          continue;
        }
        try {
          await this.#listenAgain();
          this.#have = true;
        } catch (err) {
          this.#logger.warn({ err }, 'could not accept on the public port again; retrying in 1 s');
          this.#retry = setTimeout(() => void this.set(this.#want), RETRY_MS);
          return;
        }
      }
    } finally {
      this.#running = false;
    }
  }

  #listenAgain(): Promise<void> {
    // A listen that timed out may have happened since.
    if (this.#server.listening) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = (err?: Error) => {
        clearTimeout(timer);
        this.#server.off('error', done);
        this.#server.off('listening', done);
        if (err) reject(err);
        else resolve();
      };
      const timer = setTimeout(() => done(new Error(`not listening after ${LISTEN_TIMEOUT_MS} ms`)), LISTEN_TIMEOUT_MS);
      this.#server.once('error', done);
      this.#server.once('listening', done);
      this.#server.listen(this.#listen);
    });
  }
}

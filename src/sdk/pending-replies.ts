/**
 * Requests waiting for the server's reply, by key (`hello`, `register:<chid>`, `ping`, …), each
 * with a deadline. The reply handler runs synchronously when the frame arrives, so state it
 * changes is in place before the next frame of the same read is handled.
 */
import type { IncomingFrame } from './server-frame.js';

interface Waiter {
  onReply(frame: IncomingFrame): void;
  fail(err: Error): void;
}

export class PendingReplies {
  readonly #timeoutMs: number;
  readonly #waiting = new Map<string, Waiter>();

  constructor(timeoutMs: number) {
    this.#timeoutMs = timeoutMs;
  }

  /**
   * Wait for the reply under `key`, then send the request (`send` may throw, which rejects).
   * `onReply`'s result resolves the promise; if it throws, the promise rejects.
   */
  request<T>(key: string, send: () => void, onReply: (reply: IncomingFrame) => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.#waiting.has(key)) {
        reject(new Error(`a ${key} request is already waiting`));
        return;
      }
      const timer = setTimeout(() => {
        this.#waiting.delete(key);
        reject(new Error(`no reply to ${key} within ${this.#timeoutMs} ms`));
      }, this.#timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.#waiting.delete(key);
      };
      this.#waiting.set(key, {
        onReply: (reply) => {
          done();
          try {
            resolve(onReply(reply));
          } catch (err) {
            reject(err as Error);
          }
        },
        fail: (err) => {
          done();
          reject(err);
        },
      });
      try {
        send();
      } catch (err) {
        this.#waiting.get(key)?.fail(err as Error);
      }
    });
  }

  /** Hand a reply to its waiter; false when nobody waits under `key`. */
  settle(key: string, frame: IncomingFrame): boolean {
    const waiter = this.#waiting.get(key);
    if (waiter === undefined) return false;
    waiter.onReply(frame);
    return true;
  }

  /** Fail every waiter (the connection closed). */
  failAll(err: Error): void {
    for (const waiter of [...this.#waiting.values()]) waiter.fail(err);
  }
}

/**
 * Work that follows a response (pushes of account events) without holding it up. Failures are
 * logged by the work itself; `drain` lets shutdown and tests wait for what is in flight.
 */
export class BackgroundTasks {
  readonly #running = new Set<Promise<unknown>>();

  run(work: () => Promise<unknown>): void {
    const task = work().catch(() => undefined);
    this.#running.add(task);
    void task.finally(() => this.#running.delete(task));
  }

  /** Resolves when everything started so far (and anything it started) has finished. */
  async drain(): Promise<void> {
    while (this.#running.size > 0) await Promise.all([...this.#running]);
  }
}

/**
 * The two ways a device reads its durable mailbox
 * (docs/device-messages.md#the-messages-api-2018-recipe,
 * docs/device-messages.md#device-commands-send-tab
 * "How clients recover missed commands"), each handling every message exactly once:
 *
 * - `fetch-all` (Firefox desktop): a push is only a tickle. Fetch everything after the last index
 *   handled (`lastIndex`), page by page, and remember the new last index. A push for an index
 *   already passed is a duplicate.
 *
 * - `one-push` (iOS): a push fetches just its own message (`?index=N&limit=1`), so one push gives
 *   one UI; handled indexes are remembered in `handled`. A periodic `poll()` reads from
 *   `lastGoodIndex + 1`, handles what is not in `handled` (pushes that were dropped), then moves
 *   `lastGoodIndex` to the last index read and forgets handled indexes at or below it. (The
 *   recipe reads from `lastGoodIndex` itself; reads are inclusive, so that would hand the
 *   message at `lastGoodIndex` over twice once `handled` is cleared.)
 *
 * The commands API reads from an inclusive index (FxA: clients send `lastIndex + 1`); the messages
 * API follows the recipe's words, an exclusive index, and answers the index to persist (on an
 * empty page the caller's own). With `bound: 'exclusive'` the reader does exactly what the recipe
 * says: it asks for `?index=<lastIndex>` or `?index=<lastGoodIndex>` and persists the answer's
 * `index`; a push for N fetches `?index=N-1&limit=1`.
 *
 * Work is serialised, so a push that arrives during a poll waits for it; the state is saved
 * after each message, before the next one is read.
 */
import type { MailboxPageJson } from './account-api.js';

export type RecoveryMode = 'fetch-all' | 'one-push';

/** Why a message is handled now (Firefox's labels). */
export type DeliveryReason = 'push' | 'push-missed' | 'poll';

/** Persisted per mailbox; JSON-serialisable. */
export interface RecoveryState {
  /** fetch-all: the highest index handled. */
  lastIndex: number;
  /** one-push: indexes handled since the last poll. */
  handled: number[];
  /** one-push: every message up to here has been handled. */
  lastGoodIndex: number;
}

export const emptyRecoveryState = (): RecoveryState => ({ lastIndex: 0, handled: [], lastGoodIndex: 0 });

export interface MailboxReaderOptions<T> {
  mode: RecoveryMode;
  state: RecoveryState;
  /** The API's `?index=&limit=`: see `bound`. */
  fetchPage: (index: number, limit: number) => Promise<MailboxPageJson<T>>;
  /** How the API reads `index`: `inclusive` (device commands, the default) or `exclusive` (messages). */
  bound?: 'inclusive' | 'exclusive';
  handle: (message: { index: number; data: T }, reason: DeliveryReason) => Promise<void> | void;
  save: (state: RecoveryState) => Promise<void> | void;
  /** A message whose handler threw; reading goes on (the message counts as handled). */
  onHandlerError?: (err: unknown, index: number) => void;
}

const PAGE = 100;

export class MailboxReader<T> {
  readonly #o: MailboxReaderOptions<T>;
  readonly #state: RecoveryState;
  #chain: Promise<void> = Promise.resolve();

  constructor(opts: MailboxReaderOptions<T>) {
    this.#o = opts;
    this.#state = { lastIndex: opts.state.lastIndex, handled: [...opts.state.handled], lastGoodIndex: opts.state.lastGoodIndex };
  }

  get state(): RecoveryState {
    return { ...this.#state, handled: [...this.#state.handled] };
  }

  /** A push announced message `index`. */
  onPush(index: number): Promise<void> {
    return this.#serial(() => (this.#o.mode === 'fetch-all' ? this.#fetchAll(index) : this.#fetchOne(index)));
  }

  /** The periodic poll (or "sync now"): recover whatever pushes did not bring. */
  poll(): Promise<void> {
    return this.#serial(() => (this.#o.mode === 'fetch-all' ? this.#fetchAll(undefined) : this.#pollMissed()));
  }

  #serial(work: () => Promise<void>): Promise<void> {
    const run = this.#chain.then(work);
    this.#chain = run.catch(() => undefined);
    return run;
  }

  /** The query index that reads what follows `index`. */
  #after(index: number): number {
    return this.#o.bound === 'exclusive' ? index : index + 1;
  }

  /** Persist the answer's index (exclusive API only: there it is where the reader stands). */
  async #advance(page: MailboxPageJson<T>, field: 'lastIndex' | 'lastGoodIndex'): Promise<void> {
    if (this.#o.bound !== 'exclusive' || !(page.index > this.#state[field])) return;
    this.#state[field] = page.index;
    await this.#o.save(this.state);
  }

  async #fetchAll(pushIndex: number | undefined): Promise<void> {
    if (pushIndex !== undefined && pushIndex <= this.#state.lastIndex) return; // a duplicate push
    for (;;) {
      const asked = this.#state.lastIndex;
      const page = await this.#o.fetchPage(this.#after(asked), PAGE);
      const messages = page.messages ?? [];
      for (const m of messages) {
        if (m.index <= this.#state.lastIndex) continue;
        const reason: DeliveryReason = pushIndex === undefined ? 'poll' : pushIndex > m.index ? 'push-missed' : 'push';
        await this.#handle(m, reason);
        this.#state.lastIndex = m.index;
        await this.#o.save(this.state);
      }
      await this.#advance(page, 'lastIndex');
      // A page that moved nothing forward would be asked again forever.
      if (page.last !== false || this.#state.lastIndex <= asked) return;
    }
  }

  async #fetchOne(index: number): Promise<void> {
    if (index <= this.#state.lastGoodIndex || this.#state.handled.includes(index)) return; // a duplicate push
    const page = await this.#o.fetchPage(this.#o.bound === 'exclusive' ? index - 1 : index, 1);
    const m = page.messages?.[0];
    // Gone (expired) or not there: the poll settles it.
    if (m === undefined || m.index !== index) return;
    await this.#handle(m, 'push');
    this.#state.handled.push(index);
    await this.#o.save(this.state);
  }

  async #pollMissed(): Promise<void> {
    let from = this.#after(this.#state.lastGoodIndex);
    let highest = this.#state.lastGoodIndex;
    for (;;) {
      const page = await this.#o.fetchPage(from, PAGE);
      const messages = page.messages ?? [];
      for (const m of messages) {
        if (!this.#state.handled.includes(m.index)) {
          await this.#handle(m, 'poll');
          this.#state.handled.push(m.index);
          await this.#o.save(this.state);
        }
        highest = Math.max(highest, m.index);
      }
      // Exclusive: the recipe's step 4, the answer's index is the new last_good_index.
      if (this.#o.bound === 'exclusive') highest = Math.max(highest, page.index);
      const asked = from;
      from = this.#after(highest);
      if (page.last !== false || from <= asked) break;
    }
    this.#state.lastGoodIndex = highest;
    this.#state.handled = this.#state.handled.filter((i) => i > highest);
    await this.#o.save(this.state);
  }

  async #handle(m: { index: number; data: T }, reason: DeliveryReason): Promise<void> {
    try {
      await this.#o.handle(m, reason);
    } catch (err) {
      this.#o.onHandlerError?.(err, m.index);
    }
  }
}

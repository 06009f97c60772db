/**
 * Rates over time for the dashboard: every `intervalMs` (10 s) the growth of a few running totals
 * is kept in a ring buffer of `capacity` samples (360: one hour). Reading adds the partial
 * interval in progress, so a fresh node already shows a line.
 */

export interface RateSample {
  /** Epoch ms at the end of the interval. */
  t: number;
  /** Seconds the sample covers. */
  seconds: number;
  /** Growth of each total over the interval. */
  deltas: Record<string, number>;
  /** Instant values (gauges) at the end of the interval. */
  gauges: Record<string, number>;
}

export interface RateSource {
  /** Running totals (never decreasing). */
  totals(): Record<string, number>;
  /** Current values of gauges. */
  gauges(): Record<string, number>;
}

export class RateHistory {
  readonly #source: RateSource;
  readonly #capacity: number;
  readonly #samples: RateSample[] = [];
  readonly #now: () => number;
  #last: { t: number; totals: Record<string, number> };
  #timer: NodeJS.Timeout | undefined;

  constructor(source: RateSource, opts: { intervalMs?: number; capacity?: number; now?: () => number } = {}) {
    this.#source = source;
    this.#capacity = opts.capacity ?? 360;
    this.#now = opts.now ?? Date.now;
    this.#last = { t: this.#now(), totals: source.totals() };
    const intervalMs = opts.intervalMs ?? 10_000;
    if (intervalMs > 0) {
      this.#timer = setInterval(() => this.sample(), intervalMs);
      this.#timer.unref();
    }
  }

  /** Close the current interval into a sample (the timer calls it; tests may too). */
  sample(): RateSample {
    const s = this.#measure();
    this.#samples.push(s);
    if (this.#samples.length > this.#capacity) this.#samples.shift();
    this.#last = { t: s.t, totals: this.#source.totals() };
    return s;
  }

  /** Oldest first, ending with the interval in progress. */
  samples(): RateSample[] {
    return [...this.#samples, this.#measure()];
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  #measure(): RateSample {
    const t = this.#now();
    const totals = this.#source.totals();
    const deltas: Record<string, number> = {};
    for (const [k, v] of Object.entries(totals)) deltas[k] = Math.max(0, v - (this.#last.totals[k] ?? 0));
    return { t, seconds: Math.max(0, (t - this.#last.t) / 1000), deltas, gauges: this.#source.gauges() };
  }
}

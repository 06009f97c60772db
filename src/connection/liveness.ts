/**
 * A session's deadlines (docs/errors.md, close codes; docs/configuration.md): a new socket has
 * `openHandshakeTimeout` to send its first frame (else HandshakeTimeout); after `autoPingInterval`
 * without traffic from the UA the server sends a ping frame, and without a pong within
 * `autoPingTimeout` the session ends with PongTimeout. A pong, or any frame while no ping is
 * outstanding, counts as traffic. The server never sends app-level pings.
 *
 * Before each ping the owner may send something else (a changed Megaphone `broadcast`); then no
 * pong is awaited and the idle time starts again, as autopush's ping manager does.
 *
 * All sessions of a connection service share one `TimerWheel` (one timer, not two per session),
 * and traffic only records its time: the deadline is checked, and moved, when it comes.
 */
import type { Settings } from '../config/settings.js';
import { TimerWheel, type WheelEntry } from '../common/timer-wheel.js';

/** What a session does when a deadline passes. */
export interface LivenessOwner {
  end(kind: 'HandshakeTimeout' | 'PongTimeout'): void;
  /** Send a ping frame. */
  ping(): void;
  /** Send a changed broadcast instead of a ping; true when something was sent. */
  sendInsteadOfPing(): boolean;
}

/** The timings and the wheel every session of one connection service shares. */
export class LivenessTimers {
  readonly wheel: TimerWheel;
  readonly handshakeMs: number;
  readonly intervalMs: number;
  readonly timeoutMs: number;

  constructor(settings: Pick<Settings, 'openHandshakeTimeout' | 'autoPingInterval' | 'autoPingTimeout'>) {
    this.handshakeMs = settings.openHandshakeTimeout * 1000;
    this.intervalMs = settings.autoPingInterval * 1000;
    this.timeoutMs = settings.autoPingTimeout * 1000;
    // An eighth of the shortest deadline, so none is more than ~12% late, within 5-250 ms.
    const shortest = Math.min(this.handshakeMs, this.intervalMs, this.timeoutMs);
    this.wheel = new TimerWheel(Math.min(250, Math.max(5, shortest / 8)));
  }
}

export class Liveness implements WheelEntry {
  wheelSlot = -1;
  readonly #owner: LivenessOwner;
  readonly #timers: LivenessTimers;
  /** Until the first frame: when the handshake times out; then Infinity. */
  #helloBy: number;
  #lastTraffic: number;
  /** While a ping is outstanding: when the pong is due; else Infinity. */
  #pongBy = Infinity;
  #stopped = false;

  constructor(owner: LivenessOwner, timers: LivenessTimers) {
    this.#owner = owner;
    this.#timers = timers;
    const now = timers.wheel.now();
    this.#helloBy = now + timers.handshakeMs;
    this.#lastTraffic = now;
    this.#reschedule();
  }

  /** The UA sent a frame: the handshake is done, and it is alive unless a ping is outstanding (only a pong answers that). */
  frame(): void {
    this.#helloBy = Infinity;
    if (this.#pongBy === Infinity) this.#lastTraffic = this.#timers.wheel.now();
  }

  pong(): void {
    this.#pongBy = Infinity;
    this.#lastTraffic = this.#timers.wheel.now();
  }

  stop(): void {
    this.#stopped = true;
    this.#timers.wheel.cancel(this);
  }

  onTimer(now: number): void {
    if (this.#stopped) return;
    if (now >= this.#helloBy) return this.#owner.end('HandshakeTimeout');
    if (this.#pongBy !== Infinity) {
      if (now >= this.#pongBy) return this.#owner.end('PongTimeout');
    } else if (now >= this.#lastTraffic + this.#timers.intervalMs) {
      if (this.#owner.sendInsteadOfPing()) this.#lastTraffic = now;
      else {
        this.#owner.ping();
        this.#pongBy = now + this.#timers.timeoutMs;
      }
    }
    if (!this.#stopped) this.#reschedule();
  }

  #reschedule(): void {
    const idleBy = this.#pongBy !== Infinity ? this.#pongBy : this.#lastTraffic + this.#timers.intervalMs;
    this.#timers.wheel.schedule(this, Math.min(this.#helloBy, idleBy));
  }
}

/**
 * What a live session knows of its uaid's channels, so a push to a user agent connected to this
 * node needs no storage read (docs/architecture.md "Pushes to a user agent on the same node").
 *
 * A channel is learnt from the endpoint's own storage read: the endpoint takes `epoch()` before
 * the read and hands it back with the channel it found, and the channel is kept only if no
 * unregister began since. An unregister forgets the channel first and moves the epoch once it is
 * done, so a read that raced it teaches nothing, and the channel's next push reads storage (and
 * gets 410). Epochs come from one counter for the whole process: a token taken from a session that
 * ended never matches its successor's. Bounded: at most `MAX_KNOWN` channels per session; past
 * that, pushes read storage as before.
 */
import type { LocalChannels } from '../routing/node-router.js';

const MAX_KNOWN = 64;
let lastEpoch = 0;

export class KnownChannels implements LocalChannels {
  #epoch = ++lastEpoch;
  /** Unregisters begun and not finished (a session runs one at a time; counted to be safe). */
  #forgetting = 0;
  /** Most user agents push to one channel: a string, and a set only for the others. */
  #one: string | undefined;
  #more: Set<string> | undefined;

  /** The token `learn` wants back; 0 (never accepted) while an unregister is under way. */
  epoch(): number {
    return this.#forgetting > 0 ? 0 : this.#epoch;
  }

  has(channelID: string): boolean {
    return this.#one === channelID || (this.#more !== undefined && this.#more.has(channelID));
  }

  /** `channelID` was found registered by a read that began at `epoch`. */
  learn(channelID: string, epoch: number): void {
    if (epoch === 0 || epoch !== this.epoch() || this.has(channelID)) return;
    if (this.#one === undefined) {
      this.#one = channelID;
      return;
    }
    this.#more ??= new Set();
    if (this.#more.size < MAX_KNOWN - 1) this.#more.add(channelID);
  }

  /** An unregister of `channelID` begins: forget it, and learn nothing until it is done. */
  forgetting(channelID: string): void {
    this.#forgetting++;
    if (this.#one === channelID) this.#one = undefined;
    this.#more?.delete(channelID);
  }

  /** That unregister is done (whatever its outcome). */
  forgotten(): void {
    this.#forgetting--;
    this.#epoch = ++lastEpoch;
  }
}

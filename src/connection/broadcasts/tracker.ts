/**
 * Megaphone broadcast state (docs/protocol.md#megaphone-broadcasts; autoconnect-common `broadcast.rs`).
 *
 * The server side is a global change count and, per broadcast id, its latest version and the
 * change count at which it last changed. Each session keeps the ids it subscribed to and the
 * change count it has seen, so "what changed for this session" is a comparison of counters, not
 * a diff of maps. Broadcasts never disappear: an id missing from a later snapshot keeps its last
 * version, as in autopush.
 *
 * Versions are opaque strings. Ids come from user agents, so maps are built with
 * `Object.fromEntries` (an id such as `__proto__` stays a plain key).
 */
import type { Broadcasts } from '../../protocol/frames.js';

/** The value autopush puts under `errors` for an id the source does not know. */
export const BROADCAST_NOT_FOUND = 'Broadcast not found';

/** The `broadcasts` field of a hello reply or `broadcast` frame: changed versions, maybe `errors`. */
export type BroadcastReply = Record<string, string | Record<string, string>>;

interface Entry {
  version: string;
  /** The tracker's change count when this version arrived. */
  changedAt: number;
}

export class BroadcastTracker {
  #changeCount = 0;
  readonly #entries = new Map<string, Entry>();

  /** Increases by one for every broadcast added or changed. */
  get changeCount(): number {
    return this.#changeCount;
  }

  version(id: string): string | undefined {
    return this.#entries.get(id)?.version;
  }

  /** Apply a snapshot from the source; returns how many broadcasts are new or changed. */
  update(snapshot: Broadcasts): number {
    let changed = 0;
    for (const [id, version] of Object.entries(snapshot)) {
      if (this.#entries.get(id)?.version === version) continue;
      this.#entries.set(id, { version, changedAt: ++this.#changeCount });
      changed++;
    }
    return changed;
  }

  /**
   * A session starts (hello): it subscribes to the ids of `requested` the tracker knows, and has
   * seen everything so far. The reply holds the known ids whose version differs from the
   * client's, and `errors` for the unknown ones; `{}` when nothing differs.
   */
  open(requested: Broadcasts): { subscription: BroadcastSubscription; reply: BroadcastReply } {
    const subscription = new BroadcastSubscription(this, this.#changeCount);
    const changed = this.#addSubscriptions(subscription, requested);
    return { subscription, reply: withErrors(changed, this.#unknown(requested)) };
  }

  /** @internal for BroadcastSubscription */
  subscribe(sub: BroadcastSubscription, requested: Broadcasts): BroadcastReply | null {
    // Changes the session has not been told about yet go out first, as autopush does.
    const pending = this.pending(sub) ?? [];
    const changed = [...pending, ...this.#addSubscriptions(sub, requested)];
    const unknown = this.#unknown(requested);
    return changed.length === 0 && unknown.length === 0 ? null : withErrors(changed, unknown);
  }

  /** @internal for BroadcastSubscription: subscribed broadcasts changed since `sub.seen`. */
  pending(sub: BroadcastSubscription): Array<[string, string]> | null {
    if (this.#changeCount <= sub.seen) return null;
    const changed: Array<[string, string]> = [];
    for (const id of sub.ids) {
      const e = this.#entries.get(id);
      if (e !== undefined && e.changedAt > sub.seen) changed.push([id, e.version]);
    }
    sub.seen = this.#changeCount;
    return changed.length === 0 ? null : changed;
  }

  #addSubscriptions(sub: BroadcastSubscription, requested: Broadcasts): Array<[string, string]> {
    const changed: Array<[string, string]> = [];
    for (const [id, clientVersion] of Object.entries(requested)) {
      const e = this.#entries.get(id);
      if (e === undefined) continue;
      sub.ids.add(id);
      if (e.version !== clientVersion) changed.push([id, e.version]);
    }
    return changed;
  }

  #unknown(requested: Broadcasts): string[] {
    return Object.keys(requested).filter((id) => !this.#entries.has(id));
  }
}

/** One session's broadcasts: the ids it follows and the change count it has seen. */
export class BroadcastSubscription {
  readonly ids = new Set<string>();

  constructor(
    private readonly tracker: BroadcastTracker,
    public seen: number,
  ) {}

  /** `broadcast_subscribe`: the reply's `broadcasts`, or null when there is nothing to report. */
  subscribe(requested: Broadcasts): BroadcastReply | null {
    return this.tracker.subscribe(this, requested);
  }

  /** Ping tick: the subscribed broadcasts that changed since last asked, or null. */
  takeChanges(): BroadcastReply | null {
    const changed = this.tracker.pending(this);
    return changed === null ? null : Object.fromEntries(changed);
  }
}

function withErrors(changed: Array<[string, string]>, unknown: string[]): BroadcastReply {
  const reply: BroadcastReply = Object.fromEntries(changed);
  if (unknown.length > 0) reply.errors = Object.fromEntries(unknown.map((id) => [id, BROADCAST_NOT_FOUND]));
  return reply;
}

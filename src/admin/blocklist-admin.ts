/**
 * What the admin API needs of the shared blocklist (issue 7 point 2): list, add and lift blocks.
 * Defined here so the admin routes do not depend on how the abuse controls are built;
 * `abuseBlocklistAdmin` adapts src/abuse's `AbuseControls` to it.
 */
import type { AbuseControls } from '../abuse/abuse-controls.js';

export interface BlockView {
  ip: string;
  /** `penalty-box`, `admin`, or an admin's note. */
  reason: string;
  /** Epoch ms. */
  createdAt: number;
  /** Epoch ms from which the IP is served again. */
  expiresAt: number;
}

export interface BlocklistAdmin {
  /** Unexpired blocks, soonest to expire first. */
  list(): Promise<BlockView[]>;
  /** Block `ip` on every node for `seconds` (default: the penalty-box duration). */
  add(ip: string, seconds?: number, reason?: string): Promise<BlockView>;
  /** Lift the block of `ip`; whether one existed. */
  lift(ip: string): Promise<boolean>;
}

export function abuseBlocklistAdmin(abuse: Pick<AbuseControls, 'listBlocks' | 'block' | 'unblock'>): BlocklistAdmin {
  return {
    list: () => abuse.listBlocks(),
    add: (ip, seconds, reason) => abuse.block(ip, { ...(seconds === undefined ? {} : { seconds }), ...(reason === undefined ? {} : { reason }) }),
    lift: (ip) => abuse.unblock(ip),
  };
}

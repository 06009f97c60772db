/**
 * The WebSocket side of the abuse controls, as plain functions the CLI hands to the connection
 * service: upgrades from a blocked IP get HTTP 403 and those over the per-IP connect rate HTTP 429
 * with `Retry-After`, before any socket exists (as ws's `abortHandshake`); sessions that end in a
 * protocol error count against their IP; `register` is checked against the per-uaid rate and the
 * channel maximum.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { AbuseControls } from './abuse-controls.js';

type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

/** Session ends that only a misbehaving client causes (src/errors/session-error.ts). */
const PROTOCOL_ERRORS = new Set(['ProtocolError', 'UnsupportedMessage', 'InvalidMessage', 'NoHello', 'AlreadyHelloed', 'ExcessivePing']);

export interface ConnectionGuard {
  /** Wrap the service's upgrade handler. */
  guardUpgrades(handle: UpgradeHandler): UpgradeHandler;
  /** `ConnectionServiceDeps.watchSession`: what to do when the session of `req` ends. */
  watchSession(req: IncomingMessage): ((endReason: string) => void) | undefined;
  /** `ConnectionServiceDeps.admitRegister`. */
  admitRegister(uaid: string, channelID: string, userStored: boolean): Promise<413 | 429 | null>;
}

/** `log` gets one line per refused upgrade, as the endpoint logs each rejected request. */
export function connectionGuard(abuse: AbuseControls, log?: Logger): ConnectionGuard {
  // The socket may be gone (and its address with it) by the time the session's end is known.
  const ips = new WeakMap<IncomingMessage, string>();
  return {
    guardUpgrades: (handle) => (req, socket, head) => {
      const ip = abuse.clientIp(req.socket.remoteAddress, req.headers['x-forwarded-for']);
      const refusal = abuse.admitIp(ip, 'websocket');
      if (refusal === null || refusal.kind === 'channel-limit') {
        ips.set(req, ip);
        return handle(req, socket, head);
      }
      const status = refusal.kind === 'ip-blocked' ? '403 Forbidden' : '429 Too Many Requests';
      log?.info({ status: Number(status.slice(0, 3)), rejected: refusal.kind, ip, retryAfter: refusal.retryAfter }, 'websocket upgrade refused');
      socket.once('error', () => {});
      socket.end(`HTTP/1.1 ${status}\r\nRetry-After: ${refusal.retryAfter}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      setTimeout(() => socket.destroy(), 1000).unref();
    },
    watchSession: (req) => {
      const ip = ips.get(req);
      if (ip === undefined) return undefined;
      return (reason) => {
        if (PROTOCOL_ERRORS.has(reason)) abuse.recordBadOutcome(ip, reason);
      };
    },
    admitRegister: async (uaid, channelID, userStored) => {
      let refusal;
      try {
        refusal = await abuse.admitRegister(uaid, channelID, userStored);
      } catch {
        // Storage failed counting channels: let the register itself meet (and report) the failure.
        return null;
      }
      if (refusal === null) return null;
      return refusal.kind === 'channel-limit' ? 413 : 429;
    },
  };
}

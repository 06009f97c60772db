/**
 * Refuse new WebSockets cleanly before the process runs out of file handles: a socket over the
 * cap gets HTTP 503 with Retry-After instead of an accept that fails with EMFILE somewhere deep
 * (DESIGN.md "Several workers on one host"). Other workers or nodes take the user agent on retry.
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

/** File handles kept for everything that is not a user agent: storage, router port, logs, HTTP. */
export const RESERVED_FILE_HANDLES = 512;

/** The soft open-files limit of this process (Linux /proc), or null where it cannot be read. */
export function openFilesLimit(limitsText?: string): number | null {
  let text = limitsText;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/self/limits', 'utf8');
    } catch {
      return null;
    }
  }
  const soft = /^Max open files\s+(\d+|unlimited)/m.exec(text)?.[1];
  return soft === undefined || soft === 'unlimited' ? null : Number(soft);
}

/** The cap to enforce: the configured one, else what the file limit leaves; null: no cap. */
export function connectionCap(configured: number, fileLimit: number | null = openFilesLimit()): number | null {
  if (configured > 0) return configured;
  if (fileLimit === null) return null;
  return Math.max(1, fileLimit - RESERVED_FILE_HANDLES);
}

type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

/** Wrap an upgrade handler so that at `cap` open sessions further upgrades get a 503. */
export function gateUpgrades(handle: UpgradeHandler, count: () => number, cap: number | null, onRefused?: () => void): UpgradeHandler {
  if (cap === null) return handle;
  return (req, socket, head) => {
    if (count() < cap) return handle(req, socket, head);
    onRefused?.();
    socket.end('HTTP/1.1 503 Service Unavailable\r\nRetry-After: 5\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    socket.once('error', () => {});
    setTimeout(() => socket.destroy(), 1000).unref();
  };
}

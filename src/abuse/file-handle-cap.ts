/**
 * The cap on the public port's sockets that keeps a process clear of its open-files limit: a
 * socket over it gets HTTP 503 with Retry-After (socket-caps.ts) instead of an accept that fails
 * with EMFILE somewhere deep (DESIGN.md "Several workers on one host"). Other workers or nodes
 * take the client on retry.
 */
import { readFileSync } from 'node:fs';

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

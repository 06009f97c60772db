/**
 * The SQLite files hold Herald's VAPID private key, password hashes and mailboxes, so they are
 * readable by their owner only (docs/security.md): a new directory is created 0700, the database
 * file 0600 before SQLite opens it (SQLite gives its `-wal` and `-shm` files the database file's
 * mode), and files an older Herald left group- or world-readable are narrowed to 0600. An existing
 * directory keeps its mode: it may be shared (say `/var/lib`), and the files are what matter.
 */
import { chmodSync, closeSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

/** Whether `path` names a file on disk (not `:memory:`, not a `file:` URI, which SQLite resolves). */
export function isDiskPath(path: string): boolean {
  return path !== ':memory:' && path !== '' && !path.startsWith('file:');
}

/** Prepare `path` for `new Database(path)`: owner-only directory (when created) and files. */
export function preparePrivateDatabaseFile(path: string): void {
  if (!isDiskPath(path)) return;
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  closeSync(openSync(path, 'a', 0o600));
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    let mode: number;
    try {
      mode = statSync(file).mode & 0o777;
    } catch {
      continue; // not created yet
    }
    if ((mode & 0o077) !== 0) chmodSync(file, mode & 0o700);
  }
}

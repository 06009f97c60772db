/**
 * A user agent's state in a JSON file, for the CLI and long-running agents. Written to a
 * temporary file and renamed over the old one, so a crash never leaves half a file; readable
 * only by its owner, since it holds private keys.
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { dirname } from 'node:path';
import { parseState } from './state.js';
import type { UserAgentState } from './types.js';

/**
 * Read a saved state.
 * @returns null when the file does not exist.
 * @throws Error when the file is not valid JSON or not a user agent state.
 */
export async function loadState(path: string): Promise<UserAgentState | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  try {
    return parseState(JSON.parse(text));
  } catch (err) {
    throw new Error(`${path}: ${(err as Error).message}`);
  }
}

/** Write a state atomically (temporary file, then rename), creating the directory if needed. */
export async function saveState(path: string, state: UserAgentState): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

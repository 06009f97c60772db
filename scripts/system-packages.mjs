// Installs the system packages the tests need (PostgreSQL and Redis servers) when their binaries
// are missing: one `apt-get update` and one `apt-get install` for all of them, with apt's progress
// on the terminal. Throws when a binary is still missing afterwards, so the suite fails loudly
// instead of skipping. The tests never use the distro's services; they start their own servers
// (test/support/servers.ts).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';

const APT_TIMEOUT_MS = 15 * 60_000;

/**
 * Make sure every `binary` exists, installing the `pkg`s of the missing ones with apt-get.
 * A binary is an absolute path (one `*` segment allowed, as in `/usr/lib/postgresql/*\/bin/postgres`)
 * or a name looked up on PATH.
 *
 * @param {Array<{ binary: string; pkg: string }>} list
 * @returns {string[]} the packages it installed (empty when nothing was missing)
 */
export function ensureSystemPackages(list) {
  const missing = list.filter(({ binary }) => !binaryExists(binary));
  if (missing.length === 0) return [];
  const pkgs = [...new Set(missing.map((m) => m.pkg))];
  const what = missing.map((m) => m.binary).join(', ');
  const command = `apt-get install -y --no-install-recommends ${pkgs.join(' ')}`;
  if (process.getuid?.() !== 0) {
    throw new Error(`Missing ${what}; installing needs root: run \`sudo apt-get update && sudo ${command}\``);
  }
  console.log(`\n=== installing system packages ${pkgs.join(', ')} (missing: ${what})`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update'], ['install', '-y', '--no-install-recommends', ...pkgs]]) {
    const r = spawnSync('apt-get', args, { stdio: ['ignore', 'inherit', 'inherit'], env, timeout: APT_TIMEOUT_MS });
    if (r.error || r.status !== 0) {
      const why = r.error ? r.error.message : `exit ${r.status ?? r.signal}`;
      throw new Error(`apt-get ${args[0]} failed (${why}); the tests need ${pkgs.join(', ')}: run \`apt-get update && ${command}\``);
    }
  }
  const still = missing.filter(({ binary }) => !binaryExists(binary));
  if (still.length > 0) {
    throw new Error(`apt-get installed ${pkgs.join(', ')} but ${still.map((m) => m.binary).join(', ')} is still missing`);
  }
  return pkgs;
}

/** @param {string} binary */
function binaryExists(binary) {
  if (!isAbsolute(binary)) {
    return (process.env.PATH ?? '').split(delimiter).some((dir) => dir !== '' && existsSync(join(dir, binary)));
  }
  return expand(binary).some((p) => existsSync(p));
}

/** Expand `*` path segments against the file system. @param {string} pattern @returns {string[]} */
function expand(pattern) {
  let paths = ['/'];
  for (const segment of pattern.split('/').filter(Boolean)) {
    if (!segment.includes('*')) {
      paths = paths.map((p) => join(p, segment));
      continue;
    }
    const re = new RegExp(`^${segment.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
    paths = paths.flatMap((p) => {
      try {
        return readdirSync(p).filter((name) => re.test(name)).map((name) => join(p, name));
      } catch {
        return [];
      }
    });
  }
  return paths;
}

/**
 * What the kernel says about a process and the machine: RSS and CPU ticks from /proc, the slab
 * size, the open-file limit. Readings are synchronous and cheap (one small file each).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';

/** Clock ticks per second for /proc/<pid>/stat times (100 on every Linux we run on). */
export const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/**
 * Seconds the process's main thread (the event loop) has spent runnable but waiting for a CPU
 * (field 2 of /proc/<pid>/schedstat); 0 when unavailable. On a shared machine this shows how much
 * of a latency figure is the scheduler's, not the server's.
 */
export function runQueueWaitSeconds(pid: number): number {
  try {
    return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[1]) / 1e9;
  } catch {
    return 0;
  }
}

/** Resident set size in KiB (`VmRSS` of /proc/<pid>/status); 0 when the process is gone. */
export function rssKb(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** User + system CPU time of a process in seconds (fields 14 and 15 of /proc/<pid>/stat). */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may contain spaces: count fields after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
  } catch {
    return 0;
  }
}

/**
 * CPU seconds the whole machine has been busy (every core, every process, the kernel's interrupt
 * work; /proc/stat less idle and iowait): beside a process's own CPU it shows how much else ran.
 */
export function machineBusySeconds(): number {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields;
  return (user + nice + system + irq + softirq + steal) / CLK_TCK;
}

/** Kernel slab memory in KiB (/proc/meminfo `Slab`): where socket structures live. */
export function slabKb(): number {
  const m = /^Slab:\s+(\d+)\s+kB/m.exec(readFileSync('/proc/meminfo', 'utf8'));
  return m ? Number(m[1]) : 0;
}

export interface FdLimit {
  soft: number;
  hard: number;
}

export function fdLimit(pid: number | 'self' = 'self'): FdLimit {
  const m = /^Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/m.exec(readFileSync(`/proc/${pid}/limits`, 'utf8'));
  const num = (s: string | undefined) => (s === undefined || s === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(s));
  return { soft: num(m?.[1]), hard: num(m?.[2]) };
}

/**
 * Raise this process's soft open-file limit to the hard one (what `ulimit -n <hard>` does in a
 * shell); children spawned afterwards inherit it. Node has no setrlimit, so `prlimit` does it.
 */
export function raiseFdLimit(): FdLimit {
  const before = fdLimit();
  if (before.soft < before.hard && before.hard !== Number.MAX_SAFE_INTEGER) {
    try {
      execFileSync('prlimit', ['--pid', String(process.pid), `--nofile=${before.hard}:${before.hard}`]);
    } catch {
      // Left as it is; the idle scenario reports the limit it actually had.
    }
  }
  return fdLimit();
}

export interface MachineInfo {
  cores: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  kernel: string;
  fdLimit: FdLimit;
  /** 1, 5 and 15 minute load averages when the run started: other work on the machine skews results. */
  loadAverage: number[];
}

export function machineInfo(): MachineInfo {
  const c = cpus();
  return {
    cores: c.length,
    cpuModel: c[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    kernel: release(),
    fdLimit: fdLimit(),
    loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

/** The pids of a process's children (Linux /proc/<pid>/task/<pid>/children); [] when it is gone. */
export function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

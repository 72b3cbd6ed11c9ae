/**
 * CPU time taken on this machine by everything but this process and its descendants (the browser, the
 * preview server), over a window: what tells a calm benchmark run from a loaded one directly. The load
 * average cannot: it lags by about a minute (after another bench it stays above 1 for a while on an idle
 * machine) and a load that starts mid-run barely moves it. Linux only (/proc); elsewhere null.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';

interface CpuSnapshot {
  /** Machine-wide ticks (USER_HZ) busy (the hypervisor's steal included) and in all, summed over the CPUs. */
  busy: number;
  total: number;
  /** Ticks of this process and its descendants, their reaped children included. */
  ours: number;
}

/** Other processes' average CPU use between two snapshots, in cores; and the window's length, in seconds. */
export interface OthersShare {
  cores: number;
  seconds: number;
}

function machineTicks(): { busy: number; total: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest time is already in user)
  const [user, nice, system, idle, iowait, irq, softirq, steal] = f;
  const busy = user + nice + system + irq + softirq + (steal ?? 0);
  return { busy, total: busy + idle + iowait };
}

function ourTicks(): number {
  const parent = new Map<number, number>();
  const ticks = new Map<number, number>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const s = readFileSync(`/proc/${d}/stat`, 'utf8');
      // After "pid (comm) ": state, ppid, ... utime, stime, cutime, cstime are fields 14-17 of the line.
      const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
      parent.set(Number(d), Number(f[1]));
      ticks.set(Number(d), Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]));
    } catch {
      // the process ended meanwhile
    }
  }
  let sum = 0;
  for (const [pid, t] of ticks) {
    let p = pid;
    for (let hops = 0; p > 1 && p !== process.pid && hops < 64; hops++) p = parent.get(p) ?? 0;
    if (p === process.pid) sum += t;
  }
  return sum;
}

export function cpuSnapshot(): CpuSnapshot | null {
  try {
    return { ...machineTicks(), ours: ourTicks() };
  } catch {
    return null;
  }
}

export function othersShare(a: CpuSnapshot | null, b: CpuSnapshot | null): OthersShare | null {
  if (!a || !b || b.total <= a.total) return null;
  const elapsed = (b.total - a.total) / cpus().length;
  return { cores: Math.max(0, b.busy - a.busy - (b.ours - a.ours)) / elapsed, seconds: elapsed / 100 };
}

/**
 * Waits (at most `maxSeconds`) until other processes use less than `cores` over `sampleSeconds`; says how it went.
 * A machine that never gets quiet is not waited for longer: the run then says it was not calm.
 */
export async function waitForQuiet(maxSeconds: number, cores: number, sampleSeconds = 5): Promise<{ quiet: boolean; waitedS: number; last: OthersShare | null }> {
  const t0 = performance.now();
  let last: OthersShare | null = null;
  for (;;) {
    const a = cpuSnapshot();
    await new Promise((r) => setTimeout(r, sampleSeconds * 1000));
    last = othersShare(a, cpuSnapshot());
    const waitedS = (performance.now() - t0) / 1000;
    if (!last) return { quiet: false, waitedS, last };
    if (last.cores < cores) return { quiet: true, waitedS, last };
    if (waitedS + sampleSeconds > maxSeconds) return { quiet: false, waitedS, last };
  }
}

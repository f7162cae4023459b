/**
 * CPU time and memory of another process, from Linux /proc (no dependency, no agent in the
 * measured process). CPU comes from /proc/<pid>/stat utime+stime, peak RSS from the kernel's
 * own high-water mark VmHWM in /proc/<pid>/status, so short spikes between samples count too.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface ProcessSample {
  /** utime + stime of the process itself, seconds. */
  cpuSeconds: number;
  rssMb: number;
  /** Peak resident set size since exec (VmHWM). */
  peakRssMb: number;
  /** VmRSS split: anonymous pages (JS heap, native allocations) and file-backed ones (mapped code). */
  anonMb: number;
  fileMb: number;
}

let clockTicks: number | undefined;
/** USER_HZ; 100 on every mainstream Linux, asked once in case it is not. */
export function clockTicksPerSecond(): number {
  if (clockTicks === undefined) {
    const out = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8', timeout: 5_000 });
    const parsed = Number.parseInt(out.stdout ?? '', 10);
    clockTicks = Number.isFinite(parsed) && parsed > 0 ? parsed : 100;
  }
  return clockTicks;
}

/** utime+stime in ticks from /proc/<pid>/stat text. The command name may contain spaces and ')'. */
export function parseStatTicks(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // After "pid (comm) ", field 3 (state) is index 0, so utime (14) and stime (15) are 11 and 12.
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime))
    throw new Error('unexpected /proc/<pid>/stat format');
  return utime + stime;
}

/** A "VmHWM:   12345 kB" style line from /proc/<pid>/status, in MB; NaN when absent. */
export function parseStatusKb(status: string, field: 'VmHWM' | 'VmRSS' | 'RssAnon' | 'RssFile'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(status);
  return match ? Number(match[1]) / 1024 : Number.NaN;
}

/** One reading; undefined once the process is gone. */
export function sampleProcess(pid: number): ProcessSample | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return {
      cpuSeconds: parseStatTicks(stat) / clockTicksPerSecond(),
      rssMb: parseStatusKb(status, 'VmRSS'),
      peakRssMb: parseStatusKb(status, 'VmHWM'),
      anonMb: parseStatusKb(status, 'RssAnon'),
      fileMb: parseStatusKb(status, 'RssFile'),
    };
  } catch {
    return undefined;
  }
}

export interface ProcessWatch {
  /** Marks the start of the measured window (CPU is counted from here). */
  markStart(): void;
  /** Ends the window; call before the process exits, since /proc forgets it after. */
  finish(): ProcessUsage;
}

export interface ProcessUsage {
  cpuSeconds: number;
  /** CPU seconds per wall second over the window; 1.0 = one core busy. */
  cpuCores: number;
  peakRssMb: number;
  /**
   * The split of the largest RSS a sample saw (samples, so it can miss the kernel's peak by a
   * spike): what a footprint over a goal is made of, heap and native memory or mapped code.
   */
  largestSampleSplit: { anonMb: number; fileMb: number } | null;
  windowSeconds: number;
}

/** Samples every intervalMs so a peak is kept even if the process dies before finish(). */
export function watchProcess(pid: number, intervalMs = 250): ProcessWatch {
  let startCpu = sampleProcess(pid)?.cpuSeconds ?? 0;
  let startedAt = performance.now();
  let last: ProcessSample | undefined = sampleProcess(pid);
  let peak = last?.peakRssMb ?? 0;
  let largest: ProcessSample | undefined = last;
  const keep = (s: ProcessSample): void => {
    last = s;
    peak = Math.max(peak, s.peakRssMb, s.rssMb);
    if (!largest || s.rssMb > largest.rssMb) largest = s;
  };
  const timer = setInterval(() => {
    const s = sampleProcess(pid);
    if (s) keep(s);
  }, intervalMs);
  timer.unref();
  return {
    markStart() {
      startCpu = sampleProcess(pid)?.cpuSeconds ?? startCpu;
      startedAt = performance.now();
    },
    finish() {
      clearInterval(timer);
      const s = sampleProcess(pid) ?? last;
      if (s) keep(s);
      const windowSeconds = (performance.now() - startedAt) / 1000;
      const cpuSeconds = Math.max(0, (s?.cpuSeconds ?? startCpu) - startCpu);
      return {
        cpuSeconds,
        cpuCores: windowSeconds > 0 ? cpuSeconds / windowSeconds : 0,
        peakRssMb: peak,
        largestSampleSplit:
          largest && Number.isFinite(largest.anonMb)
            ? { anonMb: largest.anonMb, fileMb: largest.fileMb }
            : null,
        windowSeconds,
      };
    },
  };
}

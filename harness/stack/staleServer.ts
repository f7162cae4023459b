/**
 * Finding what an earlier run left behind, so that a new stack names it (with its pid) instead
 * of silently talking to it: a server still listening on the port we want, or a pid file in
 * the data dir whose process still runs. Linux answers through /proc; elsewhere the errors
 * say what is in the way without the pid.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { canListen } from './freePort';

/** Running, and not a zombie waiting for its parent to reap it. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) S ...": the state follows the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

/** The command line of a process, for error messages; null when unknown. */
export function commandLine(pid: number): string | null {
  try {
    const text = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
    return text === '' ? null : text.length > 160 ? `${text.slice(0, 160)}…` : text;
  } catch {
    return null;
  }
}

/** The pid of the process listening on this TCP port (any address), when /proc tells. */
export function listeningPid(port: number): number | null {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      const local = fields[1];
      // st 0A = LISTEN; the inode is the 10th column.
      if (!local || fields[3] !== '0A' || fields[9] === undefined) continue;
      if (parseInt(local.split(':')[1] ?? '', 16) === port) inodes.add(`socket:[${fields[9]}]`);
    }
  }
  if (inodes.size === 0) return null;
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return null;
  }
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        if (inodes.has(readlinkSync(`/proc/${pid}/fd/${fd}`))) return Number(pid);
      } catch {
        // closed meanwhile
      }
    }
  }
  return null;
}

function describe(pid: number): string {
  const command = commandLine(pid);
  return command ? `pid ${pid}: ${command}` : `pid ${pid}`;
}

/** Throws, naming the holder's pid, when something already listens on host:port. */
export async function assertPortFree(host: string, port: number, what: string): Promise<void> {
  if (await canListen(port, host)) return;
  const pid = listeningPid(port);
  const holder = pid === null ? 'another process' : describe(pid);
  throw new Error(
    `${what}: port ${port} on ${host} is already taken by ${holder}` +
      (pid === null ? '' : `; if it is left over from an earlier run, stop it (kill ${pid})`),
  );
}

/**
 * A pid file names the server that uses a data dir. One whose process still runs is an
 * error naming it (two servers on one SQLite file corrupt it); one whose process is gone, or
 * is something else (`command` does not match its command line), is removed.
 */
export async function checkPidFile(file: string, what: string, command: RegExp): Promise<void> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return;
  }
  const pid = Number(text.trim());
  // A pid the system reused for something else does not count (when /proc can tell).
  const running = Number.isInteger(pid) && pid > 0 && pid !== process.pid && processAlive(pid);
  if (running && command.test(commandLine(pid) ?? what)) {
    throw new Error(
      `${what}: ${file} says ${describe(pid)} still runs on this data dir; ` +
        `stop it (kill ${pid}) or, if that is not a ${what}, delete ${file}`,
    );
  }
  await rm(file, { force: true });
}

export async function writePidFile(file: string, pid: number): Promise<void> {
  await writeFile(file, `${pid}\n`);
}

/** Removes the pid file if it still names `pid`. */
export async function removePidFile(file: string, pid: number): Promise<void> {
  const text = await readFile(file, 'utf8').catch(() => '');
  if (text.trim() === String(pid)) await rm(file, { force: true });
}

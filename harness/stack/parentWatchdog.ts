/**
 * Ties a child process's life to this one's, by any route this process may die: an uncaught
 * error, a second Ctrl-C, or SIGKILL (which runs no exit handler, and which process groups
 * alone do not survive). Linux's PR_SET_PDEATHSIG is out of Node's reach, so a tiny watchdog
 * (`sh` and `cat`) holds the read end of a pipe whose write end only this process has: when
 * this process is gone, for whatever reason, the pipe closes, `cat` returns, and the
 * watchdog sends the child SIGTERM, then SIGKILL. It ignores the terminal's signals, so a
 * Ctrl-C that reaches the whole process group cannot take it down before it has done its job.
 */
import { spawn, type ChildProcess } from 'node:child_process';

const script = [
  "trap '' INT TERM HUP QUIT",
  'cat >/dev/null',
  'kill -TERM "$1" 2>/dev/null || exit 0',
  'n=0',
  'while [ "$n" -lt 100 ] && kill -0 "$1" 2>/dev/null; do sleep 0.1; n=$((n + 1)); done',
  'kill -KILL "$1" 2>/dev/null',
  'exit 0',
].join('\n');

/** Starts the watchdog over `child`; the returned function dismisses it (call it when the child exits). */
export function tieToParent(child: ChildProcess, name: string): () => void {
  if (child.pid === undefined || process.platform === 'win32') return () => undefined;
  const watchdog = spawn('/bin/sh', ['-c', script, `vodflow-watchdog-${name}`, String(child.pid)], {
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  watchdog.on('error', () => undefined);
  watchdog.stdin?.on('error', () => undefined);
  // Neither the watchdog nor its pipe may keep this process's event loop alive.
  watchdog.unref();
  (watchdog.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  return () => {
    if (watchdog.exitCode === null && watchdog.signalCode === null) watchdog.kill('SIGKILL');
  };
}

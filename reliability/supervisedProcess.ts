/**
 * A child process the chaos run can SIGKILL and start again, with its output appended to a
 * log file. Readiness is the caller's probe (an HTTP health URL, a gRPC health check).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

export interface SupervisedProcessOptions {
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  logFile: string;
  /** Resolves true once the process serves; polled until readyTimeoutMs. */
  ready?: () => Promise<boolean>;
  readyTimeoutMs?: number;
}

export interface SupervisedProcess {
  readonly name: string;
  readonly starts: number;
  readonly kills: number;
  /** Exits nobody asked for (crashes): a finding when non-zero. */
  readonly unexpectedExits: { code: number | null; signal: string | null; at: number }[];
  running(): boolean;
  start(): Promise<void>;
  /** SIGKILL, as a crash or an OOM kill would. */
  kill(): Promise<void>;
  /** SIGTERM, then SIGKILL after graceMs. */
  stop(graceMs?: number): Promise<void>;
}

const liveChildren = new Set<ChildProcess>();
// A crashed or interrupted runner must not leave servers behind.
process.once('exit', () => {
  for (const child of liveChildren) child.kill('SIGKILL');
});

export function superviseProcess(options: SupervisedProcessOptions): SupervisedProcess {
  let child: ChildProcess | null = null;
  let log: WriteStream | null = null;
  let starts = 0;
  let kills = 0;
  let expectingExit = false;
  const unexpectedExits: { code: number | null; signal: string | null; at: number }[] = [];

  const isRunning = (): boolean => child !== null && child.exitCode === null && child.signalCode === null;

  async function start(): Promise<void> {
    if (isRunning()) return;
    log ??= createWriteStream(options.logFile, { flags: 'a' });
    log.write(`\n=== ${new Date().toISOString()} start ${options.name} (#${starts + 1})\n`);
    const spawned = spawn(options.command, options.args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = spawned;
    starts += 1;
    expectingExit = false;
    liveChildren.add(spawned);
    spawned.stdout?.pipe(log, { end: false });
    spawned.stderr?.pipe(log, { end: false });
    spawned.once('exit', (code, signal) => {
      liveChildren.delete(spawned);
      log?.write(`=== ${new Date().toISOString()} exit ${options.name} code=${code} signal=${signal}\n`);
      if (!expectingExit) unexpectedExits.push({ code, signal, at: Date.now() });
    });
    if (!options.ready) return;
    const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
    while (Date.now() < deadline) {
      if (!isRunning()) {
        // Killed on purpose while starting: the next start() brings it back.
        if (expectingExit && child === spawned) return;
        throw new Error(`${options.name} exited during start (see ${options.logFile})`);
      }
      if (await options.ready().catch(() => false)) return;
      await sleep(200);
    }
    throw new Error(`${options.name} not ready within ${options.readyTimeoutMs ?? 60_000} ms`);
  }

  async function terminate(signal: NodeJS.Signals, graceMs: number): Promise<void> {
    const current = child;
    if (current === null || !isRunning()) return;
    expectingExit = true;
    const gone = once(current, 'exit');
    current.kill(signal);
    const timer = setTimeout(() => current.kill('SIGKILL'), graceMs);
    await gone;
    clearTimeout(timer);
  }

  return {
    name: options.name,
    get starts() {
      return starts;
    },
    get kills() {
      return kills;
    },
    unexpectedExits,
    running: isRunning,
    start,
    async kill() {
      if (!isRunning()) return;
      kills += 1;
      await terminate('SIGKILL', 0);
    },
    async stop(graceMs = 10_000) {
      await terminate('SIGTERM', graceMs);
      log?.end();
      log = null;
    },
  };
}

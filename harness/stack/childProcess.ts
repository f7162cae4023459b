/**
 * A child process as a stack part: started (and started again) with the same command, its
 * output appended to a log file, its readiness the caller's probe (an HTTP health URL, a gRPC
 * health check), and its life tied to this process's (parentWatchdog.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { tieToParent } from './parentWatchdog';
import type { PartExit, StackPart } from './part';

export interface SupervisedProcessOptions {
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Appends stdout and stderr here; without it the output is discarded. */
  logFile?: string;
  /** Resolves true once the process serves; polled until readyTimeoutMs. */
  ready?: () => Promise<boolean>;
  readyTimeoutMs?: number;
}

export interface SupervisedProcess extends StackPart {
  /** The running child, for its pid and signals; null while stopped. */
  readonly child: ChildProcess | null;
  readonly logFile: string | null;
  /** SIGTERM, then SIGKILL after graceMs (default 10 s). */
  stop(graceMs?: number): Promise<void>;
}

/** The child died before its readiness probe passed; the message carries its log's tail. */
export class ExitedDuringStartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExitedDuringStartError';
  }
}

const liveChildren = new Set<ChildProcess>();
// A runner that exits (even through process.exit) takes its children along; the watchdog
// covers the deaths that run no handler.
process.once('exit', () => {
  for (const child of liveChildren) child.kill('SIGKILL');
});

export function superviseProcess(options: SupervisedProcessOptions): SupervisedProcess {
  let child: ChildProcess | null = null;
  let log: WriteStream | null = null;
  let starts = 0;
  let kills = 0;
  let expectingExit = false;
  const unexpectedExits: PartExit[] = [];
  const readyTimeoutMs = options.readyTimeoutMs ?? 60_000;

  const isRunning = (): boolean => child !== null && child.exitCode === null && child.signalCode === null;
  const where = options.logFile ? ` (see ${options.logFile})` : '';

  async function start(): Promise<void> {
    if (isRunning()) return;
    if (options.logFile) {
      log ??= createWriteStream(options.logFile, { flags: 'a' });
      log.write(`\n=== ${new Date().toISOString()} start ${options.name} (#${starts + 1})\n`);
    }
    const spawned = spawn(options.command, options.args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', log ? 'pipe' : 'ignore', log ? 'pipe' : 'ignore'],
    });
    child = spawned;
    starts += 1;
    expectingExit = false;
    const failure = await once(spawned, 'spawn').then(
      () => null,
      (err: unknown) => err,
    );
    if (failure !== null)
      throw new Error(`${options.name}: cannot run ${options.command}: ${String(failure)}`);
    liveChildren.add(spawned);
    const dismissWatchdog = tieToParent(spawned, options.name);
    if (log) {
      spawned.stdout?.pipe(log, { end: false });
      spawned.stderr?.pipe(log, { end: false });
    }
    spawned.once('exit', (code, signal) => {
      liveChildren.delete(spawned);
      dismissWatchdog();
      log?.write(`=== ${new Date().toISOString()} exit ${options.name} code=${code} signal=${signal}\n`);
      if (!expectingExit) unexpectedExits.push({ code, signal, at: Date.now() });
    });
    if (!options.ready) return;
    const deadline = Date.now() + readyTimeoutMs;
    while (Date.now() < deadline) {
      if (child !== spawned || !isRunning()) {
        // Killed on purpose while starting: the next start() brings it back.
        if (expectingExit) return;
        // Its output is what explains it, and a test's data dir may be gone by the time
        // anyone reads the file: so the tail goes into the error.
        await Promise.race([once(spawned, 'close'), sleep(1_000)]);
        const status = `code=${spawned.exitCode} signal=${spawned.signalCode}`;
        // A Go panic's message comes before a stack of a few kilobytes: read enough to hold it.
        const tail = options.logFile ? await logTail(options.logFile, 8_000) : '';
        throw new ExitedDuringStartError(
          `${options.name} exited during start (${status})${where}${tail ? `; its log ends:\n${tail}` : ''}`,
        );
      }
      if (await options.ready().catch(() => false)) return;
      await sleep(200);
    }
    throw new Error(`${options.name} not ready within ${readyTimeoutMs} ms${where}`);
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
    logFile: options.logFile ?? null,
    get child() {
      return isRunning() ? child : null;
    },
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

/** The last `bytes` of a log file, or '' when it cannot be read. */
async function logTail(file: string, bytes: number): Promise<string> {
  try {
    const handle = await open(file, 'r');
    try {
      const { size } = await handle.stat();
      const length = Math.min(size, bytes);
      const buffer = Buffer.alloc(length);
      await handle.read(buffer, 0, length, size - length);
      const text = buffer.toString('utf8');
      const panic = text.lastIndexOf('panic:');
      return (panic >= 0 ? text.slice(panic) : text).trim();
    } finally {
      await handle.close();
    }
  } catch {
    return '';
  }
}

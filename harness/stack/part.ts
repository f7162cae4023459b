/**
 * The one handle every part of a stack has, whatever it is (Temporal dev server, an emulator,
 * a worker, a poller) and however it runs (a child process or inside this one), so a fault
 * schedule can stop, kill and restart any of them alike.
 */
export interface PartExit {
  code: number | null;
  signal: string | null;
  at: number;
}

export interface StackPart {
  readonly name: string;
  /** How often it was started (restarts included). */
  readonly starts: number;
  /** How often kill() took it down. */
  readonly kills: number;
  /** Exits (or, in-process, failures) nobody asked for: a finding when not empty. */
  readonly unexpectedExits: readonly PartExit[];
  running(): boolean;
  /** Starts it again in place (same ports, same data); resolves once it serves. No-op while running. */
  start(): Promise<void>;
  /** Gracefully, within graceMs where that means something. */
  stop(graceMs?: number): Promise<void>;
  /** As abruptly as it can: SIGKILL for a child, an immediate stop in-process. */
  kill(): Promise<void>;
}

/**
 * A part that runs inside this process: `launch` starts one instance, `halt` ends it
 * (graceful or not), and `done` (when given) settles when the instance ends on its own.
 */
export function inProcessPart<T>(options: {
  name: string;
  launch: () => Promise<T>;
  halt: (instance: T, graceful: boolean, graceMs: number | undefined) => Promise<void>;
  done?: (instance: T) => Promise<unknown>;
}): StackPart & { readonly current: T | null } {
  let current: T | null = null;
  let starting: Promise<void> | null = null;
  let starts = 0;
  let kills = 0;
  const unexpectedExits: PartExit[] = [];

  const end = async (graceful: boolean, graceMs?: number): Promise<void> => {
    await starting?.catch(() => undefined);
    const instance = current;
    current = null;
    if (instance !== null) await options.halt(instance, graceful, graceMs);
  };

  return {
    name: options.name,
    get current() {
      return current;
    },
    get starts() {
      return starts;
    },
    get kills() {
      return kills;
    },
    unexpectedExits,
    running: () => current !== null,
    start() {
      if (current !== null) return Promise.resolve();
      starting ??= (async () => {
        try {
          const instance = await options.launch();
          current = instance;
          starts += 1;
          options.done?.(instance).then(
            () => undefined,
            (err: unknown) => {
              if (current !== instance) return;
              current = null;
              unexpectedExits.push({ code: null, signal: String(err), at: Date.now() });
            },
          );
        } finally {
          starting = null;
        }
      })();
      return starting;
    },
    stop: (graceMs) => end(true, graceMs),
    async kill() {
      if (current === null) return;
      kills += 1;
      await end(false);
    },
  };
}

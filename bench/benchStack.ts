/**
 * Every scenario gets a fresh stack from the one builder: its own dev server on a fresh
 * SQLite file (WAL, synchronous=OFF, as the tests use), so no scenario pays for the history
 * another one wrote, plus whatever else the scenario needs (an in-process MNS emulator, the
 * VOD emulator and a worker).
 */
import { startStack, type StackOf, type StackSpec, type TemporalSpec } from '../harness/stack/stack';
import { temporalCli } from '../harness/stack/paths';
import { benchCredentials } from './mnsStack';

/** What every scenario's stack shares: the bench's credentials and the poller's default task queue. */
export const benchStack = {
  credentials: benchCredentials,
  taskQueue: 'vodflow',
} satisfies Omit<StackSpec, 'temporal'>;

const benchTemporal = { mode: 'dev-server', storage: 'file', synchronous: 'OFF' } satisfies TemporalSpec;

export function devServerDescription(): string {
  return `temporal server start-dev (CLI v${temporalCli().version}), fresh SQLite file per scenario, journal_mode=WAL, synchronous=OFF`;
}

export async function withBenchStack<S extends Omit<StackSpec, 'temporal'>, T>(
  spec: S,
  run: (stack: StackOf<S & { temporal: TemporalSpec }>) => Promise<T>,
): Promise<T> {
  const stack = await startStack({ ...spec, temporal: benchTemporal });
  try {
    return await run(stack);
  } finally {
    await stack.stop();
  }
}

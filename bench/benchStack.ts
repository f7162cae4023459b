/**
 * Every scenario gets a fresh stack from the one builder: its own dev server on a fresh
 * SQLite file (WAL, synchronous=OFF, as the tests use), so no scenario pays for the history
 * another one wrote, plus whatever else the scenario needs (an in-process MNS emulator, the
 * VOD emulator and a worker).
 */
import { startStack, type StackOf, type StackSpec, type TemporalSpec } from '../harness/stack/stack';
import { temporalCli } from '../harness/stack/paths';
import type { RunningCluster } from '../harness/cluster/cluster';
import { benchCredentials } from './mnsStack';

/** What every scenario's stack shares: the bench's credentials and the poller's default task queue. */
export const benchStack = {
  credentials: benchCredentials,
  taskQueue: 'vodflow',
} satisfies Omit<StackSpec, 'temporal'>;

/**
 * BENCH_DEV_SERVER_CONFIG="system.enableActivityEagerExecution=true,…": dynamic-config values for
 * every dev server of the run, to measure a server feature against the same code.
 */
export function devServerConfig(raw = process.env.BENCH_DEV_SERVER_CONFIG ?? ''): string[] {
  return raw
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .map((entry) => {
      if (!/^[A-Za-z][\w.]*=\S+$/.test(entry)) {
        throw new Error(`BENCH_DEV_SERVER_CONFIG entry "${entry}" must be key=value`);
      }
      return entry;
    });
}

const devServer = {
  mode: 'dev-server',
  storage: 'file',
  synchronous: 'OFF',
  dynamicConfigValues: devServerConfig(),
} satisfies TemporalSpec;

/**
 * Where the scenarios' Temporal is: a fresh dev server each, or (BENCH_TEMPORAL=cluster) the
 * self-hosted cluster over mTLS, with a fresh namespace per scenario in place of a fresh file.
 */
let target: { kind: 'dev-server' } | { kind: 'cluster'; cluster: RunningCluster } = { kind: 'dev-server' };
let scenarioCount = 0;

export function benchOn(next: typeof target): void {
  target = next;
}

function benchTemporal(): TemporalSpec {
  if (target.kind === 'dev-server') return devServer;
  scenarioCount += 1;
  return {
    mode: 'existing',
    address: target.cluster.address,
    namespace: `bench-${Date.now().toString(36)}-${scenarioCount}`,
    createNamespace: true,
    clientEnv: target.cluster.env,
  };
}

export function devServerDescription(): string {
  const extra =
    devServer.dynamicConfigValues.length > 0 ? `, ${devServer.dynamicConfigValues.join(', ')}` : '';
  return `temporal server start-dev (CLI v${temporalCli().version}), fresh SQLite file per scenario, journal_mode=WAL, synchronous=OFF${extra}`;
}

export async function withBenchStack<S extends Omit<StackSpec, 'temporal'>, T>(
  spec: S,
  run: (stack: StackOf<S & { temporal: TemporalSpec }>) => Promise<T>,
): Promise<T> {
  const stack = await startStack({ ...spec, temporal: benchTemporal() });
  try {
    return await run(stack);
  } finally {
    await stack.stop();
  }
}

/**
 * `npm run chaos`: the full seeded chaos run (2,000 videos by default). Prints the results
 * as JSON on stdout, writes reliability/results/latest.json and exits non-zero when the
 * checker found a problem.
 *
 *   npm run chaos -- --videos 500 --seed 7 --keep
 *   npm run chaos -- --short --temporal cluster     # on scripts/cluster, with cluster faults
 *   npm run chaos -- --callback http --short      # VOD posts to the HTTP ingress (docs/INGRESS.md)
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Command } from 'commander';
import { repoRoot } from '../harness/stack/paths';
import {
  clusterRunOptions,
  fullRunOptions,
  httpShortRunOptions,
  runChaos,
  shortRunOptions,
  type ChaosOptions,
} from './chaosRun';

const program = new Command()
  .name('chaos')
  .option('--videos <n>', 'simulated videos', String(fullRunOptions.videos))
  .option('--seed <n>', 'seed of workload, faults and poison', String(fullRunOptions.seed))
  .option('--short', 'the short run of the test suite (200 videos; 50 with --callback http)')
  .option(
    '--callback <type>',
    'where VOD pushes: mns (the queue and two pollers) or http (the ingress)',
    'mns',
  )
  .option('--out <file>', 'results file', path.join(repoRoot, 'reliability', 'results', 'latest.json'))
  .option('--keep', 'keep the data dir (logs of every process) for inspection')
  .option(
    '--temporal <server>',
    'dev-server (default) or cluster (scripts/cluster, mTLS, cluster faults)',
    'dev-server',
  )
  .option('--cluster-dir <dir>', 'state dir of the cluster (VODFLOW_CLUSTER_DIR)')
  .parse(process.argv);

const opts = program.opts<{
  videos: string;
  seed: string;
  short?: boolean;
  out: string;
  keep?: boolean;
  temporal: string;
  clusterDir?: string;
  callback: string;
}>();

/** The full run on the cluster: the full workload, with the cluster faults at the full run's scale. */
const fullClusterOptions: ChaosOptions = {
  ...fullRunOptions,
  temporal: 'cluster',
  temporalRestarts: 0,
  historyKills: 4,
  matchingKills: 2,
  frontendRestarts: 2,
  postgresRestarts: 2,
};

async function main(): Promise<void> {
  if (opts.temporal !== 'dev-server' && opts.temporal !== 'cluster') {
    throw new Error(`invalid --temporal ${opts.temporal} (dev-server or cluster)`);
  }
  if (opts.callback !== 'mns' && opts.callback !== 'http')
    throw new Error(`invalid --callback ${opts.callback}`);
  const onCluster = opts.temporal === 'cluster';
  const http = opts.callback === 'http';
  if (onCluster && http) throw new Error('--callback http runs on the dev server only');
  // The full HTTP run keeps the full run's size and adds the ingress kill to its faults.
  const base: ChaosOptions = onCluster
    ? opts.short
      ? clusterRunOptions
      : fullClusterOptions
    : opts.short
      ? http
        ? httpShortRunOptions
        : shortRunOptions
      : { ...fullRunOptions, ...(http ? { callback: 'http', ingressKills: 2, ingressDownMs: 10_000 } : {}) };
  const videos = opts.short ? base.videos : Number(opts.videos);
  const seed = Number(opts.seed);
  if (!Number.isInteger(videos) || videos < 1) throw new Error(`invalid --videos ${opts.videos}`);
  if (!Number.isInteger(seed)) throw new Error(`invalid --seed ${opts.seed}`);
  const clusterDir = opts.clusterDir ?? process.env.VODFLOW_CLUSTER_DIR;
  const result = await runChaos({
    ...base,
    videos,
    seed,
    keepDataDir: opts.keep ?? false,
    ...(onCluster && clusterDir ? { clusterStateDir: clusterDir } : {}),
  });
  const text = `${JSON.stringify({ generatedAt: new Date().toISOString(), ...result }, null, 2)}\n`;
  await mkdir(path.dirname(opts.out), { recursive: true });
  await writeFile(opts.out, text);
  process.stdout.write(text);
  if (!result.check.ok) {
    console.error(`chaos: FAILED\n  - ${result.check.failures.join('\n  - ')}`);
    process.exitCode = 1;
  }
}

main().catch((err: unknown) => {
  console.error(`chaos: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exit(2);
});

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { Command } from 'commander';
import { createLogger } from '../../src/observability/logger';
import { percentile } from '../../src/observability/percentiles';
import { startLocalStack } from '../../harness/stack/localStack';
import { availablePorts } from '../../harness/stack/ports';
import { waitForSettlement, type SettledVideo } from '../../harness/stack/settlement';
import { formatTable, progressReporter } from '../progress';
import { untilStopSignal, warnUnknownVariables } from './lifecycle';
import {
  callbackOptions,
  describeStack,
  stackPorts,
  teamStepOptions,
  timeScale,
  withStackOptions,
  type StackCliOptions,
} from './dev';
import { simulationKnobs, videoCount, withSimulationOptions, type SimulationFlags } from './simulate';

export function registerDemoCommand(program: Command): void {
  withSimulationOptions(
    withStackOptions(
      program
        .command('demo')
        .description(
          'Start the local stack, upload N simulated videos, wait until all are ready, print a summary.',
        )
        .option('--videos <n>', 'how many uploads', '20')
        .option('--timeout <seconds>', 'give up waiting after this long', '600')
        .option('--keep', 'keep the stack running after the summary (Ctrl-C stops it)'),
    ),
  ).action(async (opts: StackCliOptions & SimulationFlags & { timeout: string; keep?: boolean }) => {
    const count = videoCount(opts.videos);
    const knobs = simulationKnobs({ duplicateRate: '0.1', ...opts, shuffle: opts.shuffle ?? true });
    const logger = createLogger('vodflow-demo', process.env.VODFLOW_LOG_LEVEL ?? 'warn');
    warnUnknownVariables(undefined, logger);
    const dataDir = await mkdtemp(path.join(tmpdir(), 'vodflow-demo-'));
    const stack = await startLocalStack({
      dataDir,
      ports: await availablePorts(stackPorts(opts)),
      timeScale: timeScale(opts.timeScale),
      ...callbackOptions(opts),
      ...(process.env.VODFLOW_WEBHOOK_URL ? { webhookUrl: process.env.VODFLOW_WEBHOOK_URL } : {}),
      ...(process.env.VODFLOW_WEBHOOK_SECRET ? { webhookSecret: process.env.VODFLOW_WEBHOOK_SECRET } : {}),
      ...teamStepOptions(opts),
      logger,
    });
    let exitCode = 1;
    try {
      console.log(`${describeStack(stack)}\n`);
      const connection = await Connection.connect({ address: stack.temporal.address });
      try {
        const client = new Client({ connection, namespace: stack.temporal.namespace });
        const startedAt = new Map<string, number>();
        const mediaIds: string[] = [];
        for (let i = 0; i < count; i += 1) {
          const at = Date.now();
          const id = await stack.vod.simulateUpload({
            knobs,
            ...(opts.seed !== undefined ? { seed: Number(opts.seed) + i } : {}),
          });
          startedAt.set(id, at);
          mediaIds.push(id);
        }
        console.log(`uploaded ${count} simulated videos (knobs ${JSON.stringify(knobs)})`);
        const progress = progressReporter('videos ready');
        const { settled, pending } = await waitForSettlement(client, mediaIds, {
          timeoutMs: Number(opts.timeout) * 1_000,
          onProgress: (done, total) => progress.update(done, total),
        });
        progress.finish();
        console.log(`\n${summaryTable([...settled.values()], pending, startedAt)}`);
        const completed = [...settled.values()].filter((v) => v.status === 'completed').length;
        exitCode = completed === count ? 0 : 1;
        for (const video of settled.values()) {
          if (video.status !== 'completed')
            console.log(`  ${video.mediaId}: ${video.status} — ${video.reason ?? ''}`);
        }
      } finally {
        await connection.close();
      }
      if (opts.keep) {
        console.log('\nThe stack keeps running; Ctrl-C stops it.');
        await untilStopSignal();
      }
    } finally {
      await stack.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
    process.exit(exitCode);
  });
}

export function summaryTable(
  settled: readonly SettledVideo[],
  pending: readonly string[],
  startedAt: ReadonlyMap<string, number>,
): string {
  const by = (status: string) => settled.filter((v) => v.status === status).length;
  const latencies = settled
    .filter((v) => v.status === 'completed')
    .map((v) => v.settledAtMs - (startedAt.get(v.mediaId) ?? v.settledAtMs));
  const seconds = (ms: number) => (Number.isNaN(ms) ? '-' : `${(ms / 1000).toFixed(1)} s`);
  return formatTable([
    ['completed', 'failed', 'stalled', 'deleted', 'unfinished', 'upload→ready p50', 'upload→ready p99'],
    [
      String(by('completed')),
      String(by('failed')),
      String(by('stalled')),
      String(by('deleted')),
      String(pending.length),
      seconds(percentile(latencies, 50)),
      seconds(percentile(latencies, 99)),
    ],
  ]);
}

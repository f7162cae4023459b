import type { Command } from 'commander';
import { createVodApi } from '../../src/activities/vodApi';
import {
  backfillExitCode,
  backfillOutcomes,
  RateLimiter,
  runBackfill,
  temporalPipelines,
  vodTimeParam,
  vodVideoLister,
  type BackfillOutcome,
  type BackfillReport,
} from '../../src/operations/backfill';
import { defaultAppId } from '../../src/operations/requirements';
import { connectTemporal } from '../../src/temporal/connection';
import { formatTable, progressReporter } from '../progress';
import { configOrExit } from './lifecycle';

interface BackfillFlags {
  since: string;
  until?: string;
  region?: string;
  dryRun?: boolean;
  rps?: string;
  json?: boolean;
  appId: string;
  config?: string;
}

const units: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** An ISO 8601 time, or a duration back from now (`90m`, `24h`, `7d`). */
export function parseTimeFlag(name: string, value: string, now: number): number {
  const relative = /^(\d{1,9})([smhd])$/.exec(value.trim());
  if (relative) return now - Number(relative[1]) * units[relative[2]!]!;
  if (/^\d{4}-\d{2}-\d{2}/.test(value.trim())) {
    const ms = Date.parse(value.trim());
    if (Number.isFinite(ms)) return ms;
  }
  throw new FlagError(
    `--${name} must be an ISO 8601 time (2026-01-31T00:00:00Z) or a duration ago (24h, 7d), got ${value}`,
  );
}

class FlagError extends Error {}

const labels: Record<BackfillOutcome, string> = {
  started: 'started',
  restarted: 'restarted (was stalled)',
  running: 'running (left alone)',
  finished: 'finished (left alone)',
  otherApp: 'other VOD app (skipped)',
  failed: 'failed',
};

function summary(report: BackfillReport): string {
  const regions = Object.keys(report.byRegion);
  const rows: string[][] = [['outcome', ...regions, ...(regions.length > 1 ? ['total'] : [])]];
  for (const outcome of backfillOutcomes) {
    const label =
      report.dryRun && (outcome === 'started' || outcome === 'restarted')
        ? `would be ${labels[outcome]}`
        : labels[outcome];
    rows.push([
      label,
      ...regions.map((r) => String(report.byRegion[r]![outcome])),
      ...(regions.length > 1 ? [String(report.counts[outcome])] : []),
    ]);
  }
  const lines = [
    `Backfill ${vodTimeParam(report.range.startMs)} → ${vodTimeParam(report.range.endMs)}: ${report.listed} video(s) listed in ${report.windows} window(s)${report.dryRun ? ' (dry run: nothing started)' : ''}`,
    '',
    formatTable(rows),
  ];
  for (const window of report.overCap) {
    lines.push(
      '',
      `INCOMPLETE ${window.region} ${vodTimeParam(window.startMs)}: ${window.total} videos created in one second; only the first 5000 could be listed`,
    );
  }
  if (report.failures.length > 0) {
    lines.push('', 'Failures (the first ones):', ...report.failures.map((f) => `  ${f.videoId}: ${f.error}`));
  }
  return lines.join('\n');
}

/**
 * Exit codes: 0 every video listed and handled · 1 some lookup or start failed, or a window
 * could not be listed whole (over VOD's 5,000-result cap in one second) · 2 bad flags or settings.
 */
export function registerBackfillCommand(program: Command): void {
  program
    .command('backfill')
    .description(
      'List videos through the VOD API and start a pipeline for each one that has none (or whose run stalled).',
    )
    .requiredOption('--since <time>', 'creation time to start from: ISO 8601, or a duration ago (24h, 7d)')
    .option('--until <time>', 'creation time to stop at (default now)')
    .option('--region <ids>', 'only these regions (comma-separated; default every region in VODFLOW_QUEUES)')
    .option('--dry-run', 'list and decide, start nothing')
    .option('--rps <n>', 'VOD listing calls per second, at most 50 (default VODFLOW_BACKFILL_RPS, 20)')
    .option('--json', 'print the report as JSON instead of a table')
    .option('--app-id <id>', "the VOD app whose videos vodflow handles (setup's callback)", defaultAppId)
    .option('-c, --config <file>', 'JSON config file (environment variables override it)')
    .addHelpText(
      'after',
      '\nExit codes: 0 every video listed and handled; 1 some lookup or start failed, or more than 5,000 videos\n' +
        'were created within one second (only 5,000 can be listed); 2 bad flags or settings.',
    )
    .action(async (flags: BackfillFlags) => {
      const config = configOrExit('backfill', flags.config);
      let sinceMs: number;
      let untilMs: number;
      let rps = config.backfill.rps;
      const now = Date.now();
      try {
        sinceMs = parseTimeFlag('since', flags.since, now);
        untilMs = flags.until === undefined ? now : parseTimeFlag('until', flags.until, now);
        if (untilMs <= sinceMs) throw new FlagError('--until must be after --since');
        if (flags.rps !== undefined) {
          rps = Number(flags.rps);
          if (!Number.isInteger(rps) || rps < 1 || rps > 50)
            throw new FlagError('--rps must be a whole number from 1 to 50');
        }
      } catch (err) {
        if (!(err instanceof FlagError)) throw err;
        console.error(`vodflow backfill: ${err.message}`);
        process.exit(2);
      }
      const configured = [...new Set(config.queues.map((q) => q.region))];
      const regions =
        flags.region === undefined
          ? configured
          : flags.region
              .split(',')
              .map((r) => r.trim())
              .filter(Boolean);
      if (regions.length === 0) {
        console.error('vodflow backfill: no region to sweep (--region or VODFLOW_QUEUES)');
        process.exit(2);
      }
      if (!config.credentials) {
        console.error(
          'vodflow backfill: ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET are required',
        );
        process.exit(2);
      }
      const api = createVodApi({
        credentials: config.credentials,
        ...(config.worker.vodEndpoint ? { endpoint: config.worker.vodEndpoint } : {}),
        timeoutMs: config.worker.vodTimeoutMs,
      });
      const progress = progressReporter('backfill');
      let done = 0;
      let total = 0;
      const lister = vodVideoLister(api, new RateLimiter(rps), {
        onRetry: (err, delayMs) => progress.update(done, total, `${err.code}: retrying in ${delayMs} ms`),
      });
      const temporal = await connectTemporal(config.temporal);
      let report: BackfillReport;
      try {
        report = await runBackfill(
          {
            lister,
            pipelines: temporalPipelines({
              client: temporal.client,
              taskQueue: config.temporal.taskQueue,
              pipelineOptions: config.pipeline,
              timeoutMs: config.poller.signalTimeoutMs,
            }),
          },
          {
            regions,
            sinceMs,
            untilMs,
            dryRun: flags.dryRun === true,
            appId: flags.appId,
            onPlanned: (plan) => {
              total = plan.windows.reduce((sum, w) => sum + Math.min(w.total, 5_000), 0);
              progress.update(done, total, `${plan.windows.length} window(s)`);
            },
            onVideo: (result) => {
              done += 1;
              progress.update(
                Math.min(done, total),
                total,
                result.outcome === 'failed' ? `failed: ${result.videoId}` : undefined,
              );
            },
          },
        );
      } finally {
        await temporal.close();
      }
      progress.update(total, total);
      progress.finish();
      console.log(flags.json ? JSON.stringify(report, null, 2) : summary(report));
      process.exitCode = backfillExitCode(report);
    });
}

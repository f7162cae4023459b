import type { Command } from 'commander';
import {
  rerunVideo,
  waitUntilSettled,
  WorkerPresence,
  type RerunOutcome,
} from '../../src/operations/videoPipelines';
import type { VideoReport } from '../../src/operations/videoReport';
import type { RerunRequest } from '../../src/shared/definitions';
import { formatTable } from '../progress';
import {
  forEachVideo,
  openOperatorSession,
  positiveInt,
  printJson,
  selectVideos,
  setOutcomeExitCode,
  usageError,
  withFanOutOptions,
  type FanOutFlags,
  type VideoFailure,
} from '../operator';

interface RerunFlags extends FanOutFlags {
  query?: string;
  from?: string;
  newPublication?: boolean;
  reason?: string;
  requestedBy: string;
  dryRun?: boolean;
  limit: string;
  queryTimeout: string;
  wait?: string;
}

export function registerRerunCommand(program: Command): void {
  withFanOutOptions(
    program
      .command('rerun')
      .summary("Rerun videos' downstream steps (same idempotency keys by default).")
      .description(
        "Rerun videos' downstream steps, e.g. after a webhook receiver was fixed: open runs (waiting, processing, " +
          'lingering) through the rerunSteps update, closed runs by a new run that carries their final state. By ' +
          'default with the same idempotency keys, so receivers deduplicate. Exit 0 all rerun (or would be), 1 some ' +
          'refused, not found or failed, 2 bad flags or settings, 3 Temporal unreachable.',
      )
      .argument('[video...]', 'video ids (VOD VideoId); or --query')
      .option(
        '--query <visibility query>',
        'the videos a visibility query finds, e.g. \'VodStatus = "failed"\'',
      )
      .option('--from <step>', 'rerun this step and every step depending on it (default: every step)')
      .option(
        '--new-publication',
        'new idempotency keys for the rerun steps (a rerun generation in their version)',
      )
      .option('--reason <text>', 'why, recorded in the pipeline')
      .option(
        '--requested-by <name>',
        'who asks, recorded in the pipeline',
        process.env.USER ?? 'vodflow-cli',
      )
      .option('--dry-run', 'print what would be rerun and how many, change nothing')
      .option('--limit <n>', 'with --query: at most this many videos', '1000')
      .option('--query-timeout <seconds>', 'how long to wait for a worker to answer a query', '10')
      .option('--wait <seconds>', 'then wait up to this long for each video to settle and show its outcome'),
  ).action(async (videos: string[], flags: RerunFlags) => {
    const waitMs = flags.wait !== undefined ? positiveInt('rerun', '--wait', flags.wait, 86_400) * 1000 : 0;
    if (flags.from !== undefined && !/^[A-Za-z][A-Za-z0-9_-]{0,63}$/.test(flags.from)) {
      usageError('rerun', `--from ${JSON.stringify(flags.from)} is not a step name`);
    }
    const request: RerunRequest = {
      ...(flags.from ? { from: flags.from } : {}),
      ...(flags.newPublication ? { newPublication: true } : {}),
      ...(flags.reason ? { reason: flags.reason } : {}),
      ...(flags.requestedBy ? { requestedBy: flags.requestedBy } : {}),
    };
    const session = await openOperatorSession('rerun', flags, { queryTimeoutSeconds: flags.queryTimeout });
    try {
      const selected = await selectVideos('rerun', session, videos, flags.query, flags.limit);
      const workers = new WorkerPresence(session.ctx);
      const outcomes = await forEachVideo('rerun', flags, selected, (v) =>
        rerunVideo(session.ctx, v.videoId, request, {
          dryRun: flags.dryRun === true,
          workers,
          ...(v.runId ? { selectedRunId: v.runId } : {}),
        }),
      );
      const acted = outcomes
        .filter((o) => o.action === 'updated' || o.action === 'restarted')
        .map((o) => o.videoId);
      const settled =
        waitMs > 0 && acted.length > 0
          ? await waitUntilSettled(session.ctx, workers, acted, waitMs)
          : new Map<string, VideoReport>();
      if (flags.json) {
        printJson({
          dryRun: flags.dryRun === true,
          request,
          videos: outcomes.map((o) => ({
            ...o,
            ...(settled.has(o.videoId) ? { after: settled.get(o.videoId) } : {}),
          })),
        });
      } else {
        const header = [
          'VIDEO',
          'ACTION',
          'STEPS',
          'RUN',
          'DETAIL',
          ...(waitMs > 0 ? ['NOW', 'PUBLICATIONS'] : []),
        ];
        console.log(
          formatTable([
            header,
            ...outcomes.map((o) => {
              const after = settled.get(o.videoId);
              return [
                ...row(o),
                ...(waitMs > 0 ? [after?.status ?? '', after ? String(after.publications.length) : ''] : []),
              ];
            }),
          ]),
        );
        const would = outcomes.filter(
          (o) => o.action === 'would-update' || o.action === 'would-restart',
        ).length;
        console.log(
          flags.dryRun
            ? `\ndry run: would rerun ${would} of ${outcomes.length} video(s); nothing changed`
            : `\nrerun ${acted.length} of ${outcomes.length} video(s)`,
        );
      }
      setOutcomeExitCode(outcomes, ['refused', 'not-found']);
    } finally {
      await session.close();
    }
  });
}

function row(o: RerunOutcome | VideoFailure): string[] {
  switch (o.action) {
    case 'updated':
      return [
        o.videoId,
        'rerun (open run)',
        o.record.steps.join(', '),
        o.runId,
        o.record.newPublication ? 'new publication' : 'same keys',
      ];
    case 'restarted':
      return [
        o.videoId,
        'rerun (new run)',
        o.steps.join(', '),
        o.runId,
        `continues closed run ${o.closedRunId}`,
      ];
    case 'would-update':
      return [o.videoId, 'would rerun (open run)', o.steps?.join(', ') ?? '?', o.runId, o.note ?? ''];
    case 'would-restart':
      return [o.videoId, 'would rerun (new run)', o.steps?.join(', ') ?? '?', o.runId, o.note ?? ''];
    case 'refused':
      return [o.videoId, 'refused', '', '', o.reason];
    case 'superseded':
      return [o.videoId, 'skipped', '', o.runId, `a newer run ${o.latestRunId} exists`];
    case 'not-found':
      return [o.videoId, 'not found', '', '', `no workflow vod-video-${o.videoId}`];
    case 'error':
      return [o.videoId, 'error', '', '', o.error];
  }
}

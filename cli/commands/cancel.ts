import type { Command } from 'commander';
import { cancelVideo, type CancelOutcome } from '../../src/operations/videoPipelines';
import { formatTable } from '../progress';
import {
  forEachVideo,
  openOperatorSession,
  positiveInt,
  printJson,
  selectVideos,
  setOutcomeExitCode,
  withFanOutOptions,
  type FanOutFlags,
  type VideoFailure,
} from '../operator';

interface CancelFlags extends FanOutFlags {
  query?: string;
  dryRun?: boolean;
  limit: string;
  wait: string;
}

export function registerCancelCommand(program: Command): void {
  withFanOutOptions(
    program
      .command('cancel')
      .summary("Stop videos' pipelines cleanly (they end cancelled).")
      .description(
        "Stop videos' pipelines cleanly, as the Web UI's Cancel button does: running steps are cancelled, the video " +
          'ends `cancelled` (VodStatus = "cancelled") and the run completes. A run lingering after it settled keeps ' +
          'its outcome and just closes. Exit 0 all stopped (or already closed), 1 some not found or failed, 2 bad ' +
          'flags or settings, 3 Temporal unreachable.',
      )
      .argument('[video...]', 'video ids (VOD VideoId); or --query')
      .option(
        '--query <visibility query>',
        'the videos a visibility query finds, e.g. \'VodStatus = "waiting"\'',
      )
      .option('--dry-run', 'print what would be cancelled and how many, change nothing')
      .option('--limit <n>', 'with --query: at most this many videos', '1000')
      .option('--wait <seconds>', 'how long to wait for each run to close (it needs a worker)', '30'),
  ).action(async (videos: string[], flags: CancelFlags) => {
    const waitMs = positiveInt('cancel', '--wait', flags.wait, 3_600) * 1000;
    const session = await openOperatorSession('cancel', flags);
    try {
      const selected = await selectVideos('cancel', session, videos, flags.query, flags.limit);
      const outcomes = await forEachVideo('cancel', flags, selected, (v) =>
        cancelVideo(session.ctx, v.videoId, { dryRun: flags.dryRun === true, waitMs }),
      );
      if (flags.json) {
        printJson({ dryRun: flags.dryRun === true, videos: outcomes });
      } else {
        console.log(formatTable([['VIDEO', 'OUTCOME', 'STATUS', 'RUN', 'DETAIL'], ...outcomes.map(row)]));
        const would = outcomes.filter((o) => o.action === 'would-cancel').length;
        const stopped = outcomes.filter(
          (o) => o.action === 'cancelled' || o.action === 'closed-settled',
        ).length;
        console.log(
          flags.dryRun
            ? `\ndry run: would cancel ${would} of ${outcomes.length} video(s); nothing changed`
            : `\nstopped ${stopped} of ${outcomes.length} video(s)`,
        );
      }
      setOutcomeExitCode(outcomes, ['not-found']);
    } finally {
      await session.close();
    }
  });
}

function row(o: CancelOutcome | VideoFailure): string[] {
  switch (o.action) {
    case 'cancelled':
      return [o.videoId, 'cancelled', o.status, o.runId, o.reason ?? ''];
    case 'closed-settled':
      return [
        o.videoId,
        'closed',
        o.status,
        o.runId,
        'it had settled: its outcome stands, the linger was cut short',
      ];
    case 'requested':
      return [
        o.videoId,
        'cancel requested',
        '',
        o.runId,
        'not closed yet: it ends when a worker picks it up',
      ];
    case 'would-cancel':
      return [o.videoId, 'would cancel', o.status ?? '', o.runId, ''];
    case 'already-closed':
      return [
        o.videoId,
        'already closed',
        o.status ?? '',
        o.runId,
        o.execution.toLowerCase().replace(/_/g, ' '),
      ];
    case 'not-found':
      return [o.videoId, 'not found', '', '', `no workflow vod-video-${o.videoId}`];
    case 'error':
      return [o.videoId, 'error', '', '', o.error];
  }
}

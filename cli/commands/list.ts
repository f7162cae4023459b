import type { Command } from 'commander';
import { listVideos } from '../../src/operations/videoPipelines';
import {
  listOption,
  parseSince,
  QueryFilterError,
  scopedQuery,
  videoListQuery,
  vodStages,
} from '../../src/operations/visibilityQuery';
import { pipelineStatuses } from '../../src/shared/definitions';
import { formatTable } from '../progress';
import {
  errorText,
  exitCodeFor,
  openOperatorSession,
  positiveInt,
  printJson,
  usageError,
  withCommonOptions,
  type CommonFlags,
} from '../operator';

interface ListFlags extends CommonFlags {
  status?: string[];
  stage?: string[];
  region?: string[];
  since?: string;
  backfilled?: boolean;
  query?: string;
  limit: string;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function registerListCommand(program: Command): void {
  withCommonOptions(
    program
      .command('list')
      .summary('List videos by status, stage, region, start time; counts per status.')
      .description(
        'List videos by their search attributes, newest first, one row per video (its newest run), with the number ' +
          'of matching runs per status. Exit 0 listed (even none), 2 bad flags or settings, 3 Temporal unreachable.',
      )
      .option(
        '--status <status>',
        `VodStatus, repeatable or comma-separated: ${pipelineStatuses.join(', ')}`,
        collect,
      )
      .option('--stage <stage>', `VodStage, repeatable or comma-separated: ${vodStages.join(', ')}`, collect)
      .option('--region <region>', 'VodRegion (storage region), repeatable or comma-separated', collect)
      .option(
        '--since <time>',
        'started at or after: a duration back from now (30m, 2h, 7d) or an ISO 8601 time',
      )
      .option('--backfilled', 'only pipelines a backfill sweep started')
      .option(
        '--query <visibility query>',
        'your own visibility query instead of the filters, e.g. \'VodStatus = "failed"\'',
      )
      .option('--limit <n>', 'list at most this many runs', '200'),
  ).action(async (flags: ListFlags) => {
    const limit = positiveInt('list', '--limit', flags.limit, 100_000);
    let query: string;
    try {
      const filtered = Boolean(
        flags.status || flags.stage || flags.region || flags.since || flags.backfilled,
      );
      if (flags.query !== undefined && filtered)
        usageError('list', 'give either --query or the filters, not both');
      query =
        flags.query !== undefined
          ? scopedQuery(flags.query)
          : videoListQuery({
              statuses: listOption(flags.status),
              stages: listOption(flags.stage),
              regions: listOption(flags.region),
              ...(flags.since ? { since: parseSince(flags.since) } : {}),
              backfilled: flags.backfilled === true,
            });
    } catch (err) {
      if (err instanceof QueryFilterError) usageError('list', err.message);
      throw err;
    }
    const session = await openOperatorSession('list', flags);
    try {
      const listing = await listVideos(session.ctx, query, { limit });
      if (flags.json) {
        printJson(listing);
        return;
      }
      console.log(
        formatTable([
          ['VIDEO', 'STATUS', 'STAGE', 'REGION', 'RUN', 'STARTED', 'CLOSED', 'BACKFILLED'],
          ...listing.rows.map((row) => [
            row.videoId,
            row.status ?? '',
            row.stage ?? '',
            row.region ?? '',
            row.execution === 'RUNNING' ? 'open' : row.execution.toLowerCase().replace(/_/g, ' '),
            row.startedAt,
            row.closedAt ?? '',
            row.backfilled ? 'yes' : '',
          ]),
        ]),
      );
      console.log(
        `\n${listing.rows.length} video(s)${listing.truncated ? ` (more runs matched than --limit ${limit})` : ''}`,
      );
      const statuses = Object.entries(listing.counts).sort(([a], [b]) => a.localeCompare(b));
      const total = statuses.reduce((sum, [, n]) => sum + n, 0);
      console.log(
        `\n${formatTable([['STATUS', 'RUNS'], ...statuses.map(([s, n]) => [s, String(n)]), ['total', String(total)]])}`,
      );
    } catch (err) {
      console.error(`vodflow list: ${errorText(err)}`);
      process.exitCode = exitCodeFor(err);
    } finally {
      await session.close();
    }
  });
}

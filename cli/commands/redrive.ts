import type { Command } from 'commander';
import { configOrExit } from './lifecycle';
import { decode } from '../../src/events';
import type { DeadLetterReason } from '../../src/poller/deadLetter';
import { deadLetterReasons } from '../../src/operations/deadLetterRedrive';
import {
  mnsRedriveQueues,
  redrive,
  type RedriveAction,
  type RedriveItemOutcome,
} from '../../src/operations/redrive';
import { listOption, parseSince, QueryFilterError } from '../../src/operations/visibilityQuery';
import { formatTable, progressReporter } from '../progress';
import {
  exitCodes,
  limiterFrom,
  positiveInt,
  printJson,
  usageError,
  withCommonOptions,
  type CommonFlags,
} from '../operator';

interface RedriveFlags extends CommonFlags {
  queue?: string;
  reason?: string[];
  since?: string;
  limit: string;
  dryRun?: boolean;
  waitHidden?: string;
  verbose?: boolean;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

const outcomeText: Record<RedriveItemOutcome, string> = {
  redriven: 'redriven (sent back, dead letter deleted)',
  'redriven-not-deleted': 'sent back, dead letter not deleted (a later run resends it; harmless)',
  'would-redrive': 'would be redriven',
  'send-failed': 'stays dead: the send failed',
  'not-a-dead-letter': 'stays: not a vodflow dead-letter document',
  'other-source': 'stays: dead-lettered from another queue',
  filtered: 'stays: outside --reason / --since',
  truncated: 'stays dead: body was truncated',
  'still-invalid': 'stays dead: still not a valid event',
};

export function registerRedriveCommand(program: Command): void {
  withCommonOptions(
    program
      .command('redrive')
      .summary('Move dead letters back into their source queue.')
      .description(
        'Move dead letters back into their source queue: the original body and priority from the dead-letter ' +
          'document, each dead letter deleted only after its send succeeded. Messages that still do not decode stay ' +
          'dead. Safe to interrupt and run again: a message sent twice is a redelivery the pipeline ignores. ' +
          'Exit 0 done, 1 some stayed dead or failed, 2 bad flags or settings, 3 MNS unusable, 130 interrupted.',
      )
      .requiredOption(
        '--queue <region/queue>',
        'the source queue as in VODFLOW_QUEUES, e.g. cn-shanghai/vod-events',
      )
      .option(
        '--reason <reason>',
        `only these dead-letter reasons (repeatable): ${deadLetterReasons.join(', ')}`,
        collect,
      )
      .option(
        '--since <time>',
        'only dead letters written since: a duration (30m, 2h, 7d) or an ISO 8601 time',
      )
      .option('--limit <n>', 'redrive at most this many', '10000')
      .option('--dry-run', 'print what would be redriven and how many, send and delete nothing')
      .option('--verbose', 'print each send and delete on stderr as it happens')
      .option(
        '--wait-hidden <seconds>',
        "wait this long for dead letters another receive holds (an interrupted run's); default: the queue's visibility timeout",
      ),
  ).action(async (flags: RedriveFlags) => {
    const limit = positiveInt('redrive', '--limit', flags.limit, 1_000_000);
    const limiter = limiterFrom('redrive', flags);
    const reasons = listOption(flags.reason);
    for (const reason of reasons) {
      if (!deadLetterReasons.includes(reason as DeadLetterReason)) {
        usageError(
          'redrive',
          `--reason ${JSON.stringify(reason)} is not one of ${deadLetterReasons.join(', ')}`,
        );
      }
    }
    let since: Date | undefined;
    try {
      since = flags.since ? parseSince(flags.since) : undefined;
    } catch (err) {
      if (err instanceof QueryFilterError) usageError('redrive', err.message);
      throw err;
    }
    const waitHiddenMs =
      flags.waitHidden === undefined
        ? undefined
        : Number(flags.waitHidden) >= 0 && /^\d+$/.test(flags.waitHidden)
          ? Number(flags.waitHidden) * 1000
          : usageError('redrive', '--wait-hidden must be a whole number of seconds');
    const [region, queueName, extra] = (flags.queue ?? '').split('/');
    if (!region || !queueName || extra !== undefined) usageError('redrive', '--queue must be REGION/QUEUE');

    const config = configOrExit('redrive', flags.config);
    const spec = config.queues.find((q) => q.region === region && q.queue === queueName);
    if (!spec) {
      const known = config.queues.map((q) => `${q.region}/${q.queue}`).join(', ');
      usageError('redrive', `--queue ${flags.queue} is not in VODFLOW_QUEUES (${known})`);
    }
    if (!config.credentials) usageError('redrive', 'ALIBABA_CLOUD_ACCESS_KEY_ID and _SECRET are required');

    let interrupted = false;
    const onSignal = () => {
      if (interrupted) process.exit(exitCodes.interrupted);
      interrupted = true;
      console.error('vodflow redrive: stopping after the current message (again to quit at once)');
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);

    const progress = progressReporter(flags.dryRun ? 'redrive (dry run)' : 'redrive');
    const report = await redrive(
      mnsRedriveQueues(
        spec,
        config.credentials,
        positiveInt('redrive', '--timeout', flags.timeout, 600) * 1000,
      ),
      {
        source: { region: spec.region, queue: spec.queue, deadLetterQueue: spec.deadLetterQueue },
        filters: {
          ...(reasons.length > 0 ? { reasons: reasons as DeadLetterReason[] } : {}),
          ...(since ? { since } : {}),
        },
        limit,
        dryRun: flags.dryRun === true,
        limiter,
        decode,
        ...(waitHiddenMs !== undefined ? { waitHiddenMs } : {}),
        onProgress: (done, total) => progress.update(done, total),
        ...(flags.verbose
          ? {
              onAction: (action: RedriveAction) =>
                console.error(
                  action.kind === 'sent'
                    ? `sent dead letter ${action.messageId} (original ${action.originalMessageId}, video ${action.mediaId}) to ${spec.queue} as ${action.sentMessageId}`
                    : `deleted dead letter ${action.messageId}`,
                ),
            }
          : {}),
        stopRequested: () => interrupted,
      },
    );
    progress.finish();
    if (flags.json) {
      printJson(report);
    } else {
      const failures = report.items.filter(
        (i) => !['redriven', 'would-redrive', 'filtered', 'other-source'].includes(i.outcome),
      );
      if (failures.length > 0) {
        console.log(
          formatTable([
            ['DEAD LETTER', 'ORIGINAL', 'REASON', 'OUTCOME', 'DETAIL'],
            ...failures.map((i) => [
              i.messageId,
              i.originalMessageId ?? '',
              i.deadLetterReason ?? '',
              i.outcome,
              i.detail ?? '',
            ]),
          ]),
        );
        console.log('');
      }
      console.log(
        formatTable([
          ['OUTCOME', 'MESSAGES'],
          ...Object.entries(report.counts).map(([outcome, n]) => [
            outcomeText[outcome as RedriveItemOutcome],
            String(n),
          ]),
          ['total looked at', String(report.items.length)],
        ]),
      );
      const redriven = (report.counts.redriven ?? 0) + (report.counts['redriven-not-deleted'] ?? 0);
      console.log(
        report.dryRun
          ? `\ndry run: would redrive ${report.counts['would-redrive'] ?? 0} message(s) from ${report.deadLetterQueue} to ${report.sourceQueue}; nothing changed`
          : `\nredrove ${redriven} message(s) from ${report.deadLetterQueue} to ${report.sourceQueue}`,
      );
      if (report.hiddenElsewhere > 0) {
        console.log(
          `${report.hiddenElsewhere} dead letter(s) are hidden by another receive (an interrupted run?); they come back ` +
            "after the queue's visibility timeout: run redrive again then",
        );
      }
      if (report.aborted) console.error(`vodflow redrive: stopped: ${report.aborted}`);
    }
    if (report.aborted) process.exitCode = exitCodes.unavailable;
    else if (interrupted) process.exitCode = exitCodes.interrupted;
    else if (
      report.items.some((i) =>
        ['send-failed', 'redriven-not-deleted', 'still-invalid', 'truncated', 'not-a-dead-letter'].includes(
          i.outcome,
        ),
      ) ||
      report.hiddenElsewhere > 0
    ) {
      process.exitCode = exitCodes.partial;
    }
  });
}

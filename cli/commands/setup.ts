import type { Command } from 'commander';
import type { VodflowConfig } from '../../src/config';
import { callbackUrlFor } from '../../src/ingress/routes';
import { describeError } from '../../src/operations/accountPorts';
import {
  backfillScheduleOf,
  ensureBackfillSchedule,
  removeBackfillSchedule,
} from '../../src/operations/backfillSchedule';

import { setupRegion, type SetupAction } from '../../src/operations/setup';
import { connectTemporal } from '../../src/temporal/connection';
import { formatTable } from '../progress';
import { accountClients, setupTarget } from './accountClients';
import { configOrExit } from './lifecycle';

/** Exit codes: 0 done · 1 a step failed (what was done before it is printed) · 2 bad flags or settings. */
export function registerSetupCommand(program: Command): void {
  program
    .command('setup')
    .description(
      "Point each region's VOD callback at its queue, create the queue and dead-letter queue, and schedule the backfill sweep (idempotent).",
    )
    .option('-c, --config <file>', 'JSON config file (environment variables override it)')
    .option(
      '--callback <type>',
      "what VOD's callback points at: mns (the queue, default) or http (vodflow's ingress, docs/INGRESS.md)",
    )
    .option(
      '--callback-url <url>',
      'with --callback http: the URL VOD posts to (VODFLOW_CALLBACK_URL); other regions get <url>/<region>',
    )
    .option(
      '--mns-dead-letter-after <receives>',
      "also set MNS's native dead-letter policy: a message received this many times moves to <queue>-mns-dlq (must exceed VODFLOW_MAX_DEQUEUE_COUNT)",
    )
    .option(
      '--no-backfill-schedule',
      'no scheduled backfill sweep (one an earlier setup created is removed); `vodflow backfill` still works by hand',
    )
    .action(async (opts: SetupFlags) => {
      const config = configOrExit('setup', opts.config, callbackSettings(opts));
      const http = httpCallbackOf(opts, config);
      let mnsDeadLetterAfter: number | undefined;
      if (opts.mnsDeadLetterAfter !== undefined) {
        const n = Number(opts.mnsDeadLetterAfter);
        const floor = config.poller.maxDequeueCount;
        if (!Number.isInteger(n) || n <= floor || n > 1000) {
          console.error(
            `setup: --mns-dead-letter-after must be an integer above VODFLOW_MAX_DEQUEUE_COUNT (${floor}) and at most 1000`,
          );
          process.exit(2);
        }
        mnsDeadLetterAfter = n;
      }
      const actions: SetupAction[] = [];
      for (const spec of config.queues) {
        const target = { ...setupTarget(spec), ...(http ? { httpCallback: http(spec.region) } : {}) };
        actions.push(
          ...(await setupRegion(target, accountClients(config, spec), {
            ...(mnsDeadLetterAfter !== undefined ? { mnsDeadLetterAfter } : {}),
          })),
        );
      }
      let failure: string | undefined;
      try {
        const temporal = await connectTemporal(config.temporal);
        try {
          actions.push(
            opts.backfillSchedule
              ? await ensureBackfillSchedule(temporal.client, backfillScheduleOf(config))
              : await removeBackfillSchedule(temporal.client, config.temporal.taskQueue),
          );
        } finally {
          await temporal.close();
        }
      } catch (err) {
        failure = `the backfill schedule on Temporal ${config.temporal.address}: ${describeError(err)} (run setup again once Temporal answers, or pass --no-backfill-schedule)`;
      }
      console.log(
        formatTable([['item', 'outcome', 'detail'], ...actions.map((a) => [a.subject, a.outcome, a.detail])]),
      );
      if (failure !== undefined) {
        console.error(`vodflow setup: ${failure}`);
        process.exitCode = 1;
      }
    });
}

interface CallbackFlags {
  callback?: string;
  callbackUrl?: string;
}

type SetupFlags = CallbackFlags & {
  config?: string;
  mnsDeadLetterAfter?: string;
  /** Commander's `--no-backfill-schedule`: false when given. */
  backfillSchedule: boolean;
};

/** `--callback-url` as the setting it stands for. */
function callbackSettings(flags: CallbackFlags): Record<string, string> {
  return flags.callbackUrl !== undefined ? { VODFLOW_CALLBACK_URL: flags.callbackUrl } : {};
}

/**
 * With `--callback http` (or a `--callback-url`): each region's URL and the key VOD signs with;
 * exit 2 naming a missing setting. Null for the MNS callback.
 */
function httpCallbackOf(
  flags: CallbackFlags,
  config: VodflowConfig,
): ((region: string) => { url: string; authKey: string }) | null {
  const type = flags.callback ?? (flags.callbackUrl !== undefined ? 'http' : 'mns');
  if (type === 'mns') return null;
  if (type !== 'http') {
    console.error(`vodflow setup: --callback must be mns or http, got ${type}`);
    process.exit(2);
  }
  const { url, authKeys } = config.callback;
  if (url === undefined || authKeys === undefined) {
    const missing = [
      url === undefined ? 'VODFLOW_CALLBACK_URL (or --callback-url): the URL VOD posts to' : '',
      authKeys === undefined ? 'VODFLOW_CALLBACK_AUTH_KEY: the AuthKey VOD signs its callbacks with' : '',
    ].filter(Boolean);
    console.error(`vodflow setup: --callback http needs\n${missing.map((m) => `  - ${m}`).join('\n')}`);
    process.exit(2);
  }
  const defaultRegion = config.queues[0]?.region ?? '';
  return (region) => ({ url: callbackUrlFor(url, region, defaultRegion), authKey: authKeys[0]! });
}

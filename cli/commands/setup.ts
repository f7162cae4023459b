import type { Command } from 'commander';
import type { VodflowConfig } from '../../src/config';
import { callbackUrlFor } from '../../src/ingress/routes';
import { setupRegion } from '../../src/operations/setup';
import { formatTable } from '../progress';
import { accountClients, setupTarget } from './accountClients';
import { configOrExit } from './lifecycle';

export function registerSetupCommand(program: Command): void {
  program
    .command('setup')
    .description(
      "Point each region's VOD callback at its queue and create the queue and dead-letter queue (idempotent).",
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
    .action(async (opts: { config?: string; mnsDeadLetterAfter?: string } & CallbackFlags) => {
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
      const rows: string[][] = [['item', 'outcome', 'detail']];
      for (const spec of config.queues) {
        const target = { ...setupTarget(spec), ...(http ? { httpCallback: http(spec.region) } : {}) };
        const actions = await setupRegion(target, accountClients(config, spec), {
          ...(mnsDeadLetterAfter !== undefined ? { mnsDeadLetterAfter } : {}),
        });
        rows.push(...actions.map((a) => [a.subject, a.outcome, a.detail]));
      }
      console.log(formatTable(rows));
    });
}

interface CallbackFlags {
  callback?: string;
  callbackUrl?: string;
}

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

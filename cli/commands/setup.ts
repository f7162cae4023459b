import type { Command } from 'commander';
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
      '--mns-dead-letter-after <receives>',
      "also set MNS's native dead-letter policy: a message received this many times moves to <queue>-mns-dlq (must exceed VODFLOW_MAX_DEQUEUE_COUNT)",
    )
    .action(async (opts: { config?: string; mnsDeadLetterAfter?: string }) => {
      const config = configOrExit('setup', opts.config);
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
        const actions = await setupRegion(setupTarget(spec), accountClients(config, spec), {
          ...(mnsDeadLetterAfter !== undefined ? { mnsDeadLetterAfter } : {}),
        });
        rows.push(...actions.map((a) => [a.subject, a.outcome, a.detail]));
      }
      console.log(formatTable(rows));
    });
}

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
    .action(async (opts: { config?: string }) => {
      const config = configOrExit('setup', opts.config);
      const rows: string[][] = [['item', 'outcome', 'detail']];
      for (const spec of config.queues) {
        const actions = await setupRegion(setupTarget(spec), accountClients(config, spec));
        rows.push(...actions.map((a) => [a.subject, a.outcome, a.detail]));
      }
      console.log(formatTable(rows));
    });
}

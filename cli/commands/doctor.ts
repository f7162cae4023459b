import type { Command } from 'commander';
import { describeError } from '../../src/operations/accountPorts';
import { backfillScheduleOf } from '../../src/operations/backfillSchedule';
import {
  checkBackfillSchedule,
  checkBacklog,
  checkPipelineOutcomes,
  checkQueue,
  checkTemporal,
  checkVodCallback,
  formatFindings,
  type Finding,
} from '../../src/operations/doctor';
import { callbackUrlFor } from '../../src/ingress/routes';

import { connectTemporal } from '../../src/temporal/connection';
import { accountClients, setupTarget } from './accountClients';
import { configOrExit } from './lifecycle';

export function registerDoctorCommand(program: Command): void {
  program
    .command('doctor')
    .description(
      'Check credentials, VOD callbacks, queues and their backlog, Temporal, search attributes, stalled and failed videos and the backfill schedule; exit 1 on any error.',
    )
    .option('-c, --config <file>', 'JSON config file (environment variables override it)')
    .action(async (opts: { config?: string }) => {
      const config = configOrExit('doctor', opts.config);
      const findings: Finding[] = [];
      const defaultRegion = config.queues[0]?.region ?? '';
      for (const spec of config.queues) {
        const clients = accountClients(config, spec);
        // What the ingress settings expect, should VOD's callback be HTTP (docs/INGRESS.md).
        const http = {
          ...(config.callback.url
            ? { url: callbackUrlFor(config.callback.url, spec.region, defaultRegion) }
            : {}),
          ...(config.callback.authKeys ? { authKeys: config.callback.authKeys } : {}),
        };
        findings.push(...(await checkVodCallback(setupTarget(spec), clients.vod, http)));
        findings.push(...(await checkQueue(clients.mns, spec.queue, 'queue')));
        findings.push(...(await checkQueue(clients.mns, spec.deadLetterQueue, 'dead-letter queue')));
        findings.push(...(await checkBacklog(clients.mns, spec.queue, 'queue')));
        findings.push(...(await checkBacklog(clients.mns, spec.deadLetterQueue, 'dead-letter queue')));
      }
      try {
        const temporal = await connectTemporal(config.temporal);
        try {
          findings.push(
            ...(await checkTemporal(
              temporal.connection,
              config.temporal.namespace,
              config.temporal.taskQueue,
            )),
          );
          findings.push(...(await checkPipelineOutcomes(temporal.client, config.temporal.taskQueue)));
          findings.push(...(await checkBackfillSchedule(temporal.client, backfillScheduleOf(config))));
        } finally {
          await temporal.close();
        }
      } catch (err) {
        findings.push({
          check: 'Temporal',
          severity: 'error',
          message: `cannot connect to ${config.temporal.address}: ${describeError(err)}`,
        });
      }
      console.log(formatFindings(findings));
      const errors = findings.filter((f) => f.severity === 'error').length;
      console.log(errors === 0 ? '\nAll checks passed.' : `\n${errors} problem(s) found.`);
      process.exitCode = errors === 0 ? 0 : 1;
    });
}

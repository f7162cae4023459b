import path from 'node:path';
import type { Command } from 'commander';
import { createLogger } from '../../src/observability/logger';
import {
  defaultLocalPorts,
  localCredentials,
  startLocalStack,
  type LocalStack,
  type LocalStackPorts,
} from '../../harness/stack/localStack';
import { repoRoot } from '../../harness/stack/paths';
import { stopOnSignals, warnUnknownVariables } from './lifecycle';

export interface StackCliOptions {
  temporalPort: string;
  uiPort: string;
  mnsPort: string;
  vodPort: string;
  webhookPort: string;
  metricsPort: string;
  timeScale: string;
}

/** Port and timeline flags shared by `dev` and `demo`. */
export function withStackOptions(command: Command): Command {
  return command
    .option('--temporal-port <port>', 'Temporal gRPC port', String(defaultLocalPorts.temporal))
    .option('--ui-port <port>', 'Temporal Web UI port', String(defaultLocalPorts.ui))
    .option('--mns-port <port>', 'MNS emulator port', String(defaultLocalPorts.mns))
    .option('--vod-port <port>', 'VOD emulator port', String(defaultLocalPorts.vod))
    .option(
      '--webhook-port <port>',
      'local webhook receiver port (when VODFLOW_WEBHOOK_URL is unset)',
      String(defaultLocalPorts.webhook),
    )
    .option(
      '--metrics-port <port>',
      'metrics (poller and worker) and health port',
      String(defaultLocalPorts.metrics),
    )
    .option('--time-scale <x>', 'simulated VOD timeline: 1 ≈ 2–5 s per video', '1');
}

export function stackPorts(opts: StackCliOptions): LocalStackPorts {
  const port = (name: string, value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0 || n > 65_535)
      throw new Error(`--${name} must be a port number, got ${value}`);
    return n;
  };
  return {
    temporal: port('temporal-port', opts.temporalPort),
    ui: port('ui-port', opts.uiPort),
    mns: port('mns-port', opts.mnsPort),
    vod: port('vod-port', opts.vodPort),
    webhook: port('webhook-port', opts.webhookPort),
    metrics: port('metrics-port', opts.metricsPort),
  };
}

export function timeScale(value: string): number {
  const n = Number(value);
  if (!(n > 0 && n <= 100)) throw new Error(`--time-scale must be a number in (0, 100], got ${value}`);
  return n;
}

/** Where to look, for a person at the terminal. */
export function describeStack(stack: LocalStack): string {
  return [
    `Temporal Web UI   ${stack.temporal.uiUrl}/namespaces/${stack.temporal.namespace}/workflows`,
    `Temporal gRPC     ${stack.temporal.address}`,
    `MNS emulator      ${stack.mns.endpoint}  (queue ${stack.queueUrl}, dead letters ${stack.queueUrl}-dlq)`,
    `VOD emulator      ${stack.vod.endpoint}  (admin ${stack.vodAdminUrl})`,
    `Webhook           ${stack.webhookUrl}${stack.webhook ? '  (local receiver)' : ''}`,
    `Metrics           ${stack.metricsUrl}`,
    `Credentials       ${localCredentials.accessKeyId} / ${localCredentials.accessKeySecret}  (local only)`,
    `Setup             ${stack.setup.map((a) => `${a.subject}: ${a.outcome}`).join('; ')}`,
  ].join('\n');
}

export function registerDevCommand(program: Command): void {
  withStackOptions(
    program
      .command('dev')
      .description('Run the whole local stack (Temporal, emulators, worker, poller) until Ctrl-C.')
      .option(
        '--data-dir <dir>',
        'where Temporal and the MNS emulator keep their data',
        path.join(repoRoot, '.vodflow', 'dev'),
      ),
  ).action(async (opts: StackCliOptions & { dataDir: string }) => {
    const logger = createLogger('vodflow-dev', process.env.VODFLOW_LOG_LEVEL ?? 'warn');
    warnUnknownVariables(undefined, logger);
    const stack = await startLocalStack({
      dataDir: path.resolve(opts.dataDir),
      ports: stackPorts(opts),
      timeScale: timeScale(opts.timeScale),
      ...(process.env.VODFLOW_WEBHOOK_URL ? { webhookUrl: process.env.VODFLOW_WEBHOOK_URL } : {}),
      ...(process.env.VODFLOW_WEBHOOK_SECRET ? { webhookSecret: process.env.VODFLOW_WEBHOOK_SECRET } : {}),
      logger,
    });
    console.log(`vodflow dev stack is up.\n${describeStack(stack)}\n`);
    console.log('Upload simulated videos with: bin/vodflow simulate --videos 10   (Ctrl-C stops everything)');
    stopOnSignals(logger, () => stack.stop());
  });
}

import path from 'node:path';
import type { Command } from 'commander';
import { createLogger } from '../../src/observability/logger';
import {
  defaultLocalPorts,
  localCallbackAuthKey,
  localCredentials,
  startLocalStack,
  type LocalStack,
  type LocalStackPorts,
} from '../../harness/stack/localStack';
import {
  defaultPrometheusPort,
  startLocalPrometheus,
  type LocalPrometheus,
} from '../../harness/stack/prometheus';
import { ensureBackfillSchedule } from '../../src/operations/backfillSchedule';
import { defaultAppId } from '../../src/operations/requirements';
import { stopOnSignals, warnUnknownVariables, withTeamStepOptions, type TeamStepFlags } from './lifecycle';

export interface StackCliOptions extends TeamStepFlags {
  temporalPort: string;
  uiPort: string;
  mnsPort: string;
  vodPort: string;
  webhookPort: string;
  metricsPort: string;
  ingressPort: string;
  callback: string;
  timeScale: string;
}

/** Port, timeline and team-step flags shared by `dev` and `demo`. */
export function withStackOptions(command: Command): Command {
  return withTeamStepOptions(command)
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
    .option('--ingress-port <port>', 'HTTP callback ingress port', String(defaultLocalPorts.ingress))
    .option(
      '--callback <type>',
      'where the VOD emulator pushes events: mns (the queue, polled) or http (the ingress, docs/INGRESS.md)',
      'mns',
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
    ingress: port('ingress-port', opts.ingressPort),
  };
}

export function callbackType(value: string): 'mns' | 'http' {
  if (value !== 'mns' && value !== 'http') throw new Error(`--callback must be mns or http, got ${value}`);
  return value;
}

/** The callback choice and key for the local stack: VODFLOW_CALLBACK_AUTH_KEY, else the documented one. */
export function callbackOptions(opts: StackCliOptions): {
  callback: 'mns' | 'http';
  callbackAuthKey?: string;
} {
  const key = process.env.VODFLOW_CALLBACK_AUTH_KEY?.trim();
  return { callback: callbackType(opts.callback), ...(key ? { callbackAuthKey: key } : {}) };
}

export function timeScale(value: string): number {
  const n = Number(value);
  if (!(n > 0 && n <= 100)) throw new Error(`--time-scale must be a number in (0, 100], got ${value}`);
  return n;
}

/** The stack's worker with a team's steps (paths relative to the working directory). */
export function teamStepOptions(flags: TeamStepFlags): { stepsModule?: string; activitiesModule?: string } {
  return {
    ...(flags.steps ? { stepsModule: path.resolve(flags.steps) } : {}),
    ...(flags.activities ? { activitiesModule: path.resolve(flags.activities) } : {}),
  };
}

/** Where to look, for a person at the terminal. */
export function describeStack(stack: LocalStack): string {
  return [
    `Temporal Web UI   ${stack.temporal.uiUrl}/namespaces/${stack.temporal.namespace}/workflows`,
    `Temporal gRPC     ${stack.temporal.address}`,
    `MNS emulator      ${stack.mns.endpoint}  (queue ${stack.queueUrl}, dead letters ${stack.queueUrl}-dlq)`,
    `VOD emulator      ${stack.vod.endpoint}  (admin ${stack.vodAdminUrl})`,
    `Webhook           ${stack.webhookUrl}${stack.webhook ? '  (local receiver)' : ''}`,
    `HTTP ingress      ${stack.ingressUrl}  (${stack.callback === 'http' ? 'VOD pushes here' : 'idle: VOD pushes to MNS; --callback http'}; AuthKey ${stack.stack.ingress?.authKey === localCallbackAuthKey ? `${localCallbackAuthKey}, local only` : 'from VODFLOW_CALLBACK_AUTH_KEY'})`,
    `Metrics           ${stack.metricsUrl}`,
    `Worker            ${describeWorker(stack)}`,
    `Credentials       ${localCredentials.accessKeyId} / ${localCredentials.accessKeySecret}  (local only)`,
    `Setup             ${stack.setup.map((a) => `${a.subject}: ${a.outcome}`).join('; ')}`,
  ].join('\n');
}

/** The local stack's backfill schedule: every minute over the last hour, no delay. */
export const localBackfill = { intervalMs: 60_000, windowMs: 3_600_000, delayMs: 0 };

function describeWorker(stack: LocalStack): string {
  if (stack.stack.workers.length === 0)
    return `none: run your own on task queue ${stack.config.temporal.taskQueue}`;
  const steps = stack.config.worker.stepsModule;
  return `task queue ${stack.config.temporal.taskQueue}${steps ? `, team steps ${steps}` : ', built-in steps'}`;
}

export function registerDevCommand(program: Command): void {
  withStackOptions(
    program
      .command('dev')
      .description('Run the whole local stack (Temporal, emulators, worker, poller, ingress) until Ctrl-C.')
      .option(
        '--data-dir <dir>',
        'where Temporal and the MNS emulator keep their data (relative to the working directory)',
        path.join('.vodflow', 'dev'),
      )
      .option('--no-worker', "run no worker: your own (vodflowPlugin) serves the stack's task queue")
      .option(
        '--prometheus [port]',
        `also run Prometheus (Debian's package) scraping the stack with vodflow's alert rules (port ${defaultPrometheusPort})`,
      ),
  ).action(
    async (opts: StackCliOptions & { dataDir: string; worker: boolean; prometheus?: string | boolean }) => {
      let prometheusPort: number | null = null;
      if (opts.prometheus !== undefined && opts.prometheus !== false) {
        prometheusPort = opts.prometheus === true ? defaultPrometheusPort : Number(opts.prometheus);
        if (!Number.isInteger(prometheusPort) || prometheusPort < 1 || prometheusPort > 65_535) {
          throw new Error(`--prometheus must be a port number, got ${String(opts.prometheus)}`);
        }
      }
      const logger = createLogger('vodflow-dev', process.env.VODFLOW_LOG_LEVEL ?? 'warn');
      warnUnknownVariables(undefined, logger);
      const stack = await startLocalStack({
        dataDir: path.resolve(opts.dataDir),
        ports: stackPorts(opts),
        timeScale: timeScale(opts.timeScale),
        ...callbackOptions(opts),
        ...(process.env.VODFLOW_WEBHOOK_URL ? { webhookUrl: process.env.VODFLOW_WEBHOOK_URL } : {}),
        ...(process.env.VODFLOW_WEBHOOK_SECRET ? { webhookSecret: process.env.VODFLOW_WEBHOOK_SECRET } : {}),
        ...teamStepOptions(opts),
        worker: opts.worker,
        logger,
      });
      let prometheus: LocalPrometheus | null = null;
      try {
        // As `setup` does in production, at a pace that shows within a minute: every minute, the last hour.
        const { client } = await stack.stack.temporalClient();
        const schedule = await ensureBackfillSchedule(client, {
          taskQueue: stack.config.temporal.taskQueue,
          regions: [stack.stack.region],
          ...localBackfill,
          appId: defaultAppId,
        });
        if (prometheusPort !== null) {
          prometheus = await startLocalPrometheus({
            dataDir: path.resolve(opts.dataDir),
            port: prometheusPort,
            targets: [new URL(stack.metricsUrl).host],
          }).catch((err: unknown) => {
            throw new Error(
              `Prometheus did not start (${err instanceof Error ? err.message : String(err)}); install it with scripts/install-prometheus or apt-get install prometheus`,
            );
          });
        }
        console.log(`vodflow dev stack is up.\n${describeStack(stack)}`);
        console.log(`Backfill sweep    ${schedule.subject}: ${schedule.detail}`);
        if (prometheus)
          console.log(
            `Prometheus        ${prometheus.url}/alerts  (vodflow's alert rules, scraping every 5 s)`,
          );
        console.log('');
      } catch (err) {
        await prometheus?.process.stop();
        await stack.stop();
        throw err;
      }
      console.log(
        'Upload simulated videos with: bin/vodflow simulate --videos 10   (Ctrl-C stops everything)',
      );
      console.log(
        'Videos whose events never arrive: bin/vodflow simulate --videos 5 --no-events   (the sweep finds them)',
      );
      stopOnSignals(logger, async () => {
        await prometheus?.process.stop();
        await stack.stop();
      });
    },
  );
}

/**
 * OPT-IN BRIDGE (VODFLOW_CHAOS_BRIDGE=1), for as long as the vodflow CLI lacks two things a
 * test stack needs (see docs/RELIABILITY.md, "Open integration points"):
 *  - `vodflow worker` registers no pipeline activities (startWorker without activityDeps);
 *  - `vodflow poller` has no way to hand pipeline options (deadlines, linger) to the
 *    workflows it starts, so reconciliation waits the production default of an hour.
 * It runs the same poller (createPoller, decode, the real MNS SDK transport) and the same
 * worker (startWorker) as the CLI, adding only activityDepsFromEnv() and a client
 * interceptor that puts VODFLOW_PIPELINE_OPTIONS into the start input.
 */
import { Client, Connection, type WorkflowClientInterceptor } from '@temporalio/client';
import { activityDepsFromEnv } from '../src/activities';
import { loadConfig } from '../src/config';
import { decode } from '../src/events';
import { startHealthServer } from '../src/observability/healthServer';
import { createLogger } from '../src/observability/logger';
import { createPoller } from '../src/poller/poller';
import { startWorker } from '../src/worker/createWorker';

async function main(role: string | undefined): Promise<void> {
  if (role === 'worker') return runWorker();
  if (role === 'poller') return runPoller();
  throw new Error('usage: bridge poller|worker');
}

async function runWorker(): Promise<void> {
  const config = loadConfig({ role: 'worker' });
  const logger = createLogger('worker', config.logLevel);
  const worker = await startWorker({
    address: config.temporal.address,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    activityDeps: activityDepsFromEnv(),
  });
  logger.info('bridge worker started');
  await startHealthServer({
    host: config.http.host,
    port: config.http.port,
    registries: [],
    readiness: () => ({ ready: worker.worker.getState() === 'RUNNING' }),
  });
  await worker.done;
  process.exit(1);
}

async function runPoller(): Promise<void> {
  const config = loadConfig({ role: 'poller' });
  const logger = createLogger('poller', config.logLevel);
  const options: unknown = JSON.parse(process.env.VODFLOW_PIPELINE_OPTIONS ?? '{}');
  const withOptions: WorkflowClientInterceptor = {
    async signalWithStart(input, next) {
      const [start, ...rest] = input.options.args as [Record<string, unknown>, ...unknown[]];
      return next({ ...input, options: { ...input.options, args: [{ ...start, options }, ...rest] } });
    },
  };
  const connection = await Connection.connect({ address: config.temporal.address, connectTimeout: '10s' });
  const client = new Client({
    connection,
    namespace: config.temporal.namespace,
    interceptors: { workflow: [withOptions] },
  });
  const poller = createPoller({
    config,
    client,
    probe: async () => {
      const response = await connection.withDeadline(Date.now() + 3_000, () =>
        connection.healthService.check({ service: 'temporal.api.workflowservice.v1.WorkflowService' }),
      );
      if (response.status !== 1) throw new Error('Temporal not serving');
    },
    decode,
    logger,
  });
  poller.start();
  await startHealthServer({
    host: config.http.host,
    port: config.http.port,
    registries: [poller.metrics.registry],
    readiness: () => poller.readiness(),
  });
}

main(process.argv[2]).catch((err: unknown) => {
  console.error(`bridge: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exit(1);
});

import type { Command } from 'commander';
import { createPollerMetrics } from '../../src/observability/metrics';
import { startProcessHealth, workerReadiness } from '../../src/process/processHealth';
import { createWorkerMetrics } from '../../src/worker/workerMetrics';
import { productionProcess, stopOnSignals, withTeamStepOptions, type TeamStepFlags } from './lifecycle';
import { defaultIngressPort } from '../../src/config';
import { createIngressMetrics } from '../../src/ingress';
import { startIngressProcess } from '../../src/process/ingressProcess';
import { startPollerProcess } from '../../src/process/pollerProcess';
import { startWorkerProcess } from '../../src/process/workerProcess';

export function registerRunCommand(program: Command): void {
  withTeamStepOptions(program.command('run'))
    .description(
      'Run the worker and the poller (and, when enabled, the HTTP callback ingress) in one process.',
    )
    .option('-c, --config <file>', 'JSON config file (environment variables override it)')
    .option(
      '--ingress',
      `also receive VOD's HTTP callbacks (docs/INGRESS.md), on VODFLOW_INGRESS_PORT or ${defaultIngressPort}; setting VODFLOW_INGRESS_PORT does the same`,
    )
    .action(async (opts: { config?: string; ingress?: boolean } & TeamStepFlags) => {
      // --ingress without a port in the environment or the file: the default port.
      const { config, logger } = productionProcess(
        'run',
        opts,
        'vodflow',
        (loaded): Record<string, string> =>
          opts.ingress && loaded.ingress === null ? { VODFLOW_INGRESS_PORT: String(defaultIngressPort) } : {},
      );
      // The poller's registry carries the Node process metrics; a second copy would scrape as duplicates.
      const pollerMetrics = createPollerMetrics({ defaultMetrics: true });
      const workerMetrics = createWorkerMetrics({ defaultMetrics: false });
      const ingressMetrics = config.ingress ? createIngressMetrics({ defaultMetrics: false }) : null;
      // Alive from the start; ready once every part is.
      const health = await startProcessHealth({
        http: config.http,
        registries: [
          pollerMetrics.registry,
          workerMetrics.registry,
          ...(ingressMetrics ? [ingressMetrics.registry] : []),
        ],
        starting: `connecting to Temporal at ${config.temporal.address}`,
      });
      logger.info({ port: health.port }, 'metrics and health on /metrics, /healthz, /readyz');
      const worker = await startWorkerProcess(config, logger.child({ component: 'worker' }), workerMetrics);
      const poller = await startPollerProcess(config, logger.child({ component: 'poller' }), {
        metrics: pollerMetrics,
      });
      const ingress = ingressMetrics
        ? await startIngressProcess(config, logger.child({ component: 'ingress' }), {
            metrics: ingressMetrics,
          })
        : null;
      health.serve(() => {
        const workerState = workerReadiness(worker.worker.getState());
        if (!workerState.ready) return workerState;
        const ingressState = ingress?.ingress.readiness() ?? { ready: true };
        return ingressState.ready ? poller.poller.readiness() : ingressState;
      });
      stopOnSignals(logger, async () => {
        // Receivers first: their in-flight signals need no worker, and the worker may finish tasks meanwhile.
        await Promise.all([poller.stop(), ingress?.stop()]);
        await worker.shutdown();
        await health.close();
      });
    });
}

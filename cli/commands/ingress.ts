import type { Command } from 'commander';
import { createIngressMetrics } from '../../src/ingress';
import { createLogger } from '../../src/observability/logger';
import { startIngressProcess } from '../../src/process/ingressProcess';
import { startProcessHealth } from '../../src/process/processHealth';
import { configOrExit, stopOnSignals, warnInsecureEndpoints } from './lifecycle';

export interface IngressFlags {
  port?: string;
  host?: string;
}

/** `--port` and `--host`: the ingress's listening address, as the settings they stand for. */
export function ingressSettings(flags: IngressFlags): Record<string, string> {
  return {
    ...(flags.port !== undefined ? { VODFLOW_INGRESS_PORT: flags.port } : {}),
    ...(flags.host !== undefined ? { VODFLOW_INGRESS_HOST: flags.host } : {}),
  };
}

export function registerIngressCommand(program: Command): void {
  program
    .command('ingress')
    .description(
      "Receive VOD's HTTP callbacks (VODFLOW_CALLBACK_URL), check their signature and signal each video workflow.",
    )
    .option('-c, --config <file>', 'JSON config file (environment variables override it)')
    .option('--port <port>', 'listening port; VODFLOW_INGRESS_PORT (default 9400)')
    .option('--host <address>', 'listening address; VODFLOW_INGRESS_HOST (default 127.0.0.1)')
    .action(async (opts: { config?: string } & IngressFlags) => {
      const config = configOrExit('ingress', opts.config, ingressSettings(opts));
      const logger = createLogger('ingress', config.logLevel);
      warnInsecureEndpoints(config, logger);
      const metrics = createIngressMetrics();
      // Alive from the start; ready once Temporal answers and the ingress listens.
      const health = await startProcessHealth({
        http: config.http,
        registries: [metrics.registry],
        starting: `connecting to Temporal at ${config.temporal.address}`,
      });
      logger.info({ port: health.port }, 'metrics and health on /metrics, /healthz, /readyz');
      const running = await startIngressProcess(config, logger, { metrics });
      health.serve(() => running.ingress.readiness());
      stopOnSignals(logger, async () => {
        await running.stop();
        await health.close();
      });
    });
}

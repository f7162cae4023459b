import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';
import { createLogger } from '../observability/logger';

const levels: Record<string, LogLevel> = {
  trace: 'TRACE',
  debug: 'DEBUG',
  info: 'INFO',
  warn: 'WARN',
  error: 'ERROR',
};

/**
 * Routes the SDK's and core's logs into vodflow's JSON logs, at warn unless asked
 * otherwise: at info the worker's state changes drown what matters. The Runtime can be
 * installed once per process and before any native connection, so later calls keep
 * whatever is there.
 */
export function installWorkerRuntime(level = process.env.VODFLOW_SDK_LOG_LEVEL ?? 'warn'): void {
  if (Runtime._instance) return;
  const sdkLevel = Object.hasOwn(levels, level) ? levels[level] : undefined;
  // The processes validate it with the rest of the configuration; this guards other callers.
  if (sdkLevel === undefined) {
    throw new Error(`VODFLOW_SDK_LOG_LEVEL must be one of ${Object.keys(levels).join(', ')}`);
  }
  const logger = createLogger('temporal-sdk', level);
  Runtime.install({
    logger: new DefaultLogger(sdkLevel, (entry) => {
      const fields = { ...(entry.meta ?? {}) };
      switch (entry.level) {
        case 'ERROR':
          logger.error(fields, entry.message);
          break;
        case 'WARN':
          logger.warn(fields, entry.message);
          break;
        case 'INFO':
          logger.info(fields, entry.message);
          break;
        default:
          logger.debug(fields, entry.message);
      }
    }),
  });
}

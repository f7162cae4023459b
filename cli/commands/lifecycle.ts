import type { Command } from 'commander';
import { createLogger, type Logger } from '../../src/observability/logger';
import { ConfigError, loadConfig, type Role, type VodflowConfig } from '../../src/config';
import type { UnknownVariable } from '../../src/config/schema';
import { describeUnknownVariables, unknownVariables } from '../../src/config/unknownVariables';

/**
 * Loads the configuration or exits 2 with every problem listed (values of secrets never shown).
 * `overrides` are settings given as flags; they win over the environment and the file.
 */
export function configOrExit(
  role: Role,
  file: string | undefined,
  overrides: Record<string, string> = {},
): VodflowConfig {
  let config: VodflowConfig;
  try {
    config = loadConfig({ role, ...(file ? { file } : {}), env: { ...process.env, ...overrides } });
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`vodflow ${role}: ${err.message}`);
      process.exit(2);
    }
    throw err;
  }
  // Once per process, before anything else is logged: a misspelt setting is otherwise silently
  // replaced by its default.
  warnUnknownVariables(config.unknownVariables, createLogger(role, config.logLevel));
  return config;
}

/** The start-up warning naming TEMPORAL_* / VODFLOW_* variables nothing reads (commands without a config too). */
export function warnUnknownVariables(
  unknown: readonly UnknownVariable[] = unknownVariables(process.env),
  logger: Logger,
): void {
  if (unknown.length === 0) return;
  logger.warn({ variables: unknown.map((v) => v.name) }, describeUnknownVariables(unknown));
}

/** VODFLOW_ALLOW_INSECURE let plain-http endpoints through: say so at every start. */
/**
 * The start of a long-running production process (poller, worker, run): its settings, with
 * `--steps`/`--activities` given as flags; its logger; the warnings a person must see.
 */
export function productionProcess(
  role: 'poller' | 'worker' | 'run',
  flags: { config?: string } & TeamStepFlags,
  loggerName: string,
  /** Settings a flag implies only when the loaded configuration lacks them (loaded again with them). */
  implied: (loaded: VodflowConfig) => Record<string, string> = () => ({}),
): { config: VodflowConfig; logger: Logger } {
  let config = configOrExit(role, flags.config, teamStepSettings(flags));
  const more = implied(config);
  if (Object.keys(more).length > 0) {
    config = configOrExit(role, flags.config, { ...teamStepSettings(flags), ...more });
  }
  const logger = createLogger(loggerName, config.logLevel);
  warnInsecureEndpoints(config, logger);
  return { config, logger };
}

export function warnInsecureEndpoints(config: VodflowConfig, logger: Logger): void {
  if (config.insecureEndpoints.length === 0) return;
  logger.warn(
    { endpoints: config.insecureEndpoints },
    'VODFLOW_ALLOW_INSECURE=1 accepts plain http: credentials and signed publications cross the network unencrypted',
  );
}

/**
 * Runs `stop` on the first SIGTERM/SIGINT and exits 0 when it resolves; a second signal exits
 * at once (130). Nothing is lost either way: an undeleted MNS message comes back.
 */
export function stopOnSignals(logger: Logger, stop: () => Promise<void>): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now; undeleted messages will be redelivered');
      process.exit(130);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    stop()
      .then(() => {
        logger.flush();
        process.exit(0);
      })
      .catch((err: unknown) => {
        logger.error({ err: err instanceof Error ? err.message : String(err) }, 'shutdown failed');
        logger.flush();
        process.exit(1);
      });
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

/** Resolves on the first SIGINT or SIGTERM: for commands that serve until stopped. */
export function untilStopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

export interface TeamStepFlags {
  steps?: string;
  activities?: string;
}

/** `--steps` and `--activities`: a team's step module and activity module (docs/EXTENDING.md). */
export function withTeamStepOptions(command: Command): Command {
  return command
    .option('--steps <module>', "a team's step module (compiled JS exporting `steps`); VODFLOW_STEPS_MODULE")
    .option('--activities <module>', "the team's activity module; VODFLOW_ACTIVITIES_MODULE");
}

/** The flags as the settings they stand for. */
export function teamStepSettings(flags: TeamStepFlags): Record<string, string> {
  return {
    ...(flags.steps ? { VODFLOW_STEPS_MODULE: flags.steps } : {}),
    ...(flags.activities ? { VODFLOW_ACTIVITIES_MODULE: flags.activities } : {}),
  };
}

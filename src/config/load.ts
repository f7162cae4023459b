import { maxConfigFileBytes, readSmallFile } from './files';
import { unknownVariables } from './unknownVariables';
import { buildConfig, settingNames, settingsSchema, type Role, type VodflowConfig } from './schema';

export const configFileVariable = 'VODFLOW_CONFIG_FILE';

/** Every problem found, each naming the setting; values of secrets never appear. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export interface LoadConfigOptions {
  role: Role;
  env?: NodeJS.ProcessEnv;
  /** A JSON file with the same keys as the environment; defaults to $VODFLOW_CONFIG_FILE. */
  file?: string;
}

/**
 * Parses the configuration once, at start. Precedence: environment over config file over
 * defaults, so a deployment can keep a file and override one value per environment.
 */
export function loadConfig(options: LoadConfigOptions): VodflowConfig {
  const env = options.env ?? process.env;
  const problems: string[] = [];
  const filePath = options.file ?? nonEmpty(env[configFileVariable]);
  const fromFile = filePath === undefined ? {} : readConfigFile(filePath, problems);

  const fromEnv: Record<string, unknown> = {};
  for (const name of settingNames) {
    // An empty variable (FOO= in a compose file) means "not set".
    const value = nonEmpty(env[name]);
    if (value !== undefined) fromEnv[name] = value;
  }
  const merged = { ...fromFile, ...fromEnv };

  const parsed = settingsSchema.safeParse(merged);
  if (parsed.success) {
    const config = buildConfig(
      parsed.data,
      options.role,
      (name, message) => problems.push(`${name} ${message}`),
      env,
    );
    if (problems.length > 0) throw new ConfigError(problems);
    return { ...config, unknownVariables: unknownVariables(env) };
  }
  const invalid = new Set<string>();
  for (const issue of parsed.error.issues) {
    const name = issue.path.map(String).join('.') || '(config)';
    invalid.add(String(issue.path[0] ?? name));
    problems.push(`${name} ${issue.message}`);
  }
  // The settings that did parse still get the role's checks, so one start reports every
  // problem instead of revealing them one fix at a time.
  const rest = settingsSchema.safeParse(
    Object.fromEntries(Object.entries(merged).filter(([name]) => !invalid.has(name))),
  );
  if (rest.success) {
    buildConfig(
      rest.data,
      options.role,
      (name, message) => {
        if (!invalid.has(name)) problems.push(`${name} ${message}`);
      },
      env,
    );
  }
  throw new ConfigError(problems);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

function readConfigFile(filePath: string, problems: string[]): Record<string, unknown> {
  const file = readSmallFile(filePath, maxConfigFileBytes);
  if (!file.ok) {
    problems.push(`${configFileVariable} ${file.reason}`);
    return {};
  }
  let value: unknown;
  try {
    value = JSON.parse(file.text);
  } catch {
    // The parser's message may quote file content, which can hold secrets.
    problems.push(`${configFileVariable} ${filePath} is not valid JSON`);
    return {};
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    problems.push(`${configFileVariable} ${filePath} must hold a JSON object`);
    return {};
  }
  const known = new Set<string>(settingNames);
  for (const key of Object.keys(value)) {
    if (!known.has(key)) problems.push(`${key} (in ${filePath}) is not a vodflow setting`);
  }
  return value as Record<string, unknown>;
}

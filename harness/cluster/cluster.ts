import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import searchAttributesFile from './search-attributes.json';

/**
 * A typed handle on scripts/cluster: a self-hosted Temporal Server (PostgreSQL, the
 * services as separate processes, mTLS on the frontend). docs/CLUSTER.md describes it.
 */

/** The processes scripts/cluster runs; each can be killed or restarted on its own. */
export const clusterServices = [
  'postgres',
  'frontend',
  'history-1',
  'history-2',
  'matching',
  'worker',
] as const;
export type ClusterService = (typeof clusterServices)[number];

/** vodflow's custom search attributes as the cluster registers them (name → Temporal type). */
export const clusterSearchAttributes: Readonly<Record<string, string>> =
  searchAttributesFile.searchAttributes;

export interface ClusterOptions {
  /** State dir (VODFLOW_CLUSTER_DIR); defaults to .vodflow/cluster in the repository. */
  stateDir?: string;
  /** Frontend port (VODFLOW_CLUSTER_PORT_BASE); the other ports move with it. Frozen at first start. */
  portBase?: number;
  /** PostgreSQL port (VODFLOW_CLUSTER_PG_PORT); defaults to 15432 moved like the base. */
  postgresPort?: number;
  namespace?: string;
  /** Building the server the first time takes minutes: scripts/install-temporal-server's budget. */
  installTimeoutMs?: number;
  /** Budget for `scripts/cluster start` once the server is built. */
  startTimeoutMs?: number;
  /** Budget for stop, kill and restart. */
  commandTimeoutMs?: number;
  /** Stop whatever did start when `start` fails (default true). */
  stopOnFailure?: boolean;
  /** Extra environment for every scripts/cluster call. */
  env?: Record<string, string>;
}

export interface ClusterTls {
  serverCaPath: string;
  clientCertPath: string;
  clientKeyPath: string;
  serverName: string;
}

export interface ClusterProcessStatus {
  name: string;
  pid: number | null;
  up: boolean;
  port: number;
}

export interface RunningCluster {
  /** host:port of the frontend (mTLS). */
  address: string;
  namespace: string;
  tls: ClusterTls;
  /** TEMPORAL_* variables for a client (what `scripts/cluster env` prints). */
  env: Record<string, string>;
  stateDir: string;
  /** Every process was up before this start: a caller that found it running leaves it running. */
  wasRunning: boolean;
  /** SIGKILL one process (postgres: the postmaster and its backends). */
  kill(service: ClusterService): Promise<void>;
  /** Stop one process gracefully and start it again; resolves once it is ready. */
  restart(service: ClusterService): Promise<void>;
  status(): Promise<ClusterProcessStatus[]>;
  /** `scripts/cluster start` again: starts whichever process is down, checks the rest. */
  start(): Promise<void>;
  /** Path of one process's log file. */
  logFile(service: ClusterService): string;
  /** Stops every process and PostgreSQL; the data stays in stateDir for the next start. */
  stop(): Promise<void>;
}

function findRoot(start: string): string {
  let dir = start;
  for (;;) {
    if (existsSync(path.join(dir, 'scripts', 'cluster')) && existsSync(path.join(dir, 'package.json'))) {
      return dir;
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`cluster: cannot find the repository root above ${start}`);
    dir = parent;
  }
}

export const repositoryRoot = findRoot(__dirname);
const clusterScript = path.join(repositoryRoot, 'scripts', 'cluster');
const installScript = path.join(repositoryRoot, 'scripts', 'install-temporal-server');

interface RunResult {
  stdout: string;
  stderr: string;
}

/** Runs a script under a deadline; rejects with its stderr's tail when it fails or times out. */
function run(
  script: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
  okCodes: number[] = [0],
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(
      'bash',
      [script, ...args],
      { cwd: repositoryRoot, env, timeout: timeoutMs, killSignal: 'SIGTERM', maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error && typeof error.code === 'number' ? error.code : error ? null : 0;
        if (code !== null && okCodes.includes(code)) {
          resolve({ stdout, stderr });
          return;
        }
        const why = error?.killed
          ? `timed out after ${timeoutMs} ms`
          : `failed (${error?.message ?? 'unknown'})`;
        const tail = stderr.trim().split('\n').slice(-20).join('\n');
        reject(new Error(`${path.basename(script)} ${args.join(' ')} ${why}\n${tail}`));
      },
    );
  });
}

/** KEY=value lines, as `scripts/cluster env` prints them. */
export function parseEnvLines(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (match) env[match[1] as string] = match[2] as string;
  }
  return env;
}

function required(env: Record<string, string>, key: string): string {
  const value = env[key];
  if (!value) throw new Error(`scripts/cluster env did not print ${key}`);
  return value;
}

export function parseStatus(text: string): ClusterProcessStatus[] {
  return text
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((cols) => cols.length >= 4)
    .map(([name, pid, up, port]) => ({
      name: name as string,
      pid: pid === '-' ? null : Number(pid),
      up: up === 'up',
      port: Number(port),
    }));
}

/**
 * Starts the cluster (building the server first if needed) and resolves once the
 * frontend answers over mTLS with the namespace and search attributes in place.
 * Calling it while the cluster runs is fine: the script is idempotent.
 */
export async function startCluster(options: ClusterOptions = {}): Promise<RunningCluster> {
  const stateDir = path.resolve(options.stateDir ?? path.join(repositoryRoot, '.vodflow', 'cluster'));
  const scriptEnv: NodeJS.ProcessEnv = {
    ...process.env,
    ...options.env,
    VODFLOW_CLUSTER_DIR: stateDir,
    ...(options.portBase !== undefined ? { VODFLOW_CLUSTER_PORT_BASE: String(options.portBase) } : {}),
    ...(options.postgresPort !== undefined ? { VODFLOW_CLUSTER_PG_PORT: String(options.postgresPort) } : {}),
    ...(options.namespace !== undefined ? { VODFLOW_CLUSTER_NAMESPACE: options.namespace } : {}),
  };
  const commandTimeoutMs = options.commandTimeoutMs ?? 120_000;

  await run(installScript, [], scriptEnv, options.installTimeoutMs ?? 30 * 60_000);
  const wasRunning = await run(clusterScript, ['status'], scriptEnv, commandTimeoutMs).then(
    () => true,
    () => false,
  );
  try {
    await run(clusterScript, ['start'], scriptEnv, options.startTimeoutMs ?? 5 * 60_000);
  } catch (err) {
    // A half-started cluster is no use to the caller, and nobody would stop it.
    if (options.stopOnFailure ?? true) {
      await run(clusterScript, ['stop'], scriptEnv, commandTimeoutMs).catch(() => undefined);
    }
    throw err;
  }
  const env = parseEnvLines((await run(clusterScript, ['env'], scriptEnv, commandTimeoutMs)).stdout);

  return {
    address: required(env, 'TEMPORAL_ADDRESS'),
    namespace: required(env, 'TEMPORAL_NAMESPACE'),
    tls: {
      serverCaPath: required(env, 'TEMPORAL_TLS_SERVER_CA_CERT_PATH'),
      clientCertPath: required(env, 'TEMPORAL_TLS_CLIENT_CERT_PATH'),
      clientKeyPath: required(env, 'TEMPORAL_TLS_CLIENT_KEY_PATH'),
      serverName: required(env, 'TEMPORAL_TLS_SERVER_NAME'),
    },
    env,
    stateDir,
    wasRunning,
    async kill(service) {
      await run(clusterScript, ['kill', service], scriptEnv, commandTimeoutMs);
    },
    async restart(service) {
      await run(clusterScript, ['restart', service], scriptEnv, commandTimeoutMs);
    },
    async start() {
      await run(clusterScript, ['start'], scriptEnv, options.startTimeoutMs ?? 5 * 60_000);
    },
    async status() {
      // Exit 3 means "some process is down", which is an answer, not a failure.
      const { stdout } = await run(clusterScript, ['status'], scriptEnv, commandTimeoutMs, [0, 3]);
      return parseStatus(stdout);
    },
    logFile(service) {
      return path.join(stateDir, 'logs', `${service}.log`);
    },
    async stop() {
      await run(clusterScript, ['stop'], scriptEnv, commandTimeoutMs);
    },
  };
}

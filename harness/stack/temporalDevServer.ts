/**
 * Temporal for a stack: `temporal server start-dev` as a supervised child (restartable in
 * place on the same port and SQLite file, tied to this process's life, refusing to start
 * over a server left behind by an earlier run), or a server that already runs elsewhere.
 * Either way it serves vodflow's search attributes once started.
 */
import path from 'node:path';
import type { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import { setTimeout as sleep } from 'node:timers/promises';
import { vodflowSearchAttributes } from '../../src/shared/searchAttributes';
import { ExitedDuringStartError, superviseProcess, type SupervisedProcess } from './childProcess';
import { freePort } from './freePort';
import type { StackPart } from './part';
import { temporalCli } from './paths';
import { assertPortFree, checkPidFile, removePidFile, writePidFile } from './staleServer';
import { connectWith, type TemporalClientEnv } from './temporalClient';

export interface TemporalServer extends StackPart {
  /** host:port of the frontend gRPC service. */
  readonly address: string;
  readonly namespace: string;
  /** The Web UI, when the server has one. */
  readonly uiUrl: string | null;
  /** The server's process while this stack runs it; null for a server it does not run. */
  readonly pid: number | null;
  /** The TEMPORAL_* settings a client of this server needs (address, namespace, and TLS for a cluster). */
  readonly clientEnv: TemporalClientEnv;
}

export interface TemporalDevServerOptions {
  /** Its pid file, its log and (with storage 'file') its SQLite file live here. */
  dataDir: string;
  /** Part name, log and pid file names; default "temporal". */
  name?: string;
  /** 'file' (default): dataDir/<name>.db, kept across restarts; 'memory': lost on every stop. */
  storage?: 'file' | 'memory';
  ip?: string;
  /** gRPC port; a free one when omitted. Fixed for the server's life, restarts included. */
  port?: number;
  /** Web UI port; null (default) runs headless. */
  uiPort?: number | null;
  namespace?: string;
  /**
   * SQLite's synchronous pragma (journal_mode is WAL). FULL: every commit fsynced, nothing
   * acknowledged is lost in a machine crash (`dev`). NORMAL (default): a machine crash can
   * lose the last commits, a process crash cannot. OFF: tests and the bench, speed only.
   */
  synchronous?: 'OFF' | 'NORMAL' | 'FULL';
  readyTimeoutMs?: number;
  /**
   * More dynamic-config values, `key=value` as `--dynamic-config-value` takes them (the bench
   * turns server features on with them, e.g. system.enableActivityEagerExecution=true).
   */
  dynamicConfigValues?: readonly string[];
  /** Append the server's output to dataDir/<name>.log (default) rather than drop it. */
  log?: boolean;
}

export interface TemporalDevServer extends TemporalServer {
  readonly child: SupervisedProcess['child'];
  readonly dbFile: string | null;
  /** Names the running server's pid while it runs; a leftover one names an orphan. */
  readonly pidFile: string;
}

const keywordTypeName = 'Keyword';
// grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING
const servingStatus = 1;

/** A dev server ready to start (ports chosen now, so restarts reuse them). */
export async function createTemporalDevServer(options: TemporalDevServerOptions): Promise<TemporalDevServer> {
  const name = options.name ?? 'temporal';
  const ip = options.ip ?? '127.0.0.1';
  const port = options.port ?? (await freePort());
  const uiPort = options.uiPort ?? null;
  const namespace = options.namespace ?? 'default';
  const dbFile = (options.storage ?? 'file') === 'file' ? path.join(options.dataDir, `${name}.db`) : null;
  const pidFile = path.join(options.dataDir, `${name}.pid`);
  const address = `${ip}:${port}`;
  const args = [
    'server',
    'start-dev',
    '--ip',
    ip,
    '--port',
    String(port),
    '--namespace',
    namespace,
    '--log-level',
    'error',
    '--sqlite-pragma',
    'journal_mode=WAL',
    '--sqlite-pragma',
    `synchronous=${options.synchronous ?? 'NORMAL'}`,
    '--dynamic-config-value',
    'frontend.enableServerVersionCheck=false',
    ...(options.dynamicConfigValues ?? []).flatMap((value) => ['--dynamic-config-value', value]),
    ...vodflowSearchAttributes.flatMap((key) => ['--search-attribute', `${key.name}=${keywordTypeName}`]),
    ...(dbFile ? ['--db-filename', dbFile] : []),
    ...(uiPort === null ? ['--headless'] : ['--ui-port', String(uiPort), '--ui-ip', ip]),
  ];
  const server = superviseProcess({
    name,
    command: temporalCli().path,
    args,
    env: { ...process.env, TEMPORAL_VERSION_CHECK_DISABLED: '1' },
    ...(options.log === false ? {} : { logFile: path.join(options.dataDir, `${name}.log`) }),
    ready: () => temporalServing(clientEnv),
    readyTimeoutMs: options.readyTimeoutMs ?? 90_000,
  });

  let writtenPid: number | null = null;
  const clientEnv = { TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: namespace };
  return {
    name,
    address,
    namespace,
    clientEnv,
    uiUrl: uiPort === null ? null : `http://${ip}:${uiPort}`,
    dbFile,
    pidFile,
    get child() {
      return server.child;
    },
    get pid() {
      return server.child?.pid ?? null;
    },
    get starts() {
      return server.starts;
    },
    get kills() {
      return server.kills;
    },
    unexpectedExits: server.unexpectedExits,
    running: () => server.running(),
    async start() {
      if (server.running()) return;
      // Never start beside an earlier run's server: on the same file it corrupts the
      // database, on the same port its answers would pass for ours.
      await checkPidFile(pidFile, 'Temporal dev server', /temporal/);
      await assertPortFree(ip, port, 'Temporal dev server');
      if (uiPort !== null) await assertPortFree(ip, uiPort, 'Temporal Web UI');
      await server.start().catch(async (err: unknown) => {
        // Seen once in a whole test run, cause unknown (a port the dev server picks for itself
        // taken meanwhile is the likely one): one more try, and the first death is reported.
        if (!(err instanceof ExitedDuringStartError)) throw err;
        process.stderr.write(`${err.message}\nstarting it once more\n`);
        await sleep(500);
        await server.start();
      });
      const pid = server.child?.pid;
      if (pid !== undefined) await writePidFile(pidFile, pid);
      writtenPid = pid ?? null;
      await ensureSearchAttributes(clientEnv);
    },
    async stop(graceMs) {
      await server.stop(graceMs);
      // Only our own: after a refused start the file names someone else's server.
      if (writtenPid !== null) await removePidFile(pidFile, writtenPid);
      writtenPid = null;
    },
    // The pid file stays, as after a crash; the next start finds its process gone.
    kill: () => server.kill(),
  };
}

export interface ExistingTemporalOptions {
  /** TEMPORAL_* client settings beyond address and namespace: TLS files, API key. */
  clientEnv?: TemporalClientEnv;
  /** Register the namespace when it does not exist (a run of its own on a shared cluster). */
  createNamespace?: boolean;
}

/**
 * A Temporal server this stack does not run (a shared dev server, a cluster, with mTLS when
 * its settings say so): start() waits until it serves, registers the namespace if asked and
 * the search attributes; stop() leaves it running; kill() refuses.
 */
export function existingTemporalServer(
  address: string,
  namespace = 'default',
  options: ExistingTemporalOptions = {},
): TemporalServer {
  let starts = 0;
  const clientEnv = { ...options.clientEnv, TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: namespace };
  return {
    name: 'temporal',
    address,
    namespace,
    clientEnv,
    uiUrl: null,
    pid: null,
    get starts() {
      return starts;
    },
    kills: 0,
    unexpectedExits: [],
    running: () => true,
    async start() {
      await waitUntilServing(clientEnv, 60_000);
      if (options.createNamespace) await ensureNamespace(clientEnv);
      await ensureSearchAttributes(clientEnv);
      starts += 1;
    },
    stop: () => Promise.resolve(),
    kill: () => Promise.reject(new Error(`the Temporal server at ${address} is not this stack's to kill`)),
  };
}

/** One health check of the frontend: true when it answers SERVING. */
async function temporalServing(clientEnv: TemporalClientEnv): Promise<boolean> {
  const connection = await connectWith(clientEnv, 1_000);
  try {
    const response = await connection.withDeadline(Date.now() + 2_000, () =>
      connection.healthService.check({ service: 'temporal.api.workflowservice.v1.WorkflowService' }),
    );
    return response.status === servingStatus;
  } finally {
    await connection.close();
  }
}

async function waitUntilServing(clientEnv: TemporalClientEnv, timeoutMs: number): Promise<void> {
  const address = clientEnv.TEMPORAL_ADDRESS;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      if (await temporalServing(clientEnv)) return;
    } catch (err) {
      lastError = err;
    }
    await sleep(200);
  }
  throw new Error(`Temporal at ${address} not serving within ${timeoutMs} ms: ${String(lastError)}`);
}

/**
 * With an existing SQLite file the dev server ignores --search-attribute for namespaces it
 * already has, and a server we did not start may lack them, so register what is missing.
 */
export async function ensureSearchAttributes(clientEnv: TemporalClientEnv): Promise<string[]> {
  const namespace = clientEnv.TEMPORAL_NAMESPACE ?? 'default';
  const connection = await connectWith(clientEnv, 5_000);
  try {
    const deadline = () => Date.now() + 10_000;
    const existing = await connection.withDeadline(deadline(), () =>
      connection.operatorService.listSearchAttributes({ namespace }),
    );
    const known = new Set(Object.keys(existing.customAttributes ?? {}));
    const missing = vodflowSearchAttributes.filter((key) => !known.has(key.name));
    if (missing.length === 0) return [];
    await connection.withDeadline(deadline(), () =>
      connection.operatorService.addSearchAttributes({
        namespace,
        searchAttributes: Object.fromEntries(
          missing.map((key) => [key.name, temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD]),
        ),
      }),
    );
    return missing.map((key) => key.name);
  } finally {
    await connection.close();
  }
}

/**
 * Registers the namespace unless it exists, then waits until the frontend serves it: a new
 * namespace reaches the frontend's cache a few seconds after it was registered.
 */
export async function ensureNamespace(clientEnv: TemporalClientEnv): Promise<void> {
  const namespace = clientEnv.TEMPORAL_NAMESPACE ?? 'default';
  const connection = await connectWith(clientEnv, 5_000);
  try {
    const call = <T>(fn: () => Promise<T>): Promise<T> => connection.withDeadline(Date.now() + 10_000, fn);
    try {
      await call(() => connection.workflowService.describeNamespace({ namespace }));
    } catch {
      await call(() =>
        connection.workflowService.registerNamespace({
          namespace,
          // One day: enough for a test or chaos run to be inspected afterwards.
          workflowExecutionRetentionPeriod: msToTs('1 day'),
        }),
      ).catch((err: unknown) => {
        if (!/already exists|AlreadyExists/i.test(String(err))) throw err;
      });
    }
    await waitForNamespace(connection, namespace);
  } finally {
    await connection.close();
  }
}

async function waitForNamespace(connection: Connection, namespace: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      // A call that needs the namespace in the frontend's cache, not only in the database.
      await connection.withDeadline(Date.now() + 5_000, () =>
        connection.workflowService.listWorkflowExecutions({ namespace, pageSize: 1 }),
      );
      return;
    } catch (err) {
      if (Date.now() > deadline)
        throw new Error(`namespace ${namespace} not served within 60 s: ${String(err)}`);
      await sleep(500);
    }
  }
}

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { vodflowSearchAttributes } from '../../src/shared/searchAttributes';
import { freePort } from './freePort';
import { installTemporalScript, temporalBinary } from './paths';

export interface TemporalDevServerOptions {
  /** SQLite file; without it the server keeps everything in memory. */
  dbFile?: string;
  ip?: string;
  /** gRPC port; a free one when omitted. */
  port?: number;
  /** Web UI port; null runs headless. Defaults to headless. */
  uiPort?: number | null;
  namespace?: string;
  /** Where the server's own output goes; defaults to discarding it. */
  stdio?: 'inherit' | 'ignore';
  readyTimeoutMs?: number;
  /** Tests trade durability on OS crash for speed; the local stack keeps NORMAL. */
  synchronous?: 'OFF' | 'NORMAL';
}

export interface TemporalDevServer {
  address: string;
  namespace: string;
  uiUrl: string | null;
  process: ChildProcess;
  stop(): Promise<void>;
}

const keywordTypeName = 'Keyword';
// grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING
const servingStatus = 1;

/** Builds the pinned Temporal CLI when it is missing (scripts/install-temporal). */
export function ensureTemporalBinary(): string {
  if (!existsSync(temporalBinary)) {
    const result = spawnSync('bash', [installTemporalScript], { stdio: 'inherit' });
    if (result.status !== 0) throw new Error(`could not install the Temporal CLI (${installTemporalScript})`);
  }
  return temporalBinary;
}

export async function startTemporalDevServer(
  options: TemporalDevServerOptions = {},
): Promise<TemporalDevServer> {
  const binary = ensureTemporalBinary();
  const ip = options.ip ?? '127.0.0.1';
  const port = options.port ?? (await freePort());
  const namespace = options.namespace ?? 'default';
  const uiPort = options.uiPort ?? null;
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
    ...vodflowSearchAttributes.flatMap((key) => ['--search-attribute', `${key.name}=${keywordTypeName}`]),
  ];
  if (options.dbFile) args.push('--db-filename', options.dbFile);
  if (uiPort === null) args.push('--headless');
  else args.push('--ui-port', String(uiPort), '--ui-ip', ip);

  const child = spawn(binary, args, {
    stdio: ['ignore', options.stdio ?? 'ignore', options.stdio ?? 'ignore'],
    env: { ...process.env, TEMPORAL_VERSION_CHECK_DISABLED: '1' },
  });
  const address = `${ip}:${port}`;
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });

  const stop = async (): Promise<void> => {
    if (exited || child.exitCode !== null || child.signalCode !== null) return;
    const gone = once(child, 'exit');
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await gone;
    clearTimeout(timer);
  };

  try {
    await waitUntilServing(address, options.readyTimeoutMs ?? 60_000, () => exited);
    await ensureSearchAttributes(address, namespace);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    address,
    namespace,
    uiUrl: uiPort === null ? null : `http://${ip}:${uiPort}`,
    process: child,
    stop,
  };
}

async function waitUntilServing(address: string, timeoutMs: number, hasExited: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (hasExited()) throw new Error(`Temporal dev server at ${address} exited during start`);
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 });
      try {
        const response = await connection.withDeadline(Date.now() + 2_000, () =>
          connection.healthService.check({ service: 'temporal.api.workflowservice.v1.WorkflowService' }),
        );
        if (response.status === servingStatus) return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      lastError = err;
    }
    await sleep(200);
  }
  throw new Error(
    `Temporal dev server at ${address} not healthy within ${timeoutMs} ms: ${String(lastError)}`,
  );
}

/**
 * With an existing SQLite file the dev server ignores --search-attribute for
 * namespaces it already has (temporal-notes §2.4), so register what is missing.
 */
export async function ensureSearchAttributes(address: string, namespace: string): Promise<string[]> {
  const connection = await Connection.connect({ address, connectTimeout: 5_000 });
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
